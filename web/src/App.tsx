// Who is signed in decides between the login page and the dashboard; a session that ends
// anywhere (a 401 from the API, the server closing the socket) brings the login back with a sentence.
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { api, type Me, onSessionEnded } from './api';
import { Header } from './components/Header';
import { I18nProvider, useI18n } from './i18n';
import { JobsProvider } from './jobs-store';
import { matchRoute } from './lib/routes';
import { Login } from './pages/Login';
import { ListPage } from './pages/ListPage';
import { useLocation } from './router';

// Pages most visits never open load on demand; the job page's player (hls.js) has its own chunk.
const JobPage = lazy(() => import('./pages/JobPage').then((m) => ({ default: m.JobPage })));
const AccountPage = lazy(() => import('./pages/AccountPage').then((m) => ({ default: m.AccountPage })));
const UsersPage = lazy(() => import('./pages/UsersPage').then((m) => ({ default: m.UsersPage })));
const WorkersPage = lazy(() => import('./pages/WorkersPage').then((m) => ({ default: m.WorkersPage })));

export function App() {
  return (
    <I18nProvider>
      <Session />
    </I18nProvider>
  );
}

function Session() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [ended, setEnded] = useState(false);
  useEffect(() => void api.me().then(setMe, () => setMe(null)), []);
  useEffect(
    () =>
      onSessionEnded(() => {
        setMe((was) => {
          if (was) setEnded(true);
          return null;
        });
      }),
    [],
  );
  const signedIn = useCallback((user: Me) => {
    setEnded(false);
    setMe(user);
  }, []);
  if (me === undefined) return null;
  if (me === null) return <Login onIn={signedIn} sessionEnded={ended} />;
  return (
    <JobsProvider key={me.id}>
      <Dashboard me={me} onOut={() => setMe(null)} />
    </JobsProvider>
  );
}

function Dashboard({ me, onOut }: { me: Me; onOut(): void }) {
  const { t } = useI18n();
  const { pathname, search } = useLocation();
  const route = matchRoute(pathname);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // After an in-page navigation, start keyboard and screen reader users at the new page.
    if (first.current) first.current = false;
    else main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [pathname]);
  return (
    <>
      <Header me={me} route={route} onLogout={() => void api.logout().finally(onOut)} />
      <main ref={main}>
        <Suspense fallback={<p className="muted">{t('list.loading')}</p>}>
          {route.name === 'list' && <ListPage search={search} />}
          {route.name === 'job' && <JobPage id={route.id} />}
          {route.name === 'account' && <AccountPage me={me} />}
          {route.name === 'users' && me.role === 'admin' && <UsersPage me={me} />}
          {route.name === 'workers' && me.role === 'admin' && <WorkersPage />}
          {(route.name === 'notFound' || ((route.name === 'users' || route.name === 'workers') && me.role !== 'admin')) && (
            <h1 tabIndex={-1}>{t('job.notFound')}</h1>
          )}
        </Suspense>
      </main>
    </>
  );
}
