// Small facts the gateway reads off every request, each kept cheap: it runs once per request.

/** `make(key)`, remembered in `map`, which is emptied when it holds `max` entries. */
export function remember<K, V>(map: Map<K, V>, key: K, make: (key: K) => V, max: number): V {
  let value = map.get(key);
  if (value === undefined) {
    if (map.size >= max) map.clear();
    value = make(key);
    map.set(key, value);
  }
  return value;
}

/** The path of a request target without its query, cut at 512 characters for the log. */
export function pathOnly(url: string | undefined): string {
  const target = url ?? '';
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  return path.length > 512 ? `${path.slice(0, 512)}…` : path;
}

/**
 * Whether the request has more than one Host header. Node keeps the first and drops the rest
 * from `headers`, so two names (one for the gateway, another for whatever reads the raw
 * request) would look like one; only the raw list tells. Names are compared by length first:
 * most are not four letters long, and those that are rarely need lowercasing.
 */
export function hasManyHosts(raw: string[]): boolean {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 4 || (name !== 'Host' && name !== 'host' && name.toLowerCase() !== 'host')) continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}
