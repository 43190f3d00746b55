// The audit log and users, roles and groups: read from the server's user
// and audit API (GET /api/v1/audit, /api/v1/users, /api/v1/roles,
// /api/v1/groups) and shown as the server gives them; a server without that
// API says so instead of showing an empty page.
import { get } from '../api';
import { Card, ErrorBox, time, useLoad } from '../ui';

function cell(v: any): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return Array.isArray(v) ? v.map(cell).join(', ') : JSON.stringify(v);
  return String(v);
}

function rowsOf(data: any): any[] {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data.list)) return data.list;
  for (const k of ['users', 'roles', 'groups', 'records', 'entries']) if (data && Array.isArray(data[k])) return data[k];
  return [];
}

// A table of whatever objects `path` lists, columns from their keys.
function Listing({ path, title, id }: { path: string; title: string; id: string }) {
  const res = useLoad(() => get<any>(path), [path], 10000);
  const rows = rowsOf(res.data);
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 9);
  const missing = (res.error as any)?.status === 404;
  return (
    <Card title={title} id={id}>
      {missing ? <p class="note">This server has no {path} API.</p> : <ErrorBox error={res.error} />}
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

export function Users() {
  return (
    <div>
      <h1>Users, roles and groups</h1>
      <Listing path="/api/v1/users" title="Users" id="users" />
      <div class="cols">
        <Listing path="/api/v1/roles" title="Roles" id="roles" />
        <Listing path="/api/v1/groups" title="Host groups" id="groups" />
      </div>
    </div>
  );
}
