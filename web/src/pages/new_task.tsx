// A new task: ad hoc, from a template, or cloned from another task; hosts
// picked from the connected agents (searchable) or typed; started at once or
// saved paused.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, post } from '../api';
import { go, route } from '../router';
import { can, deniedReason, session } from '../session';
import { useSignal } from '../signal';
import { ErrorBox, useLoad } from '../ui';

type Form = { title: string; account: string; script: string; args: string; batch: number; tolerance: number; timeout: number; pause: string; hosts: string };
const EMPTY: Form = { title: '', account: 'root', script: '#!/bin/sh\n', args: '', batch: 0, tolerance: 0, timeout: 30, pause: '', hosts: '' };

function hostList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((h) => h.trim()).filter(Boolean))];
}

export function NewTask() {
  const r = useSignal(route);
  const clone = r.query.get('clone');
  const [form, setForm] = useState<Form>(EMPTY);
  const [template, setTemplate] = useState('');
  const [search, setSearch] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const agents = useLoad(() => (can('agent.read') ? get<any[]>('/api/v1/agents') : Promise.resolve([])), [], 5000);
  const templates = useLoad(() => get<any[]>('/api/v1/templates').catch(() => []), []);

  useEffect(() => {
    if (!clone) return;
    Promise.all([get<any>(`/api/v1/tasks/${clone}/summary`), get<any>(`/api/v1/tasks/${clone}/hosts`)]).then(([t, h]) =>
      setForm({
        title: t.title,
        account: t.account,
        script: t.script,
        args: t.args,
        batch: t.batch,
        tolerance: t.tolerance,
        timeout: t.timeout,
        pause: t.pause,
        hosts: h.hosts.map((x: any) => x[0]).join('\n'),
      }),
      setError,
    );
  }, [clone]);

  const useTemplate = (name: string) => {
    setTemplate(name);
    const t = (templates.data ?? []).find((x: any) => x.name === name);
    if (t) setForm({ ...form, title: t.title || t.name, account: t.account, script: t.script, args: t.args, batch: t.batch, tolerance: t.tolerance, timeout: t.timeout, pause: t.pause });
  };
  const chosen = useMemo(() => new Set(hostList(form.hosts)), [form.hosts]);
  const connected = useMemo(() => new Set((agents.data ?? []).map((a: any) => a.ident)), [agents.data]);
  const toggle = (h: string) => {
    const next = new Set(chosen);
    next.has(h) ? next.delete(h) : next.add(h);
    setForm({ ...form, hosts: [...next].join('\n') });
  };
  const set = (k: keyof Form, numeric = false) => ({
    name: k,
    value: form[k] as any,
    onInput: (e: any) => setForm({ ...form, [k]: numeric ? Number(e.currentTarget.value) : e.currentTarget.value }),
  });
  const permission = template ? 'task.run_template' : 'task.run_adhoc';
  const why = deniedReason(permission);
  const submit = async (action: 'start' | 'pause') => {
    setBusy(true);
    try {
      const id = await post<number>('/ibex/v1/tasks', {
        ...form,
        hosts: hostList(form.hosts),
        creator: session.get()?.user ?? '',
        action,
      });
      go(`#/tasks/${id}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const s = search.trim().toLowerCase();
  const pickable = (agents.data ?? []).filter((a: any) => !s || a.ident.toLowerCase().includes(s));
  return (
    <div>
      <h1>{clone ? `New task (clone of #${clone})` : 'New task'}</h1>
      <div class="cols">
        <div class="card">
          <div class="filters">
            <label>
              From template
              <select value={template} onChange={(e) => useTemplate(e.currentTarget.value)} id="template">
                <option value="">ad hoc script</option>
                {(templates.data ?? []).map((t: any) => (
                  <option value={t.name}>{t.name}</option>
                ))}
              </select>
            </label>
            <label class="grow">
              Title
              <input {...set('title')} />
            </label>
            <label>
              Account
              <input {...set('account')} size={8} />
            </label>
          </div>
          <label>
            Script
            <textarea {...set('script')} rows={12} readOnly={!!template} />
          </label>
          <div class="filters" style={{ marginTop: '8px' }}>
            <label>
              Args (split on ,,)
              <input {...set('args')} />
            </label>
            <label>
              Batch
              <input type="number" min={0} {...set('batch', true)} style={{ width: '70px' }} />
            </label>
            <label>
              Tolerance
              <input type="number" min={0} {...set('tolerance', true)} style={{ width: '70px' }} />
            </label>
            <label>
              Timeout (s)
              <input type="number" min={1} {...set('timeout', true)} style={{ width: '80px' }} />
            </label>
            <label>
              Pause after hosts
              <input {...set('pause')} placeholder="host1,host2" />
            </label>
          </div>
        </div>
        <div class="card">
          <label>
            Hosts (one per line)
            <textarea {...set('hosts')} rows={6} id="hosts-text" />
          </label>
          <p class="note">{chosen.size} hosts chosen</p>
          <input placeholder="Search connected agents" value={search} onInput={(e) => setSearch(e.currentTarget.value)} style={{ width: '100%' }} />
          <div style={{ maxHeight: '260px', overflow: 'auto', marginTop: '6px' }} id="host-picker">
            {pickable.map((a: any) => (
              <label class="row" style={{ flexDirection: 'row', color: 'inherit' }}>
                <input type="checkbox" checked={chosen.has(a.ident)} onChange={() => toggle(a.ident)} data-ident={a.ident} />
                {a.ident} <span class="status s-success">connected</span>
              </label>
            ))}
            {[...chosen]
              .filter((h) => !connected.has(h))
              .map((h) => (
                <div class="row">
                  {h} <span class="status s-waiting">not connected</span>
                </div>
              ))}
          </div>
        </div>
      </div>
      <ErrorBox error={error} />
      <div class="row">
        <button class="primary" id="run" disabled={busy || !!why} title={why} onClick={() => submit('start')}>
          Start now
        </button>
        <button id="save-paused" disabled={busy || !!why} title={why} onClick={() => submit('pause')}>
          Save paused
        </button>
      </div>
    </div>
  );
}
