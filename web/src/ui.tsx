// Small shared pieces: error messages, actions and their errors, the
// confirmation dialog, permission guards, tables, status badges and time
// formats.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { placeErrors, type FieldErrors } from './fielderrors';
import { deniedReason } from './session';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiError;
  const extra = e.permission ? ` (missing permission ${e.permission})` : '';
  return (
    <div class="error" role="alert">
      {e.status ? <b>HTTP {e.status}: </b> : null}
      {e.message ?? String(error)}
      {extra}
    </div>
  );
}

// The server's problems with one form field (see fielderrors.ts).
export function Problems({ errors, field }: { errors: FieldErrors | null; field: string }) {
  const list = errors?.fields[field];
  if (!list) return null;
  return (
    <div class="field-error" data-field={field}>
      {list.join('\n')}
    </div>
  );
}

// Runs a change to the server: its refusal (400, or 409 for a name taken,
// put at the first field) lands at the form's `fields` (and at the line of
// a field's item, `lists` naming them), anything else in `error`. run()
// resolves true when the change was made.
export function useChange(fields: string[]) {
  const [errors, setErrors] = useState<FieldErrors | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async (fn: () => Promise<unknown>, lists: Record<string, string[]> = {}) => {
    try {
      await fn();
      setErrors(null);
      setError(null);
      return true;
    } catch (e) {
      let placed: FieldErrors | null = null;
      if (e instanceof ApiError && e.status === 400) placed = placeErrors(e.message, fields, lists);
      if (e instanceof ApiError && e.status === 409) placed = { fields: { [fields[0]]: [e.message] }, lines: {}, other: [] };
      setErrors(placed);
      setError(placed && !placed.other.length ? null : e);
      return false;
    }
  };
  return { errors, error, run };
}

// Runs an action on the server (a revoke, a role change): its refusal is
// `error` until an action succeeds. With `question`, the user confirms it
// first. run() resolves true when the action was confirmed and made.
export function useAction() {
  const [error, setError] = useState<unknown>(null);
  const run = async (fn: () => Promise<unknown>, question?: string) => {
    if (question && !(await confirmAction(question))) return false;
    try {
      await fn();
      setError(null);
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  return { error, run };
}

export type Loaded<T> = { data: T | null; error: unknown; loading: boolean; reload: () => void };

// Loads `fn` when `deps` change, and every `everyMs` while mounted if given.
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[], everyMs = 0): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const run = () =>
      fn().then(
        (d) => {
          if (!live) return;
          setData(d);
          setError(null);
          setLoading(false);
        },
        (e) => {
          if (!live) return;
          setError(e);
          setLoading(false);
        },
      ).finally(() => {
        if (live && everyMs) timer = window.setTimeout(run, everyMs);
      });
    run();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}

// A button for an action that needs `permission`: disabled with the reason
// when the user lacks it, hidden when `hide` is set; `submit` makes it its
// form's submit button.
export function Act(props: {
  permission: string;
  onClick?: () => void;
  children: ComponentChildren;
  hide?: boolean;
  danger?: boolean;
  primary?: boolean;
  submit?: boolean;
  disabled?: boolean;
  id?: string;
  title?: string;
}) {
  const why = deniedReason(props.permission);
  if (why && props.hide) return null;
  return (
    <button
      type={props.submit ? 'submit' : undefined}
      id={props.id}
      class={props.danger ? 'danger' : props.primary ? 'primary' : ''}
      disabled={!!why || props.disabled}
      title={why || props.title}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}

type Pending = { text: string; resolve: (ok: boolean) => void } | null;
let openConfirm: (p: Pending) => void = () => {};

// Asks the user; resolves true when confirmed.
export function confirmAction(text: string): Promise<boolean> {
  return new Promise((resolve) => openConfirm({ text, resolve }));
}

export function ConfirmHost() {
  const [pending, setPending] = useState<Pending>(null);
  const ok = useRef<HTMLButtonElement>(null);
  openConfirm = setPending;
  useEffect(() => ok.current?.focus(), [pending]);
  if (!pending) return null;
  const close = (v: boolean) => {
    setPending(null);
    pending.resolve(v);
  };
  return (
    <div class="modal-back" onKeyDown={(e) => e.key === 'Escape' && close(false)}>
      <div class="modal" role="dialog" aria-modal="true">
        <p>{pending.text}</p>
        <div class="row">
          <button ref={ok} class="primary" onClick={() => close(true)}>
            Confirm
          </button>
          <button onClick={() => close(false)}>Cancel</button>
        </div>
      </div>
    </div>
  );
}

// A column's heading: its text, or its text and a tooltip.
export type Column = string | { label: string; title: string };

// A table of `items`, a row each from `row`, under a heading row of `cols`
// (none without). No items yet (still loading, or failed: the page says why
// elsewhere) is no rows.
export function Table<T>(props: { items: T[] | null | undefined; row: (item: T) => ComponentChildren; cols?: Column[]; id?: string; class?: string }) {
  return (
    <table id={props.id} class={props.class}>
      {props.cols && (
        <thead>
          <tr>
            {props.cols.map((c) => (typeof c === 'string' ? <th>{c}</th> : <th title={c.title}>{c.label}</th>))}
          </tr>
        </thead>
      )}
      <tbody>{(props.items ?? []).map((item) => props.row(item))}</tbody>
    </table>
  );
}

export function Status({ s }: { s: string }) {
  return <span class={'status s-' + s}>{s}</span>;
}

export function time(ms: number | null | undefined): string {
  if (!ms) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function ago(ms: number | null | undefined): string {
  if (!ms) return '';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60000)} min`;
}

export function Card({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={id}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}
