// The audit log, and the administration of users, their API tokens, roles
// and host groups with their grants, through the server's user and group API
// (/api/v1/users[/:name[/tokens[/:id]]], /api/v1/roles,
// /api/v1/groups[/:name[/grants[/:user]]]). A server without that API says
// so instead of showing an empty page.
import { useState } from 'preact/hooks';
import { del, get, post, put } from '../api';
import { route, setQuery } from '../router';
import { deniedReason } from '../session';
import { useSignal } from '../signal';
import { Act, Card, ErrorBox, Problems, Status, confirmAction, time, useChange, useLoad, type Loaded } from '../ui';

const enc = encodeURIComponent;

function cell(v: any): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return Array.isArray(v) ? v.map(cell).join(', ') : JSON.stringify(v);
  return String(v);
}

function rowsOf(data: any): any[] {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data.list)) return data.list;
  for (const k of ['records', 'entries']) if (data && Array.isArray(data[k])) return data[k];
  return [];
}

function Missing({ error, path }: { error: unknown; path: string }) {
  return (error as any)?.status === 404 ? <p class="note">This server has no {path} API.</p> : <ErrorBox error={error} />;
}

// A table of whatever objects `path` lists, columns from their keys.
function Listing({ path, title, id }: { path: string; title: string; id: string }) {
  const res = useLoad(() => get<any>(path), [path], 10000);
  const rows = rowsOf(res.data);
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 9);
  return (
    <Card title={title} id={id}>
      <Missing error={res.error} path={path} />
      <table>
        <thead>
          <tr>
            {cols.map((c) => (
              <th>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              {cols.map((c) => (
                <td>{c.endsWith('_ms') && typeof r[c] === 'number' ? time(r[c]) : cell(r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

export function Audit() {
  return (
    <div>
      <h1>Audit log</h1>
      <Listing path="/api/v1/audit" title="Who did what, newest first" id="audit" />
    </div>
  );
}

// The selected user (their tokens) and group (its grants) are in the query:
// #/users?user=vic&group=web.
export function Users() {
  const r = useSignal(route);
  const users = useLoad(() => get<any[]>('/api/v1/users'), [], 10000);
  const roles = useLoad(() => get<any[]>('/api/v1/roles'), []);
  const groups = useLoad(() => get<any[]>('/api/v1/groups'), [], 10000);
  const user = r.query.get('user') ?? '';
  const group = r.query.get('group') ?? '';
  const roleNames: string[] = (roles.data ?? []).map((x: any) => x.name);
  return (
    <div>
      <h1>Users, roles and groups</h1>
      <UserList users={users} roleNames={roleNames} selected={user} onPick={(u) => setQuery({ user: u, group })} />
      <div class="cols">
        <NewUser roleNames={roleNames} onCreated={users.reload} />
        <Tokens key={user} user={user} />
      </div>
      <div class="cols">
        <GroupList groups={groups} selected={group} onPick={(g) => setQuery({ user, group: g })} />
        <Grants key={group} group={group} users={users.data ?? []} />
      </div>
      <Card title="Roles" id="roles">
        <Missing error={roles.error} path="/api/v1/roles" />
        <table id="role-list">
          <tbody>
            {(roles.data ?? []).map((x: any) => (
              <tr>
                <td>
                  <b>{x.name}</b>
                </td>
                <td>{x.permissions.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}

function UserList({ users, roleNames, selected, onPick }: { users: Loaded<any[]>; roleNames: string[]; selected: string; onPick: (name: string) => void }) {
  const [error, setError] = useState<unknown>(null);
  const why = deniedReason('user.manage');
  const change = async (u: any, body: object, question: string) => {
    if (!(await confirmAction(question))) return false;
    try {
      await put(`/api/v1/users/${enc(u.name)}`, body);
      setError(null);
      users.reload();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  return (
    <Card title="Users" id="users">
      <Missing error={users.error} path="/api/v1/users" />
      <ErrorBox error={error} />
      <table id="user-list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Role</th>
            <th>State</th>
            <th>Created</th>
            <th>Changed</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((u: any) => (
            <tr data-user={u.name} class={u.name === selected ? 'sel' : ''}>
              <td>{u.name}</td>
              <td>{u.kind}</td>
              <td>
                <select
                  name="role"
                  value={u.role}
                  disabled={!!why}
                  title={why}
                  onChange={async (e) => {
                    const sel = e.currentTarget;
                    const role = sel.value;
                    if (!(await change(u, { role }, `Make ${u.name} ${role}? Their sessions end: they sign in again with the new role.`))) sel.value = u.role;
                  }}
                >
                  {(roleNames.includes(u.role) ? roleNames : [u.role, ...roleNames]).map((n) => (
                    <option value={n}>{n}</option>
                  ))}
                </select>
              </td>
              <td>
                <Status s={u.disabled ? 'disabled' : 'active'} />
              </td>
              <td>{time(u.created_ms)}</td>
              <td>{time(u.updated_ms)}</td>
              <td class="row">
                <Act
                  permission="user.manage"
                  danger={!u.disabled}
                  onClick={() =>
                    change(
                      u,
                      { disabled: !u.disabled },
                      u.disabled ? `Enable ${u.name}? They may sign in and use their tokens again.` : `Disable ${u.name}? Their sessions end, and their password and tokens stop working.`,
                    )
                  }
                >
                  {u.disabled ? 'Enable' : 'Disable'}
                </Act>
                <button class={u.name === selected ? 'on' : ''} onClick={() => onPick(u.name)}>
                  Tokens
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="note">The server deletes no user: disabling one ends its sessions and refuses its password and tokens.</p>
    </Card>
  );
}

const USER_FIELDS = ['name', 'kind', 'role', 'password'];

function NewUser({ roleNames, onCreated }: { roleNames: string[]; onCreated: () => void }) {
  const blank = { name: '', kind: 'user', role: 'viewer', password: '' };
  const [f, setF] = useState(blank);
  const [made, setMade] = useState('');
  const ch = useChange(USER_FIELDS);
  const why = deniedReason('user.manage');
  const set = (k: keyof typeof blank, v: string) => setF({ ...f, [k]: v });
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = f.kind === 'service' ? { name: f.name, kind: f.kind, role: f.role } : f;
    if (await ch.run(() => post('/api/v1/users', body))) {
      setMade(`${f.name} (${f.role}) created.`);
      setF(blank);
      onCreated();
    }
  };
  return (
    <Card title="New user" id="new-user">
      <form onSubmit={submit} class="stack">
        <label>
          Name
          <input name="name" value={f.name} onInput={(e) => set('name', e.currentTarget.value)} />
        </label>
        <Problems errors={ch.errors} field="name" />
        <label>
          Kind
          <select name="kind" value={f.kind} onChange={(e) => set('kind', e.currentTarget.value)}>
            <option value="user">user: signs in with a password</option>
            <option value="service">service account: API tokens only</option>
          </select>
        </label>
        <Problems errors={ch.errors} field="kind" />
        <label>
          Role
          <select name="role" value={f.role} onChange={(e) => set('role', e.currentTarget.value)}>
            {(roleNames.length ? roleNames : [f.role]).map((n) => (
              <option value={n}>{n}</option>
            ))}
          </select>
        </label>
        <Problems errors={ch.errors} field="role" />
        {f.kind === 'user' && (
          <label>
            Password (at least 10 characters)
            <input name="password" type="password" autocomplete="new-password" value={f.password} onInput={(e) => set('password', e.currentTarget.value)} />
          </label>
        )}
        <Problems errors={ch.errors} field="password" />
        <ErrorBox error={ch.error} />
        <div class="row">
          <button type="submit" class="primary" id="create-user" disabled={!!why} title={why}>
            Create user
          </button>
          {made && !ch.errors && !ch.error && <span class="note" id="user-created">{made}</span>}
        </div>
      </form>
    </Card>
  );
}

function Tokens({ user }: { user: string }) {
  const tokens = useLoad(() => (user ? get<any[]>(`/api/v1/users/${enc(user)}/tokens`) : Promise.resolve([])), [user]);
  const blank = { name: '', ttl_days: '90', scopes: '' };
  const [f, setF] = useState(blank);
  const [secret, setSecret] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const ch = useChange(['name', 'ttl_days', 'scopes']);
  const why = deniedReason('user.manage');
  if (!user)
    return (
      <Card title="API tokens" id="tokens">
        <p class="note">Choose a user's Tokens to list, create and revoke them.</p>
      </Card>
    );
  const create = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { name: f.name, ttl_days: Number(f.ttl_days || 0) };
    const scopes = f.scopes.split(/[\s,]+/).filter(Boolean);
    if (scopes.length) body.scopes = scopes;
    await ch.run(async () => {
      setSecret(await post(`/api/v1/users/${enc(user)}/tokens`, body));
      setF(blank);
      tokens.reload();
    });
  };
  const revoke = async (t: any) => {
    if (!(await confirmAction(`Revoke token ${t.name || t.prefix} of ${user}? Whatever uses it is refused from now on.`))) return;
    try {
      await del(`/api/v1/users/${enc(user)}/tokens/${t.id}`);
      setError(null);
      tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card title={`API tokens of ${user}`} id="tokens">
      <ErrorBox error={error || tokens.error} />
      <table id="token-list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Prefix</th>
            <th>Scopes</th>
            <th>Expires</th>
            <th>Last used</th>
            <th>State</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {(tokens.data ?? []).map((t: any) => (
            <tr data-token={t.name}>
              <td>{t.name}</td>
              <td>
                <code>{t.prefix}</code>
              </td>
              <td>{t.scopes.length ? t.scopes.join(', ') : <span class="note">the role's</span>}</td>
              <td>{t.expires_ms ? time(t.expires_ms) : 'never'}</td>
              <td>{time(t.last_used_ms)}</td>
              <td>
                <Status s={t.state} />
              </td>
              <td>
                {t.state === 'active' && (
                  <Act permission="user.manage" danger onClick={() => revoke(t)}>
                    Revoke
                  </Act>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {secret && (
        <div class="secret" id="new-token">
          <p>
            Token <b>{secret.name}</b> of {user}, shown this once: copy it now.
          </p>
          <pre>{secret.token}</pre>
          <p class="note">
            Send it as <code>Authorization: Bearer TOKEN</code>, or keep it in a file for <code>mendctl --token-file</code>.
          </p>
        </div>
      )}
      <form onSubmit={create} class="filters">
        <label>
          Name
          <input name="token-name" value={f.name} onInput={(e) => setF({ ...f, name: e.currentTarget.value })} />
          <Problems errors={ch.errors} field="name" />
        </label>
        <label>
          Days valid (0: never expires)
          <input name="ttl_days" type="number" min="0" value={f.ttl_days} onInput={(e) => setF({ ...f, ttl_days: e.currentTarget.value })} style={{ width: '90px' }} />
          <Problems errors={ch.errors} field="ttl_days" />
        </label>
        <label>
          Scopes (empty: all of the role's)
          <input name="scopes" placeholder="task.read, task.run_adhoc" value={f.scopes} onInput={(e) => setF({ ...f, scopes: e.currentTarget.value })} />
          <Problems errors={ch.errors} field="scopes" />
        </label>
        <button type="submit" class="primary" id="create-token" disabled={!!why} title={why}>
          Create token
        </button>
      </form>
      <ErrorBox error={ch.error} />
    </Card>
  );
}

// A group's label selector, edited in place: hosts whose agents report every
// one of its labels are in the group too ("" clears it).
function SelectorEdit({ group, onSaved }: { group: any; onSaved: () => void }) {
  const [text, setText] = useState<string>(group.labels ?? '');
  const ch = useChange(['labels']);
  const why = deniedReason('user.manage');
  const changed = text.trim() !== (group.labels ?? '');
  const save = async (e: Event) => {
    e.preventDefault();
    if (await ch.run(() => put(`/api/v1/groups/${enc(group.name)}`, { labels: text.trim() }))) onSaved();
  };
  return (
    <form onSubmit={save} class="row selector" data-selector={group.name}>
      <input name="labels" placeholder="env=prod,team=db" value={text} disabled={!!why} title={why} onInput={(e) => setText(e.currentTarget.value)} />
      {changed && (
        <button type="submit" disabled={!!why} title={why}>
          Save
        </button>
      )}
      <Problems errors={ch.errors} field="labels" />
      <ErrorBox error={ch.error} />
    </form>
  );
}

function GroupList({ groups, selected, onPick }: { groups: Loaded<any[]>; selected: string; onPick: (name: string) => void }) {
  const blank = { name: '', hosts: '', labels: '', description: '' };
  const [f, setF] = useState(blank);
  const [error, setError] = useState<unknown>(null);
  const ch = useChange(['name', 'hosts', 'labels', 'description']);
  const why = deniedReason('user.manage');
  const create = async (e: Event) => {
    e.preventDefault();
    const body = { name: f.name, hosts: f.hosts.split(/[\s,]+/).filter(Boolean), labels: f.labels.trim(), description: f.description };
    if (await ch.run(() => post('/api/v1/groups', body))) {
      setF(blank);
      groups.reload();
      onPick(body.name);
    }
  };
  const remove = async (name: string) => {
    if (!(await confirmAction(`Delete group ${name} and every grant to it?`))) return;
    try {
      await del(`/api/v1/groups/${enc(name)}`);
      setError(null);
      if (selected === name) onPick('');
      groups.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card title="Host groups" id="groups">
      <Missing error={groups.error} path="/api/v1/groups" />
      <ErrorBox error={error} />
      <table id="group-list">
        <thead>
          <tr>
            <th>Group</th>
            <th>Hosts</th>
            <th title="hosts whose agents report all of these labels are in the group too">Labels</th>
            <th>Description</th>
            <th>Your access</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {(groups.data ?? []).map((g: any) => (
            <tr data-group={g.name} class={g.name === selected ? 'sel' : ''}>
              <td>{g.name}</td>
              <td>
                <code>{g.hosts.join(' ')}</code>
              </td>
              <td>
                <SelectorEdit key={g.name + ':' + (g.labels ?? '')} group={g} onSaved={groups.reload} />
              </td>
              <td>{g.description}</td>
              <td>{g.access}</td>
              <td class="row">
                <button class={g.name === selected ? 'on' : ''} onClick={() => onPick(g.name)}>
                  Grants
                </button>
                <Act permission="user.manage" danger onClick={() => remove(g.name)}>
                  Delete
                </Act>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={create} class="filters" id="new-group">
        <label>
          New group
          <input name="group-name" value={f.name} onInput={(e) => setF({ ...f, name: e.currentTarget.value })} />
          <Problems errors={ch.errors} field="name" />
        </label>
        <label>
          Hosts (names or globs)
          <input name="hosts" placeholder="web-* db-01" value={f.hosts} onInput={(e) => setF({ ...f, hosts: e.currentTarget.value })} />
          <Problems errors={ch.errors} field="hosts" />
        </label>
        <label>
          Labels (agents reporting all)
          <input name="labels" placeholder="env=prod,team=db" value={f.labels} onInput={(e) => setF({ ...f, labels: e.currentTarget.value })} />
          <Problems errors={ch.errors} field="labels" />
        </label>
        <label>
          Description
          <input name="description" value={f.description} onInput={(e) => setF({ ...f, description: e.currentTarget.value })} />
        </label>
        <button type="submit" class="primary" id="create-group" disabled={!!why} title={why}>
          Create group
        </button>
      </form>
      <ErrorBox error={ch.error} />
    </Card>
  );
}

function Grants({ group, users }: { group: string; users: any[] }) {
  const grants = useLoad(() => (group ? get<any[]>(`/api/v1/groups/${enc(group)}/grants`) : Promise.resolve([])), [group]);
  const [f, setF] = useState({ user: '', access: 'read' });
  const [error, setError] = useState<unknown>(null);
  const why = deniedReason('user.manage');
  if (!group)
    return (
      <Card title="Grants" id="grants">
        <p class="note">Choose a group's Grants to see who may use its hosts, and to grant or revoke access.</p>
      </Card>
    );
  const user = f.user || users[0]?.name || '';
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      setError(null);
      grants.reload();
    } catch (e) {
      setError(e);
    }
  };
  const revoke = async (u: string) => {
    if (await confirmAction(`Revoke ${u}'s access to group ${group}?`)) await act(() => del(`/api/v1/groups/${enc(group)}/grants/${enc(u)}`));
  };
  return (
    <Card title={`Grants of group ${group}`} id="grants">
      <ErrorBox error={error || grants.error} />
      <table id="grant-list">
        <thead>
          <tr>
            <th>User</th>
            <th>Access</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {(grants.data ?? []).map((g: any) => (
            <tr data-grant={g.user}>
              <td>{g.user}</td>
              <td>{g.access}</td>
              <td>
                <Act permission="user.manage" danger onClick={() => revoke(g.user)}>
                  Revoke
                </Act>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="note">read: use the group's templates; write: run on its hosts, and save templates and rules in the group.</p>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          act(() => put(`/api/v1/groups/${enc(group)}/grants/${enc(user)}`, { access: f.access }));
        }}
      >
        <label>
          User
          <select name="grant-user" value={user} onChange={(e) => setF({ ...f, user: e.currentTarget.value })}>
            {users.map((u: any) => (
              <option value={u.name}>{u.name}</option>
            ))}
          </select>
        </label>
        <label>
          Access
          <select name="access" value={f.access} onChange={(e) => setF({ ...f, access: e.currentTarget.value })}>
            <option value="read">read</option>
            <option value="write">write</option>
          </select>
        </label>
        <button type="submit" class="primary" id="grant" disabled={!!why || !user} title={why}>
          Grant
        </button>
      </form>
    </Card>
  );
}
