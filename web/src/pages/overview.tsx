// What an operator looks at first: agents, running tasks, how remediations
// went over the last 24 hours, open breakers and the latest decisions.
import { get, qs } from '../api';
import { can } from '../session';
import { Card, ErrorBox, Status, Table, ago, duration, useLoad } from '../ui';

const DAY = 24 * 3600 * 1000;

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2);
}

export function Overview() {
  const agents = useLoad(() => (can('agent.read') ? get<any[]>('/api/v1/agents') : Promise.resolve(null)), [], 5000);
  const running = useLoad(
    () => (can('task.read') ? get<any>('/api/v1/tasks' + qs({ state: 'unfinished', limit: 10 })) : Promise.resolve(null)),
    [],
    5000,
  );
  const records = useLoad(() => get<any>('/api/v1/heal/records' + qs({ since: Date.now() - DAY, limit: 10000 })), [], 10000);
  const rules = useLoad(() => get<any>('/api/v1/heal/rules'), [], 10000);

  const list: any[] = records.data?.list ?? [];
  const ran = list.filter((r) => r.decision === 'ran');
  const ok = ran.filter((r) => r.task_status === 'success').length;
  const finished = ran.filter((r) => r.task_status && !['running', 'waiting', 'paused', ''].includes(r.task_status)).length;
  const resolveTimes = ran.map((r) => r.resolve_after_ms).filter((v) => v !== null && v !== undefined);
  const breakers = (rules.data?.list ?? []).filter((r: any) => r.breaker?.open);
  const agentList: any[] = agents.data ?? [];
  const disconnected = agentList.filter((a) => a.connected === false).length;

  return (
    <div>
      <h1>Overview</h1>
      <div class="tiles">
        <div class="tile" id="tile-agents">
          <b>{agents.data ? agentList.length - disconnected : '–'}</b> agents connected
          {disconnected ? <small> · {disconnected} disconnected</small> : null}
        </div>
        <div class="tile" id="tile-running">
          <b>{running.data ? running.data.total : '–'}</b> tasks running
        </div>
        <div class="tile" id="tile-remediations">
          <b>{ran.length}</b> remediations in 24 h
          <small> · {finished ? Math.round((100 * ok) / finished) + '% succeeded' : 'none finished'}</small>
        </div>
        <div class="tile">
          <b>{duration(median(resolveTimes)) || '–'}</b> median alert → resolved
        </div>
        <div class={'tile' + (breakers.length ? ' bad' : '')} id="tile-breakers">
          <b>{breakers.length}</b> open breakers
          {breakers.length ? <small> · {breakers.map((b: any) => b.name).join(', ')}</small> : null}
        </div>
      </div>
      <ErrorBox error={agents.error || running.error || records.error || rules.error} />
      <div class="cols">
        <Card title="Running tasks">
          <Table
            items={running.data?.list}
            row={(t: any) => (
              <tr>
                <td>
                  <a href={`#/tasks/${t.id}`}>#{t.id}</a>
                </td>
                <td>{t.title}</td>
                <td>
                  <Status s={t.state} />
                </td>
              </tr>
            )}
          />
        </Card>
        <Card title="Latest decisions">
          <Table
            items={list.slice(0, 10)}
            row={(r) => (
              <tr>
                <td>{ago(r.created_ms)}</td>
                <td>{r.rule || '—'}</td>
                <td>{r.host}</td>
                <td>
                  <Status s={r.decision} />
                </td>
                <td>{r.task_id ? <a href={`#/tasks/${r.task_id}`}>#{r.task_id}</a> : null}</td>
              </tr>
            )}
          />
        </Card>
      </div>
    </div>
  );
}
