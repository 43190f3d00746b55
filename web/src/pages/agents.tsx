// Agents: who is connected, how, since when, to which server, with which
// labels, and their identity state (enrolled, expiring, legacy_token, ibex),
// as GET /api/v1/agents gives them (on PostgreSQL, every server's agents);
// enrolling hosts with a join token (POST /api/v1/join-tokens) and revoking
// an agent (POST /api/v1/agents/:ident/revoke) where the user may.
import { useState } from 'preact/hooks';
import { del, get, post } from '../api';
import { MakeForm, useForm } from '../forms';
import { can, session } from '../session';
import { Act, Card, ErrorBox, Status, Table, ago, time, useAction, useChange, useLoad } from '../ui';

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
  const act = useAction();
  const [done, setDone] = useState('');
  const list = agents.data ?? [];
  const extra = OPTIONAL.filter(([k]) => list.some((a: any) => a[k] !== undefined));
  const revoke = (a: any) => {
    const certified = a.identity === 'enrolled' || a.identity === 'expiring';
    const question = certified
      ? `Revoke ${a.ident}? Its certificates are revoked and its connections close on every server; it needs a new join token to come back.`
      : `Revoke ${a.ident}? It has no certificate (${a.identity}): its connection closes here, and it may reconnect with the shared token.`;
    return act.run(async () => {
      const r = await post<any>(`/api/v1/agents/${encodeURIComponent(a.ident)}/revoke`);
      setDone(`${r.host}: ${r.revoked} certificate${r.revoked === 1 ? '' : 's'} revoked${r.closed_here ? ', connection closed' : ''}.`);
      agents.reload();
    }, question);
  };
  return (
    <div>
      <h1>Agents</h1>
      <ErrorBox error={act.error || agents.error} />
      {done && (
        <p class="note" id="revoked">
          {done}
        </p>
      )}
      <Card title={`${list.length} agents`}>
        <Table
          id="agents"
          cols={['Ident', 'Identity', 'Protocol', 'Labels', ...extra.map(([, label]) => label), 'Remote', 'Connected', 'Last seen', '']}
          items={list}
          row={(a: any) => (
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
          )}
        />
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
  const tokens = useLoad(() => (allowed ? get<any[]>('/api/v1/join-tokens') : Promise.resolve([])), [allowed], 5000);
  const ch = useChange(['host', 'pattern', 'max_hosts', 'ttl']);
  const { f, input, select } = useForm({ mode: 'host', host: '', pattern: '', max_hosts: '10', ttl: '86400' }, ch.errors);
  const [made, setMade] = useState<any>(null);
  const create = async () => {
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
  const revoke = useAction();
  const revokeToken = (t: any) =>
    revoke.run(
      () => del(`/api/v1/join-tokens/${encodeURIComponent(t.id)}`).finally(tokens.reload),
      `Revoke join token ${t.id}? No host can enroll with it afterwards; hosts that did keep their certificates.`,
    );
  const command = made ? `mend-agent --server ${location.origin} --join-token ${made.token}` + (made.ident ? ` --ident ${made.ident}` : '') : '';
  return (
    <Card title="Enroll hosts" id="enroll">
      <p class="note">
        A join token is traded once per host for a certificate naming it: the agent then proves its ident with that certificate. Enrolling needs an https:// server.
      </p>
      <MakeForm onSubmit={create} permission="agent.enroll" button="Create join token" buttonId="create-join-token" error={ch.error}>
        {select('mode', 'For', [
          ['host', 'one host'],
          ['pattern', 'hosts matching a pattern'],
        ])}
        {f.mode === 'host' ? (
          input('host', 'Host', { placeholder: 'web-01' })
        ) : (
          <>
            {input('pattern', 'Pattern', { placeholder: 'web-*' })}
            {input('max_hosts', 'At most hosts', { type: 'number', min: '1', style: { width: '90px' } })}
          </>
        )}
        {select('ttl', 'Expires in', EXPIRY)}
      </MakeForm>
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
          <ErrorBox error={tokens.error || revoke.error} />
          <Table
            id="join-tokens"
            cols={['Token', 'For', 'Used', 'Expires', 'Created', 'By', '']}
            items={tokens.data}
            row={(t: any) => (
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
            )}
          />
        </>
      )}
    </Card>
  );
}
