// The audit log, and the administration of users, their API tokens, roles
// and host groups with their grants, through the server's user and group API
// (/api/v1/users[/:name[/tokens[/:id]]], /api/v1/roles,
// /api/v1/groups[/:name[/grants[/:user]]]). A server without that API says
// so instead of showing an empty page.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { del, get, post, put } from '../api';
import { MakeForm, useForm } from '../forms';
import { route, setQuery } from '../router';
import { deniedReason } from '../session';
import { useSignal } from '../signal';
import { Act, Card, ErrorBox, Problems, Status, Table, time, useAction, useChange, useLoad, type Loaded } from '../ui';

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

// A card of what `path` lists: says so when the server has no such API (404),
// else why the list did not load (`loadError`) or an action failed.
function ApiCard(props: { title: string; id: string; path: string; loadError: unknown; actError?: unknown; children: ComponentChildren }) {
  return (
    <Card title={props.title} id={props.id}>
      {(props.loadError as any)?.status === 404 ? <p class="note">This server has no {props.path} API.</p> : <ErrorBox error={props.loadError} />}
      <ErrorBox error={props.actError} />
      {props.children}
    </Card>
  );
}

// A table of whatever objects `path` lists, columns from their keys.
function Listing({ path, title, id }: { path: string; title: string; id: string }) {
  const res = useLoad(() => get<any>(path), [path], 10000);
  const rows = rowsOf(res.data);
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 9);
  return (
    <ApiCard title={title} id={id} path={path} loadError={res.error}>
      <Table
        cols={cols}
        items={rows}
        row={(r) => (
          <tr>
            {cols.map((c) => (
              <td>{c.endsWith('_ms') && typeof r[c] === 'number' ? time(r[c]) : cell(r[c])}</td>
            ))}
          </tr>
        )}
      />
    </ApiCard>
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
      <ApiCard title="Roles" id="roles" path="/api/v1/roles" loadError={roles.error}>
        <Table
          id="role-list"
          items={roles.data}
          row={(x: any) => (
            <tr>
              <td>
                <b>{x.name}</b>
              </td>
              <td>{x.permissions.join(', ')}</td>
            </tr>
          )}
        />
      </ApiCard>
    </div>
  );
}

function UserList({ users, roleNames, selected, onPick }: { users: Loaded<any[]>; roleNames: string[]; selected: string; onPick: (name: string) => void }) {
  const act = useAction();
  const why = deniedReason('user.manage');
  const change = (u: any, body: object, question: string) =>
    act.run(async () => {
      await put(`/api/v1/users/${enc(u.name)}`, body);
      users.reload();
    }, question);
  return (
    <ApiCard title="Users" id="users" path="/api/v1/users" loadError={users.error} actError={act.error}>
      <Table
        id="user-list"
        cols={['Name', 'Kind', 'Role', 'State', 'Created', 'Changed', '']}
        items={users.data}
        row={(u: any) => (
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
        )}
      />
      <p class="note">The server deletes no user: disabling one ends its sessions and refuses its password and tokens.</p>
    </ApiCard>
  );
}

const USER_FIELDS = ['name', 'kind', 'role', 'password'];

function NewUser({ roleNames, onCreated }: { roleNames: string[]; onCreated: () => void }) {
  const blank = { name: '', kind: 'user', role: 'viewer', password: '' };
  const [f, setF] = useState(blank);
  const [made, setMade] = useState('');
  const ch = useChange(USER_FIELDS);
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
          <Act permission="user.manage" submit primary id="create-user">
            Create user
          </Act>
          {made && !ch.errors && !ch.error && <span class="note" id="user-created">{made}</span>}
        </div>
      </form>
    </Card>
  );
}

function Tokens({ user }: { user: string }) {
  const tokens = useLoad(() => (user ? get<any[]>(`/api/v1/users/${enc(user)}/tokens`) : Promise.resolve([])), [user]);
  const blank = { name: '', ttl_days: '90', scopes: '' };
  const ch = useChange(['name', 'ttl_days', 'scopes']);
  const { f, setF, input } = useForm(blank, ch.errors);
  const [secret, setSecret] = useState<any>(null);
  const act = useAction();
  if (!user)
    return (
      <Card title="API tokens" id="tokens">
        <p class="note">Choose a user's Tokens to list, create and revoke them.</p>
      </Card>
    );
  const create = async () => {
    const body: Record<string, unknown> = { name: f.name, ttl_days: Number(f.ttl_days || 0) };
    const scopes = f.scopes.split(/[\s,]+/).filter(Boolean);
    if (scopes.length) body.scopes = scopes;
    await ch.run(async () => {
      setSecret(await post(`/api/v1/users/${enc(user)}/tokens`, body));
      setF(blank);
      tokens.reload();
    });
  };
  const revoke = (t: any) =>
    act.run(async () => {
      await del(`/api/v1/users/${enc(user)}/tokens/${t.id}`);
      tokens.reload();
    }, `Revoke token ${t.name || t.prefix} of ${user}? Whatever uses it is refused from now on.`);
  return (
    <Card title={`API tokens of ${user}`} id="tokens">
      <ErrorBox error={act.error || tokens.error} />
      <Table
        id="token-list"
        cols={['Name', 'Prefix', 'Scopes', 'Expires', 'Last used', 'State', '']}
        items={tokens.data}
        row={(t: any) => (
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
        )}
      />
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
      <MakeForm onSubmit={create} permission="user.manage" button="Create token" buttonId="create-token" error={ch.error}>
        {input('name', 'Name', { name: 'token-name' })}
        {input('ttl_days', 'Days valid (0: never expires)', { type: 'number', min: '0', style: { width: '90px' } })}
        {input('scopes', "Scopes (empty: all of the role's)", { placeholder: 'task.read, task.run_adhoc' })}
      </MakeForm>
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
  const ch = useChange(['name', 'hosts', 'labels', 'description']);
  const { f, setF, input } = useForm(blank, ch.errors);
  const act = useAction();
  const create = async () => {
    const body = { name: f.name, hosts: f.hosts.split(/[\s,]+/).filter(Boolean), labels: f.labels.trim(), description: f.description };
    if (await ch.run(() => post('/api/v1/groups', body))) {
      setF(blank);
      groups.reload();
      onPick(body.name);
    }
  };
  const remove = (name: string) =>
    act.run(async () => {
      await del(`/api/v1/groups/${enc(name)}`);
      if (selected === name) onPick('');
      groups.reload();
    }, `Delete group ${name} and every grant to it?`);
  return (
    <ApiCard title="Host groups" id="groups" path="/api/v1/groups" loadError={groups.error} actError={act.error}>
      <Table
        id="group-list"
        cols={['Group', 'Hosts', { label: 'Labels', title: 'hosts whose agents report all of these labels are in the group too' }, 'Description', 'Your access', '']}
        items={groups.data}
        row={(g: any) => (
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
        )}
      />
      <MakeForm onSubmit={create} permission="user.manage" button="Create group" buttonId="create-group" error={ch.error} id="new-group">
        {input('name', 'New group', { name: 'group-name' })}
        {input('hosts', 'Hosts (names or globs)', { placeholder: 'web-* db-01' })}
        {input('labels', 'Labels (agents reporting all)', { placeholder: 'env=prod,team=db' })}
        {input('description', 'Description')}
      </MakeForm>
    </ApiCard>
  );
}

function Grants({ group, users }: { group: string; users: any[] }) {
  const grants = useLoad(() => (group ? get<any[]>(`/api/v1/groups/${enc(group)}/grants`) : Promise.resolve([])), [group]);
  const { f, select } = useForm({ user: '', access: 'read' });
  const act = useAction();
  if (!group)
    return (
      <Card title="Grants" id="grants">
        <p class="note">Choose a group's Grants to see who may use its hosts, and to grant or revoke access.</p>
      </Card>
    );
  const user = f.user || users[0]?.name || '';
  // Changes the group's grants with `fn`, then shows them as they are.
  const change = (fn: () => Promise<unknown>, question?: string) => act.run(() => fn().then(grants.reload), question);
  const revoke = (u: string) => change(() => del(`/api/v1/groups/${enc(group)}/grants/${enc(u)}`), `Revoke ${u}'s access to group ${group}?`);
  return (
    <Card title={`Grants of group ${group}`} id="grants">
      <ErrorBox error={act.error || grants.error} />
      <Table
        id="grant-list"
        cols={['User', 'Access', '']}
        items={grants.data}
        row={(g: any) => (
          <tr data-grant={g.user}>
            <td>{g.user}</td>
            <td>{g.access}</td>
            <td>
              <Act permission="user.manage" danger onClick={() => revoke(g.user)}>
                Revoke
              </Act>
            </td>
          </tr>
        )}
      />
      <p class="note">read: use the group's templates; write: run on its hosts, and save templates and rules in the group.</p>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          change(() => put(`/api/v1/groups/${enc(group)}/grants/${enc(user)}`, { access: f.access }));
        }}
      >
        {select('user', 'User', users.map((u: any): [string, string] => [u.name, u.name]), { name: 'grant-user', value: user })}
        {select('access', 'Access', [
          ['read', 'read'],
          ['write', 'write'],
        ])}
        <Act permission="user.manage" submit primary id="grant" disabled={!user}>
          Grant
        </Act>
      </form>
    </Card>
  );
}
