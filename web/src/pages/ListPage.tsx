// `/`: paste a link and pick a quality; the user's jobs, live, filtered by state, paged on scroll.
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { JOB_FORMATS, JOB_STATES, type JobFormat, type JobState } from '@server/jobs/job.types';
import { api } from '../api';
import { apiErrorText } from '../lib/server-text';
import { JobCard } from '../components/JobCard';
import { useI18n } from '../i18n';
import { useJobsStore } from '../jobs-store';
import { visibleJobs } from '../lib/jobs';
import { prefillFrom } from '../lib/routes';
import { navigate } from '../router';

export function ListPage({ search }: { search: string }) {
  const { t, lang } = useI18n();
  const store = useJobsStore();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [url, setUrl] = useState(() => prefillFrom(search) ?? '');
  const ids = { url: useId(), format: useId(), filter: useId() };
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const link = prefillFrom(search);
    if (link) setUrl(link);
  }, [search]);

  // More than a page: the next one loads when the end of the list scrolls into view.
  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && store.loadMore(), { rootMargin: '400px' });
    observer.observe(el);
    return () => observer.disconnect();
  }, [store.loadMore, store.paging.cursor]);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    try {
      store.merge([await api.create(url.trim(), form.get('format') as JobFormat)]);
      setError(null);
      setUrl('');
      if (search) navigate('/', { replace: true }); // the pre-filled link is used: do not offer it again on reload
    } catch (err) {
      setError(apiErrorText(err, lang, t('error.unreachable')));
    } finally {
      setBusy(false);
    }
  };

  const { state, loadedDownTo, cursor, loading, loaded } = store.paging;
  const jobs = visibleJobs(store.jobs, { state, loadedDownTo });
  return (
    <>
      <h1 tabIndex={-1} className="visually-hidden">{t('list.title')}</h1>
      <form className="submit" onSubmit={submit}>
        <div className="field grow">
          <label htmlFor={ids.url}>{t('submit.url')}</label>
          <input
            id={ids.url}
            name="url"
            type="url"
            inputMode="url"
            required
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://…"
            aria-describedby={`${ids.url}-hint`}
          />
          <span id={`${ids.url}-hint`} className="hint">{t('submit.urlHint')}</span>
        </div>
        <div className="field">
          <label htmlFor={ids.format}>{t('submit.format')}</label>
          <select id={ids.format} name="format" defaultValue="best">
            {JOB_FORMATS.map((f) => (
              <option key={f} value={f}>{t(`format.${f}`)}</option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={busy}>{t('submit.go')}</button>
      </form>
      {error && <p className="error-text" role="alert">{error}</p>}

      <div className="list-tools">
        <div className="field inline">
          <label htmlFor={ids.filter}>{t('list.filter')}</label>
          <select id={ids.filter} value={state ?? ''} onChange={(e) => store.setFilter((e.target.value || undefined) as JobState | undefined)}>
            <option value="">{t('list.all')}</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>{t(`state.${s}`)}</option>
            ))}
          </select>
        </div>
      </div>

      <ul className="jobs" aria-label={t('list.title')}>
        {jobs.map((job) => (
          <JobCard key={job.id} job={job} onError={setError} />
        ))}
      </ul>
      {loaded && jobs.length === 0 && <p className="muted">{state ? t('list.emptyFiltered') : t('list.empty')}</p>}
      <div ref={sentinel} className="sentinel">
        {cursor ? (
          <button type="button" onClick={store.loadMore} disabled={loading}>{loading ? t('list.loading') : t('list.more')}</button>
        ) : (
          loaded && jobs.length > 0 && <p className="muted">{t('list.end')}</p>
        )}
      </div>
    </>
  );
}
