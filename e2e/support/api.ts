// The engine's router called the way a script calls it (bearer token), for a test's setup: no
// CLI process per step, and no time limit but the test's own (a loaded machine is slow).
import type { ServeProcess } from './engine.ts';

export async function callApi<T = unknown>(
  serve: ServeProcess,
  procedure: string,
  input: unknown,
  kind: 'mutation' | 'query' = 'mutation',
): Promise<T> {
  const headers = { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' };
  const url = `${serve.url}trpc/${procedure}`;
  const response =
    kind === 'query'
      ? await fetch(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`, {
          headers,
          signal: AbortSignal.timeout(280_000),
        })
      : await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(input),
          signal: AbortSignal.timeout(280_000),
        });
  const body = (await response.json()) as { result?: { data: T }; error?: unknown };
  if (!response.ok || !body.result)
    throw new Error(`${procedure} answered ${response.status}: ${JSON.stringify(body.error ?? body)}`);
  return body.result.data;
}
