// Heal records: every decision about an alert, filtered; each linked to its
// task and the host's output there, with the time from run to resolve.
import { useState } from 'preact/hooks';
import { get, qs } from '../api';
import { route, setQuery } from '../router';
import { useSignal } from '../signal';
import { ErrorBox, Status, duration, time, useLoad } from '../ui';

const DECISIONS = ['', 'ran', 'duplicate', 'cooldown', 'storm_cap', 'breaker_open', 'dry_run', 'no_rule', 'no_host', 'host_unknown', 'recovered'];

export function Remediations() {
  const r = useSignal(route);
  const q = Object.fromEntries(r.query.entries());
  const [form, setForm] = useState({ rule: q.rule ?? '', host: q.host ?? '', decision: q.decision ?? '' });
  const records = useLoad(() => get<any>('/api/v1/heal/records' + qs({ ...q, limit: 200 })), [r.query.toString()], 5000);
  const field = (k: keyof typeof form) => ({ name: k, value: form[k], onInput: (e: any) => setForm({ ...form, [k]: e.currentTarget.value }) });
  return (
    <div>
      <h1>Remediations</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(form);
        }}
      >
        <label>
          Rule
          <input {...field('rule')} />
        </label>
        <label>
          Host
          <input {...field('host')} />
        </label>
        <label>
          Decision
          <select {...field('decision')}>
            {DECISIONS.map((d) => (
              <option value={d}>{d || 'any'}</option>
            ))}
          </select>
        </label>
        <button class="primary" type="submit">
          Filter
        </button>
      </form>
      <ErrorBox error={records.error} />
      <table id="records">
        <thead>
          <tr>
            <th>Time</th>
            <th>Rule</th>
            <th>Host</th>
            <th>Decision</th>
            <th>Task</th>
            <th>Resolved after</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {(records.data?.list ?? []).map((x: any) => (
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
          ))}
        </tbody>
      </table>
    </div>
  );
}
