// Agents: who is connected, how, since when; identity state when the server
// reports it (enrolled, expiring, revoked, legacy_token, ibex).
import { get } from '../api';
import { Card, ErrorBox, Status, ago, time, useLoad } from '../ui';

export function Agents() {
  const agents = useLoad(() => get<any[]>('/api/v1/agents'), [], 5000);
  const list = agents.data ?? [];
  return (
    <div>
      <h1>Agents</h1>
      <ErrorBox error={agents.error} />
      <Card title={`${list.length} agents`}>
        <table id="agents">
          <thead>
            <tr>
              <th>Ident</th>
              <th>Identity</th>
              <th>Protocol</th>
              <th>Version</th>
              <th>Labels</th>
              <th>Remote</th>
              <th>Connected</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {list.map((a: any) => (
              <tr>
                <td>{a.ident}</td>
                <td>{a.identity ? <Status s={a.identity} /> : <span class="note">—</span>}</td>
                <td>{a.protocol}</td>
                <td>{a.version ?? a.agent_version ?? ''}</td>
                <td>{a.labels ? Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(' ') : ''}</td>
                <td>{a.remote}</td>
                <td title={time(a.connected_ms)}>{a.connected === false ? <Status s="disconnected" /> : ago(a.connected_ms)}</td>
                <td title={time(a.last_seen_ms)}>{ago(a.last_seen_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
