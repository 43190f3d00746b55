// The frame around every page: navigation (entries the user may not read are
// left out), who is signed in, and the page.
import type { ComponentChildren } from 'preact';
import { route } from './router';
import { can, session, signOut } from './session';
import { useSignal } from './signal';
import { ConfirmHost } from './ui';

const NAV: [string, string, string][] = [
  ['#/', 'Overview', ''],
  ['#/tasks', 'Tasks', 'task.read'],
  ['#/rules', 'Templates & rules', ''],
  ['#/remediations', 'Remediations', ''],
  ['#/agents', 'Agents', 'agent.read'],
  ['#/audit', 'Audit log', 'audit.read'],
  ['#/users', 'Users', 'user.manage'],
];

export function Layout({ children }: { children: ComponentChildren }) {
  const s = useSignal(session);
  const r = useSignal(route);
  const current = '#/' + (r.parts[0] ?? '');
  return (
    <div class="frame">
      <nav>
        <a class="brand" href="#/">
          Mend
        </a>
        {NAV.filter(([, , p]) => !p || can(p)).map(([href, label]) => (
          <a href={href} class={href === current ? 'on' : ''}>
            {label}
          </a>
        ))}
        <span class="grow" />
        {s && (
          <span class="who">
            {s.user} <small>({s.role})</small>{' '}
            {s.mode !== 'open' && (
              <button class="link" onClick={() => signOut().then(() => (location.hash = '#/signin'))}>
                Sign out
              </button>
            )}
          </span>
        )}
      </nav>
      <main>{children}</main>
      <ConfirmHost />
    </div>
  );
}
