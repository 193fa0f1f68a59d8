// Which request paths reach a branch: only those of its OpenAPI document, matched segment by
// segment after each segment is decoded once. Anything that could mean a different path to the
// branch than to the gateway (dot segments, encoded slashes or backslashes, NUL, empty
// segments, absolute-form targets) is refused before matching.

export type PathCheck = { ok: true; path: string; segments: string[]; query: string } | { ok: false; reason: string };

const DOT_SEGMENT: PathCheck = {
  ok: false,
  reason: 'the path holds a dot segment, an encoded slash or backslash, or a double encoding',
};

export function checkRequestTarget(target: string | undefined): PathCheck {
  if (!target || !target.startsWith('/'))
    return { ok: false, reason: 'the request target must be a path starting with /' };
  if (target.length > 8192) return { ok: false, reason: 'the path is too long' };
  const queryAt = target.indexOf('?');
  const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const query = queryAt < 0 ? '' : target.slice(queryAt);
  if (rawPath.includes('#')) return { ok: false, reason: 'a fragment is not part of a request' };
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(rawPath))
    return { ok: false, reason: 'the path holds a backslash or a control character' };
  const raw = rawPath === '/' ? [] : rawPath.slice(1).split('/');
  const segments: string[] = [];
  for (let index = 0; index < raw.length; index++) {
    const part = raw[index]!;
    // A trailing slash is allowed; an empty segment in the middle is not.
    if (part === '') {
      if (index !== raw.length - 1) return { ok: false, reason: 'the path holds an empty segment (//)' };
      continue;
    }
    // Most segments hold no percent-encoding: they are what they say (no slash, backslash or
    // control character can be in them by now), and need no decoding.
    if (!part.includes('%')) {
      if (part === '.' || part === '..') return DOT_SEGMENT;
      segments.push(part);
      continue;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return { ok: false, reason: 'the path holds a malformed percent-encoding' };
    }
    if (
      decoded === '.' ||
      decoded === '..' ||
      // eslint-disable-next-line no-control-regex
      /[/\\\u0000-\u001f\u007f]/.test(decoded) ||
      /%(2e|2f|5c|25)/i.test(decoded)
    )
      return DOT_SEGMENT;
    segments.push(decoded);
  }
  return { ok: true, path: rawPath, segments, query };
}

type Segment = { literal: string } | { param: string };

interface Template {
  path: string;
  segments: Segment[];
  methods: Set<string>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The routes of one OpenAPI document, as matchers. */
export class PathMatcher {
  private readonly templates: Template[];

  constructor(paths: Record<string, Record<string, unknown>>) {
    this.templates = Object.entries(paths).map(([path, item]) => ({
      path,
      segments: path
        .split('/')
        .filter((s) => s !== '')
        .map((s) => (/^\{[^}]+\}$/.test(s) ? { param: s.slice(1, -1) } : { literal: s })),
      methods: new Set(
        Object.keys(item)
          .filter((m) => METHODS.includes(m))
          .map((m) => m.toUpperCase()),
      ),
    }));
    // Literal segments before parameters, so /notes/new wins over /notes/{id}.
    this.templates.sort((a, b) => score(b) - score(a));
  }

  /** `route`: the path and the method both match; `method`: only the path (405 with Allow). */
  match(
    segments: string[],
    method: string,
  ): { kind: 'route'; template: string } | { kind: 'method'; allow: string[] } | { kind: 'none' } {
    let allow: string[] | undefined;
    for (const template of this.templates) {
      if (template.segments.length !== segments.length) continue;
      if (!template.segments.every((s, i) => ('literal' in s ? s.literal === segments[i] : segments[i] !== '')))
        continue;
      if (template.methods.has(method) || (method === 'HEAD' && template.methods.has('GET')))
        return { kind: 'route', template: template.path };
      allow ??= [...template.methods];
    }
    return allow ? { kind: 'method', allow } : { kind: 'none' };
  }
}

function score(template: Template): number {
  return template.segments.reduce((sum, s, i) => sum + ('literal' in s ? 2 ** (16 - Math.min(i, 15)) : 0), 0);
}
