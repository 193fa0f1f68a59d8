// "Test connection" for an AI provider: one completion of one token with the key the engine holds,
// so the base URL, the key and the model are all tried at once, and the outcome is told in words
// a user can act on (nothing listens there, the key was refused, that address is not an API).
export interface ConnectionCheck {
  baseUrl: string;
  model: string;
  key: string | undefined;
  timeoutMs?: number;
}

export type ConnectionResult = { ok: true; message: string } | { ok: false; message: string };

export async function checkConnection(check: ConnectionCheck): Promise<ConnectionResult> {
  const base = check.baseUrl.replace(/\/+$/, '');
  const endpoint = `${base}/chat/completions`;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(check.key ? { authorization: `Bearer ${check.key}` } : {}),
      },
      body: JSON.stringify({ model: check.model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 }),
      signal: AbortSignal.timeout(check.timeoutMs ?? 15_000),
    });
  } catch (error) {
    return { ok: false, message: unreachable(base, error) };
  }
  // The answer is not needed past its status and error; a streamed one is cut here.
  const text = await response.text().catch(() => '');
  if (response.ok) return { ok: true, message: `Connected: ${base} answered with model ${check.model}.` };
  const said = providerMessage(text);
  const detail = said ? ` It said: “${said}”` : '';
  if (response.status === 401 || response.status === 403)
    return {
      ok: false,
      message: check.key
        ? `${base} refused the key (${response.status}). Check that the key is for this provider.${detail}`
        : `${base} wants a key (${response.status}) and the engine holds none. Enter one below.${detail}`,
    };
  if (response.status === 404 || response.status === 405)
    return {
      ok: false,
      message: `${endpoint} answered ${response.status}: this is not an OpenAI-compatible base URL (it usually ends in /v1), or the model ${check.model} does not exist there.${detail}`,
    };
  if (response.status === 429)
    return { ok: false, message: `${base} says too many requests or no credit left (429).${detail}` };
  return { ok: false, message: `${base} answered ${response.status}.${detail}` };
}

function unreachable(base: string, error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (error as { name?: string }).name;
  const host = safeHost(base);
  if (code === 'ECONNREFUSED') return `Nothing answers at ${host}: the connection was refused. Is the server running?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `The host ${host} was not found. Check the base URL.`;
  if (code === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return `${host} did not answer in time. Check the base URL and your network.`;
  if (typeof code === 'string' && /CERT|SSL|TLS/.test(code))
    return `${host} did not present a certificate this engine trusts (${code}).`;
  return `${base} could not be reached: ${(error as Error).message}${code ? ` (${code})` : ''}.`;
}

function safeHost(base: string): string {
  try {
    return new URL(base).host;
  } catch {
    return base;
  }
}

function providerMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message);
    return typeof message === 'string' ? message.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}
