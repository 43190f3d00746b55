// Agents: who is connected, how, since when, to which server, with which
// labels, and their identity state (enrolled, expiring, legacy_token, ibex),
// as GET /api/v1/agents gives them (on PostgreSQL, every server's agents);
// enrolling hosts with a join token (POST /api/v1/join-tokens) and revoking
// an agent (POST /api/v1/agents/:ident/revoke) where the user may.
import { useState } from 'preact/hooks';
import { del, get, post } from '../api';
import { can, deniedReason, session } from '../session';
import { Act, Card, ErrorBox, Problems, Status, ago, confirmAction, time, useChange, useLoad } from '../ui';

// Columns the server may add to an agent's entry; shown only when it does.
const OPTIONAL: [string, string][] = [
  ['version', 'Version'],
  ['server', 'Server'],
  ['groups', 'Groups'],
];

// An agent's labels, one chip each (key=value).
function Labels({ labels }: { labels: any }) {
  const entries = labels && typeof labels === 'object' ? Object.entries(labels) : [];
  if (!entries.length) return <span class="note">—</span>;
  return (
    <span class="labels">
      {entries.map(([k, v]) => (
        <code class="label" data-label={k}>
          {k}={String(v)}
        </code>
      ))}
    </span>
  );
}

function cell(v: any): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}=${x}`).join(' ');
  return String(v);
}

export function Agents() {
  const agents = useLoad(() => get<any[]>('/api/v1/agents'), [], 5000);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const list = agents.data ?? [];
  const extra = OPTIONAL.filter(([k]) => list.some((a: any) => a[k] !== undefined));
  const revoke = async (a: any) => {
    const certified = a.identity === 'enrolled' || a.identity === 'expiring';
    const question = certified
      ? `Revoke ${a.ident}? Its certificates are revoked and its connections close on every server; it needs a new join token to come back.`
      : `Revoke ${a.ident}? It has no certificate (${a.identity}): its connection closes here, and it may reconnect with the shared token.`;
    if (!(await confirmAction(question))) return;
    try {
      const r = await post<any>(`/api/v1/agents/${encodeURIComponent(a.ident)}/revoke`);
      setError(null);
      setDone(`${r.host}: ${r.revoked} certificate${r.revoked === 1 ? '' : 's'} revoked${r.closed_here ? ', connection closed' : ''}.`);
      agents.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <h1>Agents</h1>
      <ErrorBox error={error || agents.error} />
      {done && (
        <p class="note" id="revoked">
          {done}
        </p>
      )}
      <Card title={`${list.length} agents`}>
        <table id="agents">
          <thead>
            <tr>
              <th>Ident</th>
              <th>Identity</th>
              <th>Protocol</th>
              <th>Labels</th>
              {extra.map(([, label]) => (
                <th>{label}</th>
              ))}
              <th>Remote</th>
              <th>Connected</th>
              <th>Last seen</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {list.map((a: any) => (
              <tr data-agent={a.ident}>
                <td>{a.ident}</td>
                <td>{a.identity ? <Status s={a.identity} /> : <span class="note">—</span>}</td>
                <td>{a.protocol}</td>
                <td class="agent-labels">
                  <Labels labels={a.labels} />
                </td>
                {extra.map(([k]) => (
                  <td>{cell(a[k])}</td>
                ))}
                <td>{a.remote}</td>
                <td title={time(a.connected_ms)}>{a.connected === false ? <Status s="disconnected" /> : ago(a.connected_ms)}</td>
                <td title={time(a.last_seen_ms)}>{ago(a.last_seen_ms)}</td>
                <td>
                  <Act permission="agent.revoke" danger onClick={() => revoke(a)}>
                    Revoke
                  </Act>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Enroll />
    </div>
  );
}

const EXPIRY: [string, string][] = [
  ['3600', '1 hour'],
  ['86400', '1 day'],
  ['604800', '7 days'],
  ['2592000', '30 days'],
];

// A join token: one host (once), or hosts matching a pattern up to a count.
// The server shows its secret only in the answer to its creation.
function Enroll() {
  const allowed = can('agent.enroll');
  const why = deniedReason('agent.enroll');
  const tokens = useLoad(() => (allowed ? get<any[]>('/api/v1/join-tokens') : Promise.resolve([])), [allowed], 5000);
  const [f, setF] = useState({ mode: 'host', host: '', pattern: '', max_hosts: '10', ttl: '86400' });
  const [made, setMade] = useState<any>(null);
  const ch = useChange(['host', 'pattern', 'max_hosts', 'ttl']);
  const create = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { ttl_s: Number(f.ttl), created_by: session.get()?.user ?? '' };
    if (f.mode === 'host') body.host = f.host.trim();
    else Object.assign(body, { pattern: f.pattern.trim(), max_hosts: Number(f.max_hosts) });
    await ch.run(async () => {
      const t = await post<any>('/api/v1/join-tokens', body);
      setMade({ ...t, ident: f.mode === 'host' ? f.host.trim() : '' });
      tokens.reload();
    });
  };
  // Ends a token now (DELETE /api/v1/join-tokens/:id): hosts that enrolled
  // with it keep their certificates; no other host enrolls with it.
  const [revokeError, setRevokeError] = useState<unknown>(null);
  const revokeToken = async (t: any) => {
    if (!(await confirmAction(`Revoke join token ${t.id}? No host can enroll with it afterwards; hosts that did keep their certificates.`))) return;
    try {
      setRevokeError(null);
      await del(`/api/v1/join-tokens/${encodeURIComponent(t.id)}`);
    } catch (e) {
      setRevokeError(e);
    }
    tokens.reload();
  };
  const command = made ? `mend-agent --server ${location.origin} --join-token ${made.token}` + (made.ident ? ` --ident ${made.ident}` : '') : '';
  return (
    <Card title="Enroll hosts" id="enroll">
      <p class="note">
        A join token is traded once per host for a certificate naming it: the agent then proves its ident with that certificate. Enrolling needs an https:// server.
      </p>
      <form onSubmit={create} class="filters">
        <label>
          For
          <select name="mode" value={f.mode} onChange={(e) => setF({ ...f, mode: e.currentTarget.value })}>
            <option value="host">one host</option>
            <option value="pattern">hosts matching a pattern</option>
          </select>
        </label>
        {f.mode === 'host' ? (
          <label>
            Host
            <input name="host" placeholder="web-01" value={f.host} onInput={(e) => setF({ ...f, host: e.currentTarget.value })} />
            <Problems errors={ch.errors} field="host" />
          </label>
        ) : (
          <>
            <label>
              Pattern
              <input name="pattern" placeholder="web-*" value={f.pattern} onInput={(e) => setF({ ...f, pattern: e.currentTarget.value })} />
              <Problems errors={ch.errors} field="pattern" />
            </label>
            <label>
              At most hosts
              <input name="max_hosts" type="number" min="1" value={f.max_hosts} onInput={(e) => setF({ ...f, max_hosts: e.currentTarget.value })} style={{ width: '90px' }} />
              <Problems errors={ch.errors} field="max_hosts" />
            </label>
          </>
        )}
        <label>
          Expires in
          <select name="ttl" value={f.ttl} onChange={(e) => setF({ ...f, ttl: e.currentTarget.value })}>
            {EXPIRY.map(([v, label]) => (
              <option value={v}>{label}</option>
            ))}
          </select>
          <Problems errors={ch.errors} field="ttl" />
        </label>
        <button type="submit" class="primary" id="create-join-token" disabled={!!why} title={why}>
          Create join token
        </button>
      </form>
      <ErrorBox error={ch.error} />
      {made && (
        <div class="secret" id="join-token">
          <p>
            Join token for <b>{made.host_pattern}</b> (up to {made.max_hosts} host{made.max_hosts === 1 ? '' : 's'}, expires {time(made.expires_ms)}), shown this once: copy it now.
          </p>
          <pre class="token">{made.token}</pre>
          <p>On the host:</p>
          <pre id="agent-command">{command}</pre>
          <p class="note">
            The token pins Mend's CA (fingerprint <code>{made.ca_fingerprint}</code>): the agent needs no --cacert.
            {location.protocol === 'http:' && ' This console is on plain http: give the agent the server\'s https:// address.'}
          </p>
        </div>
      )}
      {allowed && (
        <>
          <ErrorBox error={tokens.error || revokeError} />
          <table id="join-tokens">
            <thead>
              <tr>
                <th>Token</th>
                <th>For</th>
                <th>Used</th>
                <th>Expires</th>
                <th>Created</th>
                <th>By</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {(tokens.data ?? []).map((t: any) => (
                <tr>
                  <td>
                    <code>{t.id}</code>
                  </td>
                  <td>{t.host_pattern}</td>
                  <td>
                    {t.used} / {t.max_hosts}
                  </td>
                  <td>{t.expires_ms < Date.now() ? <Status s="expired" /> : time(t.expires_ms)}</td>
                  <td>{time(t.created_ms)}</td>
                  <td>{t.created_by}</td>
                  <td>
                    {t.expires_ms >= Date.now() && (
                      <Act permission="agent.enroll" danger onClick={() => revokeToken(t)}>
                        Revoke
                      </Act>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Card>
  );
}
