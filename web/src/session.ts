// Who is signed in and what they may do, from the server's session API
// (POST/GET/DELETE /api/v1/session): the answer names the user, role,
// permissions and the CSRF token every non-GET request repeats. The server
// says how the caller was recognised (`method`): "session" (the cookie),
// "basic" (configured --basic-auth users, who have no stored password to
// start a session with) or "open" (a server with no credentials at all).
import { signal } from './signal';
import { ApiError, call, setAuth } from './api';

export type Session = { user: string; role: string; permissions: string[]; csrf_token?: string; mode: 'session' | 'basic' | 'open' };

export const session = signal<Session | null>(null);

export function can(permission: string): boolean {
  const s = session.get();
  return !!s && s.permissions.includes(permission);
}

// Why a control is disabled, or '' when the user may use it.
export function deniedReason(permission: string): string {
  if (can(permission)) return '';
  const s = session.get();
  return `needs permission ${permission}` + (s ? ` (${s.user} is ${s.role})` : '');
}

function adopt(body: any, basicHeader = ''): Session {
  const mode: Session['mode'] = basicHeader ? 'basic' : body.method === 'open' ? 'open' : 'session';
  const s: Session = { user: body.user, role: body.role, permissions: body.permissions ?? [], csrf_token: body.csrf_token, mode };
  setAuth(mode === 'session' ? { kind: 'session', csrf: body.csrf_token ?? '' } : mode === 'basic' ? { kind: 'basic', header: basicHeader } : { kind: 'none' });
  session.set(s);
  return s;
}

// Basic credentials live only as long as the tab (the cookie does the same
// job for stored users, without the password in the page).
const BASIC_KEY = 'mend.basic';

// Restores the session at start: null means the user must sign in.
export async function restore(): Promise<Session | null> {
  const saved = sessionStorage.getItem(BASIC_KEY) ?? '';
  setAuth(saved ? { kind: 'basic', header: saved } : { kind: 'none' });
  try {
    return adopt(await call('GET', '/api/v1/session', undefined, { quiet401: true }), saved);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      sessionStorage.removeItem(BASIC_KEY);
      setAuth({ kind: 'none' });
      return null;
    }
    throw e;
  }
}

export async function signIn(user: string, password: string): Promise<Session> {
  setAuth({ kind: 'none' });
  let refused: unknown;
  try {
    const body = await call('POST', '/api/v1/session', { user, password }, { quiet401: true });
    sessionStorage.removeItem(BASIC_KEY);
    return adopt(body);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    refused = e;
  }
  // Not a stored user: maybe one of the server's configured --basic-auth users.
  const header = 'Basic ' + btoa(unescape(encodeURIComponent(`${user}:${password}`)));
  setAuth({ kind: 'basic', header });
  try {
    const who = await call('GET', '/api/v1/session', undefined, { quiet401: true });
    sessionStorage.setItem(BASIC_KEY, header);
    return adopt(who, header);
  } catch {
    setAuth({ kind: 'none' });
    throw refused;
  }
}

export async function signOut() {
  const s = session.get();
  if (s?.mode === 'session') await call('DELETE', '/api/v1/session').catch(() => {});
  sessionStorage.removeItem(BASIC_KEY);
  setAuth({ kind: 'none' });
  session.set(null);
}
