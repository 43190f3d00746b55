// Tasks, newest first, filtered by title, creator, state and time; paged by
// id (keyset), so the thousandth page is as quick as the first.
import { useState } from 'preact/hooks';
import { get, qs } from '../api';
import { route, setQuery } from '../router';
import { useSignal } from '../signal';
import { Act, ErrorBox, Status, time, useLoad } from '../ui';

const STATES = ['', 'unfinished', 'start', 'pause', 'done'];

function toMs(local: string): string {
  if (!local) return '';
  const t = new Date(local).getTime();
  return Number.isFinite(t) ? String(t) : '';
}

export function Tasks() {
  const r = useSignal(route);
  const q = Object.fromEntries(r.query.entries());
  const [form, setForm] = useState({ title: q.title ?? '', creator: q.creator ?? '', state: q.state ?? '', since: q.since ?? '', until: q.until ?? '' });
  // Cursors of the pages before this one, to go back.
  const [stack, setStack] = useState<number[]>([]);
  const before = q.before_id ?? '';
  const tasks = useLoad(
    () =>
      get<any>(
        '/api/v1/tasks' +
          qs({ title: q.title, creator: q.creator, state: q.state, since: toMs(q.since ?? ''), until: toMs(q.until ?? ''), before_id: before, limit: 50 }),
      ),
    [r.query.toString()],
    5000,
  );
  const apply = (e: Event) => {
    e.preventDefault();
    setStack([]);
    setQuery(form);
  };
  const field = (name: keyof typeof form) => ({
    name,
    value: form[name],
    onInput: (e: any) => setForm({ ...form, [name]: e.currentTarget.value }),
  });
  return (
    <div>
      <div class="row">
        <h1 class="grow">Tasks</h1>
        <Act permission="task.run_adhoc" id="new-task" hide onClick={() => (location.hash = '#/tasks/new')}>
          New task
        </Act>
      </div>
      <form class="filters" onSubmit={apply}>
        <label>
          Title contains
          <input {...field('title')} />
        </label>
        <label>
          Creator
          <input {...field('creator')} />
        </label>
        <label>
          State
          <select {...field('state')}>
            {STATES.map((s) => (
              <option value={s}>{s || 'any'}</option>
            ))}
          </select>
        </label>
        <label>
          Created after
          <input type="datetime-local" {...field('since')} />
        </label>
        <label>
          Created before
          <input type="datetime-local" {...field('until')} />
        </label>
        <button class="primary" type="submit">
          Filter
        </button>
      </form>
      <ErrorBox error={tasks.error} />
      <table id="task-list">
        <thead>
          <tr>
            <th>Id</th>
            <th>Title</th>
            <th>State</th>
            <th>Creator</th>
            <th>Account</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {(tasks.data?.list ?? []).map((t: any) => (
            <tr>
              <td>
                <a href={`#/tasks/${t.id}`}>#{t.id}</a>
              </td>
              <td>
                <a href={`#/tasks/${t.id}`}>{t.title}</a>
                {t.alert_triggered ? <small class="note"> · alert</small> : null}
              </td>
              <td>
                <Status s={t.state} />
              </td>
              <td>{t.creator}</td>
              <td>{t.account}</td>
              <td>{time(t.created_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="pager">
        <button
          disabled={!before}
          onClick={() => {
            const prev = stack.slice(0, -1);
            setStack(prev);
            setQuery({ ...q, before_id: stack.length ? String(stack[stack.length - 1] || '') : '' });
          }}
        >
          ← Newer
        </button>
        <button
          id="older"
          disabled={!tasks.data?.next_before_id}
          onClick={() => {
            setStack([...stack, Number(before) || 0]);
            setQuery({ ...q, before_id: String(tasks.data.next_before_id) });
          }}
        >
          Older →
        </button>
        <span class="note">{tasks.data ? `${tasks.data.total} tasks match` : ''}</span>
      </div>
    </div>
  );
}
