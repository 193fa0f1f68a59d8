// Swagger UI's requests, sent by the engine instead of the browser (explorer.tryIt): the engine
// trusts the workspace CA, so no certificate warning, and calls only our own gateways. What comes
// back is data handed to Swagger UI as a Response; no page of the branch is ever loaded here.
import { api } from '../../api.ts';

interface SwaggerRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The body as text; Swagger UI sends strings (JSON, form-encoded). Files are not sent. */
function textBody(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new Error('the explorer sends text bodies only; send files with curl');
}

export async function tryItFetch(url: string, request: SwaggerRequest): Promise<Response> {
  const answer = await api.explorer.tryIt.mutate({
    url,
    method: request.method ?? 'GET',
    headers: request.headers ?? {},
    body: textBody(request.body),
  });
  const bytes =
    answer.bodyEncoding === 'base64' ? Uint8Array.from(atob(answer.body), (c) => c.charCodeAt(0)) : answer.body;
  // A Response may not carry a body for these statuses.
  const empty = answer.status === 204 || answer.status === 304 || request.method === 'HEAD';
  return new Response(empty ? null : bytes, {
    status: answer.status,
    statusText: answer.statusText,
    headers: answer.headers,
  });
}

/** Swagger UI's interceptor: every try-it request goes through the engine. */
export function throughEngine<T extends object>(request: T): T {
  return Object.assign(request, { userFetch: tryItFetch });
}
