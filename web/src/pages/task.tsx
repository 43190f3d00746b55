// One task: its settings and script, its hosts (counts, a status filter and
// search over a virtualised list), and the selected host's output, live.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, put } from '../api';
import { route, setQuery } from '../router';
import { useSignal } from '../signal';
import { openEvents } from '../stream';
import { Act, ErrorBox, Status, confirmAction, time, useAction, useLoad } from '../ui';
import { VirtualList } from '../vlist';

const FINAL = new Set(['success', 'failed', 'timeout', 'killed', 'killfailed', 'cancelled', 'ignored', 'lost']);

export function TaskPage({ id }: { id: string }) {
  const r = useSignal(route);
  const selected = r.query.get('host') ?? '';
  const filter = r.query.get('status') ?? '';
  const [search, setSearch] = useState('');
  const actions = useAction();
  const summary = useLoad(() => get<any>(`/api/v1/tasks/${id}/summary`), [id], 2000);
  const done = summary.data?.state === 'done';
  const hosts = useLoad(() => get<any>(`/api/v1/tasks/${id}/hosts`), [id, done], done ? 0 : 3000);
  // [host, status, updated_ms, exit_code (null until the script ended)]
  const rows: [string, string, number, number | null][] = hosts.data?.hosts ?? [];
  const shown = useMemo(() => {
    const s = search.trim().toLowerCase();
    return rows.filter((h) => (!filter || h[1] === filter) && (!s || h[0].toLowerCase().includes(s)));
  }, [rows, filter, search]);

  useEffect(() => {
    if (summary.data && hosts.data && !performance.getEntriesByName('task-ready').length) performance.mark('task-ready');
  }, [summary.data, hosts.data]);

  const act = (action: string) =>
    actions.run(async () => {
      await put(`/ibex/v1/task/${id}/action`, { action });
      summary.reload();
      hosts.reload();
    }, `${action} task #${id} "${summary.data?.title}"?`);
  const t = summary.data;
  const q = (params: Record<string, string>) => setQuery({ host: selected, status: filter, ...params });
  return (
    <div>
      <div class="row">
        <h1 class="grow">
          #{id} {t?.title} {t && <Status s={t.state} />}
        </h1>
        {t && !done && (
          <>
            {t.action === 'pause' ? (
              <Act permission="task.action" id="task-start" onClick={() => act('start')}>
                Start
              </Act>
            ) : (
              <Act permission="task.action" id="task-pause" onClick={() => act('pause')}>
                Pause
              </Act>
            )}
            <Act permission="task.action" onClick={() => act('cancel')}>
              Cancel
            </Act>
            <Act permission="task.action" danger id="task-kill" onClick={() => act('kill')}>
              Kill
            </Act>
          </>
        )}
        {t && (
          <Act permission="task.run_adhoc" id="clone" onClick={() => (location.hash = `#/tasks/new?clone=${id}`)}>
            Clone as new
          </Act>
        )}
      </div>
      <ErrorBox error={actions.error || summary.error || hosts.error} />
      {t && (
        <details class="card" open={rows.length < 50}>
          <summary>Settings and script</summary>
          <dl class="settings">
            <dt>Account</dt>
            <dd>{t.account}</dd>
            <dt>Creator</dt>
            <dd>{t.creator}</dd>
            <dt>Batch</dt>
            <dd>{t.batch || 'all at once'}</dd>
            <dt>Tolerance</dt>
            <dd>{t.tolerance}</dd>
            <dt>Timeout</dt>
            <dd>{t.timeout} s</dd>
            <dt>Created</dt>
            <dd>{time(t.created_ms)}</dd>
            <dt>Args</dt>
            <dd>
              <code>{t.args}</code>
            </dd>
            <dt>Pause after</dt>
            <dd>{t.pause}</dd>
          </dl>
          <pre id="script">{t.script}</pre>
        </details>
      )}
      <div class="task-grid">
        <div>
          <div class="chips" id="status-chips">
            <button class={filter ? '' : 'on'} onClick={() => q({ status: '' })}>
              all {t?.host_count ?? ''}
            </button>
            {Object.entries(t?.counts ?? {}).map(([s, n]) => (
              <button class={filter === s ? 'on' : ''} data-status={s} onClick={() => q({ status: filter === s ? '' : s })}>
                {s} {String(n)}
              </button>
            ))}
          </div>
          <input placeholder="Search hosts" value={search} onInput={(e) => setSearch(e.currentTarget.value)} style={{ width: '100%', marginBottom: '6px' }} />
          <VirtualList
            id="hosts"
            items={shown}
            rowHeight={28}
            height={420}
            row={(h, i) => (
              <div
                class={'vrow' + (h[0] === selected ? ' sel' : '')}
                style={{ top: i * 28 + 'px', height: '28px' }}
                data-host={h[0]}
                onClick={() => q({ host: h[0] })}
              >
                <span class="h">{h[0]}</span>
                {h[3] !== null && h[3] !== undefined ? (
                  <span class="exit" title="exit code">
                    exit {h[3]}
                  </span>
                ) : null}
                <Status s={h[1]} />
              </div>
            )}
          />
          <p class="note">
            {shown.length} of {rows.length} hosts
          </p>
        </div>
        <div>{selected ? <HostOutput id={id} host={selected} taskDone={done} onChange={() => (summary.reload(), hosts.reload())} /> : <p class="note">Pick a host to see its output.</p>}</div>
      </div>
    </div>
  );
}

function HostOutput({ id, host, taskDone, onChange }: { id: string; host: string; taskDone: boolean; onChange: () => void }) {
  const [status, setStatus] = useState('');
  const [out, setOut] = useState('');
  const [err, setErr] = useState('');
  const [follow, setFollow] = useState(true);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [gen, setGen] = useState(0);
  // The latest text, kept while paused and shown on resume.
  const latest = useRef({ out: '', err: '', status: '' });
  const pausedRef = useRef(false);
  pausedRef.current = paused;
  const outBox = useRef<HTMLPreElement>(null);

  useEffect(() => {
    latest.current = { out: '', err: '', status: '' };
    setOut('');
    setErr('');
    setStatus('');
    setError(null);
    const s = openEvents(
      `/api/v1/tasks/${id}/hosts/${encodeURIComponent(host)}/stream`,
      (ev) => {
        const l = latest.current;
        if (ev.error) setError(new Error(ev.error));
        if ('stdout_reset' in ev) l.out = ev.stdout_reset;
        if ('stdout_append' in ev) l.out += ev.stdout_append;
        if ('stderr_reset' in ev) l.err = ev.stderr_reset;
        if ('stderr_append' in ev) l.err += ev.stderr_append;
        if (ev.status) {
          if (l.status && l.status !== ev.status) onChange();
          l.status = ev.status;
        }
        if (!pausedRef.current) {
          setOut(l.out);
          setErr(l.err);
          setStatus(l.status);
        }
      },
      setError,
    );
    return () => s.close();
  }, [id, host, gen]);

  useEffect(() => {
    if (follow && outBox.current) outBox.current.scrollTop = outBox.current.scrollHeight;
  }, [out, follow]);

  const resume = () => {
    setPaused(false);
    setOut(latest.current.out);
    setErr(latest.current.err);
    setStatus(latest.current.status);
  };
  const download = () => {
    const l = latest.current;
    const text = `# task ${id} host ${host} (${l.status})\n# stdout\n${l.out}\n# stderr\n${l.err}\n`;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    a.download = `task-${id}-${host}.txt`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const hostAct = async (action: string) => {
    if (!(await confirmAction(`${action} host ${host} of task #${id}?`))) return;
    try {
      await put(`/ibex/v1/task/${id}/host/${encodeURIComponent(host)}/action`, { action });
      setError(null);
      onChange();
      if (action === 'redo') setGen((g) => g + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div class="card output" id="output">
      <div class="row">
        <h3 class="grow">
          {host} <Status s={status || '…'} />
        </h3>
        <label class="row" style={{ flexDirection: 'row' }}>
          <input type="checkbox" id="follow" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> follow
        </label>
        {paused ? (
          <button id="resume" onClick={resume}>
            Resume
          </button>
        ) : (
          <button id="pause-output" onClick={() => setPaused(true)}>
            Pause
          </button>
        )}
        <button id="download" onClick={download}>
          Download
        </button>
        {!taskDone && (
          <>
            <Act permission="task.action" danger id="host-kill" disabled={FINAL.has(status) || status === 'waiting'} onClick={() => hostAct('kill')}>
              Kill
            </Act>
            <Act permission="task.action" disabled={!FINAL.has(status)} onClick={() => hostAct('redo')}>
              Redo
            </Act>
            <Act permission="task.action" disabled={!FINAL.has(status)} onClick={() => hostAct('ignore')}>
              Ignore
            </Act>
          </>
        )}
      </div>
      <ErrorBox error={error} />
      <pre id="stdout" ref={outBox}>
        {out}
      </pre>
      {err && (
        <pre id="stderr" class="err" style={{ marginTop: '6px', maxHeight: '160px' }}>
          {err}
        </pre>
      )}
    </div>
  );
}
