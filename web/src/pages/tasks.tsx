// Tasks, newest first, filtered by title, creator, state and time; paged by
// id (keyset), so the thousandth page is as quick as the first.
import { useState } from 'preact/hooks';
import { get, qs } from '../api';
import { FilterForm, useFilters } from '../forms';
import { setQuery } from '../router';
import { Act, ErrorBox, Status, Table, time, useLoad } from '../ui';

const STATES = ['', 'unfinished', 'start', 'pause', 'done'];

function toMs(local: string): string {
  if (!local) return '';
  const t = new Date(local).getTime();
  return Number.isFinite(t) ? String(t) : '';
}

export function Tasks() {
  const f = useFilters(['title', 'creator', 'state', 'since', 'until']);
  const q = f.q;
  // Cursors of the pages before this one, to go back.
  const [stack, setStack] = useState<number[]>([]);
  const before = q.before_id ?? '';
  const tasks = useLoad(
    () =>
      get<any>(
        '/api/v1/tasks' +
          qs({ title: q.title, creator: q.creator, state: q.state, since: toMs(q.since ?? ''), until: toMs(q.until ?? ''), before_id: before, limit: 50 }),
      ),
    [f.query],
    5000,
  );
  return (
    <div>
      <div class="row">
        <h1 class="grow">Tasks</h1>
        <Act permission="task.run_adhoc" id="new-task" hide onClick={() => (location.hash = '#/tasks/new')}>
          New task
        </Act>
      </div>
      <FilterForm
        onSubmit={() => {
          setStack([]);
          f.apply();
        }}
      >
        {f.input('title', 'Title contains')}
        {f.input('creator', 'Creator')}
        {f.select('state', 'State', STATES)}
        {f.input('since', 'Created after', { type: 'datetime-local' })}
        {f.input('until', 'Created before', { type: 'datetime-local' })}
      </FilterForm>
      <ErrorBox error={tasks.error} />
      <Table
        id="task-list"
        cols={['Id', 'Title', 'State', 'Creator', 'Account', 'Created']}
        items={tasks.data?.list}
        row={(t: any) => (
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
        )}
      />
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
