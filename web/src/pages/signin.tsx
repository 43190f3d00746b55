import { useState } from 'preact/hooks';
import { go, route } from '../router';
import { signIn } from '../session';
import { useSignal } from '../signal';
import { ErrorBox } from '../ui';

export function SignIn() {
  const r = useSignal(route);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await signIn(user, password);
      const next = r.query.get('next');
      go(next && next.startsWith('#/') && !next.startsWith('#/signin') ? next : '#/');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="signin">
      <form onSubmit={submit}>
        <h1>Mend</h1>
        <label>
          User
          <input name="user" autocomplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} autofocus />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <ErrorBox error={error} />
        <button class="primary" type="submit" disabled={busy || !user}>
          Sign in
        </button>
      </form>
    </div>
  );
}
