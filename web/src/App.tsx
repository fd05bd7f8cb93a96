import { FormEvent, lazy, Suspense, useEffect, useState } from 'react';
import { JOB_FORMATS, type JobFormat, type JobSnapshot } from '@server/jobs/job.types';
import { api, ApiFailure, type Me } from './api';
import { useJobs } from './useJobs';

// hls.js is most of the bundle: it loads when something is played.
const Player = lazy(() => import('./Player').then((m) => ({ default: m.Player })));

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  useEffect(() => void api.me().then(setMe, () => setMe(null)), []);
  if (me === undefined) return null;
  if (me === null) return <Login onIn={setMe} />;
  return <Dashboard me={me} onOut={() => setMe(null)} />;
}

function Login({ onIn }: { onIn: (me: Me) => void }) {
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    try {
      onIn(await api.login(String(form.get('username')), String(form.get('password'))));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main className="login">
      <h1>vidpipe</h1>
      <form onSubmit={submit}>
        <input name="username" placeholder="Username" autoComplete="username" required />
        <input name="password" type="password" placeholder="Password" autoComplete="current-password" required />
        <button type="submit">Log in</button>
        {error && <p className="error" role="alert">{error}</p>}
      </form>
    </main>
  );
}

function Dashboard({ me, onOut }: { me: Me; onOut: () => void }) {
  const { jobs, connected, merge, forget } = useJobs(true);
  const [playing, setPlaying] = useState<JobSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    try {
      merge([await api.create(String(form.get('url')), form.get('format') as JobFormat)]);
      setError(null);
      formEl.reset();
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : 'The server could not be reached.');
    }
  };
  const act = (promise: Promise<JobSnapshot | void>, id: string) =>
    promise.then((job) => (job ? merge([job]) : forget(id)), (err: Error) => setError(err.message));

  return (
    <main>
      <header>
        <h1>vidpipe</h1>
        <span className={connected ? 'live' : 'offline'}>{connected ? 'live' : 'reconnecting…'}</span>
        <span className="who">{me.username}</span>
        <button onClick={() => void api.logout().finally(onOut)}>Log out</button>
      </header>
      <form className="submit" onSubmit={submit}>
        <input name="url" type="url" placeholder="Paste the link of a video page" required aria-label="Video link" />
        <select name="format" defaultValue="best" aria-label="Format">
          {JOB_FORMATS.map((f) => (
            <option key={f} value={f}>{f}</option>
          ))}
        </select>
        <button type="submit">Download</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {playing?.result && (
        <section className="now-playing">
          <h2>{playing.title ?? playing.url}</h2>
          <Suspense fallback={<div className="player" />}>
            <Player src={playing.result.playlistUrl} poster={playing.result.posterUrl} />
          </Suspense>
        </section>
      )}
      <ul className="jobs">
        {jobs.map((job) => (
          <li key={job.id} className={`job ${job.state}`} data-testid="job" data-state={job.state}>
            {job.result?.posterUrl ? <img src={job.result.posterUrl} alt="" /> : <div className="thumb" />}
            <div className="body">
              <div className="title">{job.title ?? job.url}</div>
              <div className="bar" role="progressbar" aria-valuenow={job.progress.percent} aria-valuemin={0} aria-valuemax={100}>
                <div style={{ width: `${job.progress.percent}%` }} />
              </div>
              <div className="status">
                <b>{job.state}</b> {job.error ? job.error.message : job.message} {describeProgress(job)}
              </div>
            </div>
            <div className="actions">
              {job.state === 'completed' && <button onClick={() => setPlaying(job)}>Play</button>}
              {!['completed', 'failed', 'cancelled'].includes(job.state) && <button onClick={() => act(api.cancel(job.id), job.id)}>Cancel</button>}
              {['failed', 'cancelled'].includes(job.state) && <button onClick={() => act(api.retry(job.id), job.id)}>Retry</button>}
              <button onClick={() => act(api.remove(job.id), job.id)} aria-label="Delete">✕</button>
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}

function describeProgress(job: JobSnapshot): string {
  const p = job.progress;
  if (job.state !== 'downloading' || !p.downloadedBytes) return '';
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const parts = [p.totalBytes ? `${mb(p.downloadedBytes)} of ${mb(p.totalBytes)}` : mb(p.downloadedBytes)];
  if (p.speedBps) parts.push(`${mb(p.speedBps)}/s`);
  if (p.etaSeconds !== null && p.etaSeconds !== undefined) parts.push(`${p.etaSeconds} s left`);
  return `· ${parts.join(' · ')}`;
}
