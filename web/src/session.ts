// Who is signed in and what they may do. The server's session API
// (GET/POST/DELETE /api/v1/session) is the source; a server without it
// (404) is one whose API is open or protected by basic auth only, and then
// every permission is assumed: the server still refuses what it refuses.
import { signal } from './signal';
import { ApiError, call, setAuth } from './api';

export const ALL_PERMISSIONS = [
  'task.read', 'task.run_template', 'task.run_adhoc', 'task.action', 'template.edit', 'rule.edit', 'alert.post',
  'ibex.call', 'agent.read', 'agent.enroll', 'agent.revoke', 'user.manage', 'audit.read',
];

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

function adopt(body: any, mode: Session['mode']): Session {
  const s: Session = { user: body.user, role: body.role, permissions: body.permissions ?? [], csrf_token: body.csrf_token, mode };
  setAuth(mode === 'session' ? { kind: 'session', csrf: body.csrf_token ?? '' } : mode === 'basic' ? { kind: 'basic', header: basicHeader() } : { kind: 'none' });
  session.set(s);
  return s;
}

const BASIC_KEY = 'mend.basic';
function basicHeader(): string {
  return sessionStorage.getItem(BASIC_KEY) ?? '';
}

// Restores the session at start: null means the user must sign in.
export async function restore(): Promise<Session | null> {
  const saved = basicHeader();
  if (saved) setAuth({ kind: 'basic', header: saved });
  try {
    const body = await call('GET', '/api/v1/session', undefined, { quiet401: true });
    return adopt(body, saved ? 'basic' : 'session');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  }
  // No session API on this server: is its API open, or behind basic auth?
  try {
    await call('GET', '/api/v1/agents', undefined, { quiet401: true });
    return adopt({ user: saved ? atob(saved.slice(6)).split(':')[0] : 'anonymous', role: 'admin', permissions: ALL_PERMISSIONS }, saved ? 'basic' : 'open');
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
  try {
    const body = await call('POST', '/api/v1/session', { user, password }, { quiet401: true });
    sessionStorage.removeItem(BASIC_KEY);
    return adopt(body, 'session');
  } catch (e) {
    // 404: no session API; 401 too on a server whose whole API is behind
    // basic auth (it refuses before routing). Either way, try basic auth.
    if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 401)) throw e;
  }
  const header = 'Basic ' + btoa(unescape(encodeURIComponent(`${user}:${password}`)));
  setAuth({ kind: 'basic', header });
  try {
    await call('GET', '/api/v1/agents', undefined, { quiet401: true });
  } catch (e) {
    setAuth({ kind: 'none' });
    throw e;
  }
  sessionStorage.setItem(BASIC_KEY, header);
  // A server that knows roles says what this basic-auth user may do.
  const who = await call('GET', '/api/v1/session', undefined, { quiet401: true }).catch(() => null);
  if (who && typeof who === 'object' && who.user) return adopt(who, 'basic');
  return adopt({ user, role: 'admin', permissions: ALL_PERMISSIONS }, 'basic');
}

export async function signOut() {
  const s = session.get();
  if (s?.mode === 'session') await call('DELETE', '/api/v1/session').catch(() => {});
  sessionStorage.removeItem(BASIC_KEY);
  setAuth({ kind: 'none' });
  session.set(null);
}
