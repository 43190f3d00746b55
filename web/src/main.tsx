// The console's entry: restores the session, then shows the page the hash names.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { setUnauthorizedHandler } from './api';
import { Layout } from './layout';
import { Audit, Users } from './pages/admin';
import { Agents } from './pages/agents';
import { NewTask } from './pages/new_task';
import { Overview } from './pages/overview';
import { Remediations } from './pages/remediations';
import { Rules } from './pages/rules';
import { TaskPage } from './pages/task';
import { Tasks } from './pages/tasks';
import { SignIn } from './pages/signin';
import { go, here, route } from './router';
import { restore, session } from './session';
import { useSignal } from './signal';
import { ErrorBox } from './ui';
import './styles.css';

// An expired session: sign in, then come back here.
setUnauthorizedHandler(() => {
  if (route.get().parts[0] === 'signin') return;
  session.set(null);
  go('#/signin?next=' + encodeURIComponent(here()));
});

function Page() {
  const r = useSignal(route);
  switch (r.parts[0] ?? '') {
    case '':
      return <Overview />;
    case 'tasks':
      if (r.parts[1] === 'new') return <NewTask />;
      if (r.parts[1]) return <TaskPage id={r.parts[1]} />;
      return <Tasks />;
    case 'rules':
      return <Rules />;
    case 'remediations':
      return <Remediations />;
    case 'agents':
      return <Agents />;
    case 'audit':
      return <Audit />;
    case 'users':
      return <Users />;
    default:
      return <p>No such page.</p>;
  }
}

function App() {
  const r = useSignal(route);
  const s = useSignal(session);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    restore()
      .then((got) => {
        if (!got && route.get().parts[0] !== 'signin') go('#/signin?next=' + encodeURIComponent(here()));
      })
      .catch(setError)
      .finally(() => setReady(true));
  }, []);
  if (error) return <ErrorBox error={error} />;
  if (!ready) return null;
  if (r.parts[0] === 'signin' || !s) return <SignIn />;
  return (
    <Layout>
      <Page />
    </Layout>
  );
}

render(<App />, document.getElementById('app')!);
