// Forms: their values bound to labelled fields, each showing the server's
// problems with it; the form that makes something; and a list's filters,
// kept in the route's query.
import type { ComponentChildren, InputHTMLAttributes, SelectHTMLAttributes } from 'preact';
import { useState } from 'preact/hooks';
import type { FieldErrors } from './fielderrors';
import { route, setQuery } from './router';
import { useSignal } from './signal';
import { Act, ErrorBox, Problems } from './ui';

// A form's values, as its inputs hold them, and its fields: each in its
// label, named by its key unless `attrs` say otherwise, followed by the
// server's problems with it (useChange's `errors`, placed by key).
export function useForm<K extends string>(initial: Record<K, string> | (() => Record<K, string>), errors: FieldErrors | null = null) {
  const [f, setF] = useState(initial);
  const labelled = (key: K, label: string, control: ComponentChildren) => (
    <label>
      {label}
      {control}
      <Problems errors={errors} field={key} />
    </label>
  );
  return {
    f,
    setF,
    input: (key: K, label: string, attrs: InputHTMLAttributes = {}) =>
      labelled(key, label, <input name={key} value={f[key]} onInput={(e) => setF({ ...f, [key]: e.currentTarget.value })} {...attrs} />),
    // A choice of `options`, [value, text] each.
    select: (key: K, label: string, options: [string, string][], attrs: SelectHTMLAttributes = {}) =>
      labelled(
        key,
        label,
        <select name={key} value={f[key]} onChange={(e) => setF({ ...f, [key]: e.currentTarget.value })} {...attrs}>
          {options.map(([value, text]) => (
            <option value={value}>{text}</option>
          ))}
        </select>,
      ),
  };
}

// A form that makes something (with useChange): its fields, a submit button
// `button` (id `buttonId`) that needs `permission`, and below the form the
// server's refusal where no field took it.
export function MakeForm(props: {
  onSubmit: () => void;
  permission: string;
  button: string;
  buttonId: string;
  error: unknown;
  id?: string;
  children: ComponentChildren;
}) {
  return (
    <>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          props.onSubmit();
        }}
        class="filters"
        id={props.id}
      >
        {props.children}
        <Act permission={props.permission} submit primary id={props.buttonId}>
          {props.button}
        </Act>
      </form>
      <ErrorBox error={props.error} />
    </>
  );
}

// A list's filters, in the route's query (#/tasks?state=done&creator=bob) so
// that a link or a reload shows the same list: the fields start from the
// query, and apply() puts them there.
export function useFilters<K extends string>(names: readonly K[]) {
  const r = useSignal(route);
  const q: Record<string, string> = Object.fromEntries(r.query.entries());
  const form = useForm(() => Object.fromEntries(names.map((k) => [k, q[k] ?? ''])) as Record<K, string>);
  return {
    // The query as it is now, and as a string that changes when it does.
    q,
    query: r.query.toString(),
    apply: () => setQuery(form.f),
    input: form.input,
    // A choice of `choices`, '' shown as "any".
    select: (key: K, label: string, choices: string[]) => form.select(key, label, choices.map((c): [string, string] => [c, c || 'any'])),
  };
}

export function FilterForm({ onSubmit, children }: { onSubmit: () => void; children: ComponentChildren }) {
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
      <button class="primary" type="submit">
        Filter
      </button>
    </form>
  );
}
