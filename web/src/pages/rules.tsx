// Templates and heal rules: lists with their run counts and breakers, edit
// forms that show the server's validation problems at their field or line,
// and a dry run of an alert against every rule.
import { useState } from 'preact/hooks';
import { call, get, post, put } from '../api';
import type { FieldErrors } from '../fielderrors';
import { go, route, setQuery } from '../router';
import { can } from '../session';
import { useSignal } from '../signal';
import { Act, Card, ErrorBox, Problems, Status, Table, ago, useAction, useChange, useLoad } from '../ui';

export function Rules() {
  const r = useSignal(route);
  const tab = r.query.get('tab') ?? 'rules';
  const edit = r.query.get('edit');
  return (
    <div>
      <h1>Templates &amp; rules</h1>
      <div class="tabs">
        {[
          ['rules', 'Heal rules'],
          ['templates', 'Templates'],
          ['dryrun', 'Dry run an alert'],
        ].map(([k, label]) => (
          <button class={tab === k ? 'on' : ''} id={'tab-' + k} onClick={() => setQuery({ tab: k })}>
            {label}
          </button>
        ))}
      </div>
      {tab === 'rules' && (edit !== null ? <RuleEdit name={edit} /> : <RuleList />)}
      {tab === 'templates' && (edit !== null ? <TemplateEdit name={edit} /> : <TemplateList />)}
      {tab === 'dryrun' && <DryRun />}
    </div>
  );
}

function RuleList() {
  const rules = useLoad(() => get<any[]>('/api/v1/heal-rules'), []);
  const stats = useLoad(() => get<any>('/api/v1/heal/rules'), [], 10000);
  const act = useAction();
  const byName: Record<string, any> = {};
  for (const s of stats.data?.list ?? []) byName[s.name] = s;
  const setDryRun = (rule: any, dry: boolean) => {
    const { origin, ...body } = rule;
    return act.run(
      () => put(`/api/v1/heal-rules/${encodeURIComponent(rule.name)}`, { ...body, dry_run: dry }).then(rules.reload),
      dry ? `Put rule ${rule.name} in dry run (decisions recorded, nothing runs)?` : `Let rule ${rule.name} run its template again?`,
    );
  };
  const closeBreaker = (name: string) =>
    act.run(() => post(`/api/v1/heal/rules/${encodeURIComponent(name)}/breaker/close`).then(stats.reload), `Close the breaker of rule ${name}?`);
  return (
    <Card title="Heal rules, in the order they are tried">
      <ErrorBox error={act.error || rules.error || stats.error} />
      <Table
        id="rule-list"
        cols={['Rule', 'Matchers', 'Template', 'Mode', 'Runs (ok / failed)', 'Last run', 'Breaker']}
        items={rules.data}
        row={(x: any) => {
          const s = byName[x.name];
          return (
            <tr>
              <td>
                <a href={`#/rules?tab=rules&edit=${encodeURIComponent(x.name)}`}>{x.name}</a> <small class="note">{x.origin}</small>
              </td>
              <td>
                <code>{x.matchers.join(', ')}</code>
              </td>
              <td>{x.template}</td>
              <td>
                <Status s={x.dry_run ? 'dry_run' : 'start'} />{' '}
                {x.origin === 'api' && (
                  <Act permission="rule.edit" onClick={() => setDryRun(x, !x.dry_run)}>
                    {x.dry_run ? 'Enable runs' : 'Dry run only'}
                  </Act>
                )}
              </td>
              <td>{s ? `${s.runs} (${s.successes} / ${s.failures})` : ''}</td>
              <td>{s ? ago(s.last_run_ms) : ''}</td>
              <td>
                {s?.breaker?.open ? (
                  <>
                    <Status s="breaker_open" />{' '}
                    <Act permission="rule.edit" onClick={() => closeBreaker(x.name)}>
                      Close
                    </Act>
                  </>
                ) : (
                  'closed'
                )}
              </td>
            </tr>
          );
        }}
      />
      <p>
        <Act permission="rule.edit" hide id="new-rule" onClick={() => go('#/rules?tab=rules&edit=')}>
          New rule
        </Act>
      </p>
    </Card>
  );
}

// The end of a rule's or template's editor: why the last save failed, Save
// (none for one from the rules file, which is changed there), and Back to
// the list.
function SaveRow(props: { kind: 'rule' | 'template'; fromFile: boolean; error: unknown; saved: boolean; onSave: () => void }) {
  return (
    <>
      <ErrorBox error={props.error} />
      <div class="row">
        {!props.fromFile && (
          <Act permission={`${props.kind}.edit`} primary id={`save-${props.kind}`} onClick={props.onSave}>
            Save
          </Act>
        )}
        {props.saved && <span class="note" id="saved">Saved.</span>}
        <button onClick={() => setQuery({ tab: `${props.kind}s` })}>Back</button>
      </div>
    </>
  );
}

const RULE_FIELDS = ['name', 'matchers', 'template', 'host_labels', 'cooldown', 'max_tasks', 'window', 'breaker_failures', 'dry_run', 'on_resolved', 'require_known_host'];

// A textarea of one item per line, with problems marked at their lines.
function Lines({ value, onInput, errors, field, rows = 4 }: { value: string; onInput: (v: string) => void; errors: FieldErrors | null; field: string; rows?: number }) {
  const marks = errors?.lines[field] ?? {};
  return (
    <div>
      <textarea name={field} rows={rows} value={value} onInput={(e) => onInput(e.currentTarget.value)} style={{ width: '100%' }} class={Object.keys(marks).length ? 'line-error' : ''} />
      {Object.entries(marks).map(([line, msg]) => (
        <div class="field-error" data-line={Number(line) + 1}>
          line {Number(line) + 1}: {msg}
        </div>
      ))}
    </div>
  );
}

function RuleEdit({ name }: { name: string }) {
  const isNew = name === '';
  const templates = useLoad(() => get<any[]>('/api/v1/templates'), []);
  const [rule, setRule] = useState<any>(null);
  const loaded = useLoad(
    () =>
      isNew
        ? Promise.resolve({ name: '', matchers: ['alertname="..."'], template: '', host_labels: ['ident', 'instance', 'host', 'hostname'], cooldown: '5m', max_tasks: 0, window: '0', breaker_failures: 0, dry_run: false, on_resolved: '', require_known_host: true, origin: 'api' })
        : get<any>(`/api/v1/heal-rules/${encodeURIComponent(name)}`),
    [name],
  );
  const r = rule ?? loaded.data;
  const ch = useChange(RULE_FIELDS);
  const { errors, error } = ch;
  const [saved, setSaved] = useState(false);
  if (!r) return <ErrorBox error={loaded.error} />;
  const readOnly = r.origin === 'file' || !can('rule.edit');
  const set = (k: string, v: any) => {
    setRule({ ...r, [k]: v });
    setSaved(false);
  };
  const matcherText = (r.matchers ?? []).join('\n');
  const save = async () => {
    const { origin, ...body } = r;
    body.matchers = matcherText.split('\n').filter((l: string) => l.trim() !== '');
    const made = await ch.run(() => (isNew ? post('/api/v1/heal-rules', body) : put(`/api/v1/heal-rules/${encodeURIComponent(name)}`, body)), { matchers: body.matchers });
    setSaved(made);
    if (made && isNew) setQuery({ tab: 'rules', edit: body.name });
  };
  return (
    <Card title={isNew ? 'New rule' : `Rule ${name}`}>
      {r.origin === 'file' && <p class="note">Defined in the rules file: change it there and reload.</p>}
      <div class="cols" id="rule-form">
        <div>
          <label>
            Name
            <input name="name" value={r.name} disabled={!isNew || readOnly} onInput={(e) => set('name', e.currentTarget.value)} />
          </label>
          <Problems errors={errors} field="name" />
          <label>
            Matchers (one per line: label="value", label=~"regex", label!="value")
            <Lines field="matchers" value={matcherText} errors={errors} onInput={(v) => set('matchers', v.split('\n'))} />
          </label>
          <Problems errors={errors} field="matchers" />
          <label>
            Template
            <select name="template" value={r.template} disabled={readOnly} onChange={(e) => set('template', e.currentTarget.value)}>
              <option value="">—</option>
              {(templates.data ?? []).map((t: any) => (
                <option value={t.name}>{t.name}</option>
              ))}
            </select>
          </label>
          <Problems errors={errors} field="template" />
          <label>
            Host labels (tried in order)
            <input name="host_labels" value={(r.host_labels ?? []).join(', ')} disabled={readOnly} onInput={(e) => set('host_labels', e.currentTarget.value.split(',').map((s) => s.trim()).filter(Boolean))} />
          </label>
          <Problems errors={errors} field="host_labels" />
        </div>
        <div>
          {[
            ['cooldown', 'Cooldown per host (e.g. 5m)'],
            ['max_tasks', 'Storm cap: runs per window (0: none)'],
            ['window', 'Window (0 with no storm cap)'],
            ['breaker_failures', 'Breaker: failed runs in a row (0: none)'],
            ['on_resolved', 'Template to run when resolved'],
          ].map(([k, label]) => (
            <>
              <label>
                {label}
                <input name={k} value={r[k]} disabled={readOnly} onInput={(e) => set(k, typeof r[k] === 'number' ? Number(e.currentTarget.value) : e.currentTarget.value)} />
              </label>
              <Problems errors={errors} field={k} />
            </>
          ))}
          <label class="row" style={{ flexDirection: 'row' }}>
            <input type="checkbox" checked={r.dry_run} disabled={readOnly} onChange={(e) => set('dry_run', e.currentTarget.checked)} /> dry run: record decisions, run nothing
          </label>
          <label class="row" style={{ flexDirection: 'row' }}>
            <input type="checkbox" checked={r.require_known_host} disabled={readOnly} onChange={(e) => set('require_known_host', e.currentTarget.checked)} /> only hosts an agent has served
          </label>
        </div>
      </div>
      <SaveRow kind="rule" fromFile={r.origin === 'file'} error={error} saved={saved} onSave={save} />
    </Card>
  );
}

function TemplateList() {
  const templates = useLoad(() => get<any[]>('/api/v1/templates'), []);
  return (
    <Card title="Script templates">
      <ErrorBox error={templates.error} />
      <Table
        id="template-list"
        cols={['Name', 'Title', 'Account', 'Timeout', 'Script']}
        items={templates.data}
        row={(t: any) => (
          <tr>
            <td>
              <a href={`#/rules?tab=templates&edit=${encodeURIComponent(t.name)}`}>{t.name}</a> <small class="note">{t.origin}</small>
            </td>
            <td>{t.title}</td>
            <td>{t.account}</td>
            <td>{t.timeout} s</td>
            <td>
              <code>{t.script.split('\n').find((l: string) => l.trim() && !l.startsWith('#!')) ?? ''}</code>
            </td>
          </tr>
        )}
      />
      <p>
        <Act permission="template.edit" hide id="new-template" onClick={() => go('#/rules?tab=templates&edit=')}>
          New template
        </Act>
      </p>
    </Card>
  );
}

const TEMPLATE_FIELDS = ['name', 'title', 'account', 'script', 'args', 'batch', 'tolerance', 'timeout', 'pause'];

function TemplateEdit({ name }: { name: string }) {
  const isNew = name === '';
  const loaded = useLoad(
    () => (isNew ? Promise.resolve({ name: '', title: '', account: 'root', script: '#!/bin/sh\n', args: '', batch: 0, tolerance: 0, timeout: 60, pause: '', origin: 'api' }) : get<any>(`/api/v1/templates/${encodeURIComponent(name)}`)),
    [name],
  );
  const [tpl, setTpl] = useState<any>(null);
  const ch = useChange(TEMPLATE_FIELDS);
  const { errors, error } = ch;
  const [saved, setSaved] = useState(false);
  const t = tpl ?? loaded.data;
  if (!t) return <ErrorBox error={loaded.error} />;
  const readOnly = t.origin === 'file' || !can('template.edit');
  const set = (k: string, v: any) => {
    setTpl({ ...t, [k]: v });
    setSaved(false);
  };
  const save = async () => {
    const { origin, ...body } = t;
    const made = await ch.run(() => (isNew ? post('/api/v1/templates', body) : put(`/api/v1/templates/${encodeURIComponent(name)}`, body)));
    setSaved(made);
    if (made && isNew) setQuery({ tab: 'templates', edit: body.name });
  };
  return (
    <Card title={isNew ? 'New template' : `Template ${name}`}>
      {t.origin === 'file' && <p class="note">Defined in the rules file: change it there and reload.</p>}
      <div class="filters">
        {['name', 'title', 'account', 'args', 'pause'].map((k) => (
          <label>
            {k}
            <input name={k} value={t[k]} disabled={readOnly || (k === 'name' && !isNew)} onInput={(e) => set(k, e.currentTarget.value)} />
            <Problems errors={errors} field={k} />
          </label>
        ))}
        {['batch', 'tolerance', 'timeout'].map((k) => (
          <label>
            {k}
            <input name={k} type="number" value={t[k]} disabled={readOnly} onInput={(e) => set(k, Number(e.currentTarget.value))} style={{ width: '80px' }} />
            <Problems errors={errors} field={k} />
          </label>
        ))}
      </div>
      <label>
        Script
        <textarea name="script" rows={14} value={t.script} disabled={readOnly} onInput={(e) => set('script', e.currentTarget.value)} />
      </label>
      <Problems errors={errors} field="script" />
      <SaveRow kind="template" fromFile={t.origin === 'file'} error={error} saved={saved} onSave={save} />
    </Card>
  );
}

const SAMPLE = JSON.stringify(
  {
    version: '4',
    status: 'firing',
    receiver: 'mend',
    groupKey: '{}',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'NginxDown', severity: 'critical', instance: 'web-01:9100' },
        annotations: {},
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'f00d',
      },
    ],
  },
  null,
  2,
);

function DryRun() {
  const [source, setSource] = useState('alertmanager');
  const [payload, setPayload] = useState(SAMPLE);
  const [result, setResult] = useState<any>(null);
  const act = useAction();
  const run = async () => {
    if (!(await act.run(async () => setResult(await call('POST', `/api/v1/heal/dry-run?source=${source}`, payload))))) setResult(null);
  };
  return (
    <Card title="Dry run: what every rule would decide, without recording or running anything">
      <div class="filters">
        <label>
          Payload from
          <select value={source} onChange={(e) => setSource(e.currentTarget.value)} name="source">
            {['alertmanager', 'nightingale', 'grafana', 'generic'].map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <button class="primary" id="dry-run" onClick={run}>
          Dry run
        </button>
      </div>
      <textarea name="payload" rows={12} style={{ width: '100%' }} value={payload} onInput={(e) => setPayload(e.currentTarget.value)} />
      <ErrorBox error={act.error} />
      {result?.events.map((ev: any) => (
        <div class="card" data-fingerprint={ev.fingerprint}>
          <p>
            <b>{ev.name || ev.fingerprint}</b> ({ev.status}) → <Status s={ev.decision} />{' '}
            <small class="note">
              {Object.entries(ev.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}
            </small>
          </p>
          <Table
            class="dry-run-result"
            cols={['Rule', 'Matches', 'Host', 'Would decide', 'Why']}
            items={ev.rules}
            row={(r: any) => (
              <tr class={r.deciding ? 'sel' : ''}>
                <td>
                  {r.rule}
                  {r.deciding ? ' ◀ decides' : ''}
                </td>
                <td>{r.matches ? 'yes' : 'no'}</td>
                <td>{r.host}</td>
                <td>{r.decision ? <Status s={r.decision} /> : ''}</td>
                <td class="note">{r.reason}</td>
              </tr>
            )}
          />
        </div>
      ))}
    </Card>
  );
}
