// Every call to the server goes through here: credentials (session cookie
// with its CSRF token, or basic auth where the server has no sessions yet),
// the {dat, err} and {error} answer shapes, and a 401 sending the user to
// sign-in and back.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: any = null,
  ) {
    super(message);
  }
  get permission(): string | undefined {
    return this.body?.permission;
  }
}

type Auth = { kind: 'session'; csrf: string } | { kind: 'basic'; header: string } | { kind: 'none' };
let auth: Auth = { kind: 'none' };
let onUnauthorized: () => void = () => {};

export function setAuth(a: Auth) {
  auth = a;
}
export function authKind() {
  return auth.kind;
}
export function setUnauthorizedHandler(fn: () => void) {
  onUnauthorized = fn;
}

export function headers(method: string, json: boolean): Record<string, string> {
  // Tells the server not to send WWW-Authenticate, so a 401 never opens the
  // browser's own sign-in dialog over the page.
  const h: Record<string, string> = { 'X-Requested-With': 'XMLHttpRequest' };
  if (json) h['Content-Type'] = 'application/json';
  if (auth.kind === 'basic') h['Authorization'] = auth.header;
  if (auth.kind === 'session' && method !== 'GET') h['X-CSRF-Token'] = auth.csrf;
  return h;
}

// One request. Resolves to the answer's `dat` for envelopes, the whole body
// otherwise; rejects with ApiError carrying the server's message.
export async function call<T = any>(method: string, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: headers(method, body !== undefined),
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(`cannot reach the server (${(e as Error).message})`, 0);
  }
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  const message =
    (parsed && typeof parsed === 'object' && (parsed.error || parsed.err)) || (!res.ok ? text.slice(0, 300) || res.statusText : '');
  if (res.status === 401 && !opts.quiet401) onUnauthorized();
  if (!res.ok || message) throw new ApiError(message || `HTTP ${res.status}`, res.status, parsed);
  if (parsed && typeof parsed === 'object' && 'dat' in parsed) return parsed.dat as T;
  return (parsed ?? text) as T;
}

export const get = <T = any>(path: string) => call<T>('GET', path);
export const post = <T = any>(path: string, body?: unknown) => call<T>('POST', path, body ?? {});
export const put = <T = any>(path: string, body?: unknown) => call<T>('PUT', path, body ?? {});
export const del = <T = any>(path: string) => call<T>('DELETE', path);

export function qs(params: Record<string, string | number | undefined | null>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? '?' + parts.join('&') : '';
}
