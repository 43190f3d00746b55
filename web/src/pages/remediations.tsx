// Heal records: every decision about an alert, filtered; each linked to its
// task and the host's output there, with the time from run to resolve.
import { get, qs } from '../api';
import { FilterForm, useFilters } from '../forms';
import { ErrorBox, Status, Table, duration, time, useLoad } from '../ui';

const DECISIONS = ['', 'ran', 'duplicate', 'cooldown', 'storm_cap', 'breaker_open', 'dry_run', 'no_rule', 'no_host', 'host_unknown', 'recovered'];

export function Remediations() {
  const f = useFilters(['rule', 'host', 'decision']);
  const records = useLoad(() => get<any>('/api/v1/heal/records' + qs({ ...f.q, limit: 200 })), [f.query], 5000);
  return (
    <div>
      <h1>Remediations</h1>
      <FilterForm onSubmit={f.apply}>
        {f.input('rule', 'Rule')}
        {f.input('host', 'Host')}
        {f.select('decision', 'Decision', DECISIONS)}
      </FilterForm>
      <ErrorBox error={records.error} />
      <Table
        id="records"
        cols={['Time', 'Rule', 'Host', 'Decision', 'Task', 'Resolved after', 'Reason']}
        items={records.data?.list}
        row={(x: any) => (
          <tr>
            <td>{time(x.created_ms)}</td>
            <td>{x.rule}</td>
            <td>{x.host}</td>
            <td>
              <Status s={x.decision} />
            </td>
            <td>
              {x.task_id ? (
                <>
                  <a href={`#/tasks/${x.task_id}?host=${encodeURIComponent(x.host)}`}>#{x.task_id} output</a> <Status s={x.task_status} />
                </>
              ) : null}
            </td>
            <td>{x.resolve_after_ms !== null ? duration(x.resolve_after_ms) : x.resolved_ms ? 'resolved' : ''}</td>
            <td class="note">{x.reason}</td>
          </tr>
        )}
      />
    </div>
  );
}
