// Hash routes (#/tasks/12?host=web-01): the server serves one page, and a
// link or reload lands on the same view.
import { signal } from './signal';

export type Route = { path: string; parts: string[]; query: URLSearchParams };

function parse(): Route {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, q = ''] = raw.split('?');
  return { path, parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

export const route = signal<Route>(parse());
window.addEventListener('hashchange', () => route.set(parse()));

export function go(hash: string) {
  if (location.hash === hash) route.set(parse());
  else location.hash = hash;
}

// The current place, to come back to after signing in.
export function here(): string {
  return location.hash || '#/';
}

// Replaces the query of the current route without a new history entry.
// Empty values are dropped (a cleared filter leaves no `title=`): a view
// that needs a key present but empty (rules' `edit=` for a new one) is
// opened with go().
export function setQuery(params: Record<string, string>) {
  const r = route.get();
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  history.replaceState(null, '', '#' + r.path + (s ? '?' + s : ''));
  route.set(parse());
}
