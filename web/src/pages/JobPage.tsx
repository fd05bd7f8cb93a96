// `/jobs/:id`: the player, poster, details, a timeline of stages and the actions, for one job;
// for a collection, its children instead of a player.
// Nothing of the job shows until the server has said it is yours (no flash for anyone else).
import { lazy, Suspense, useEffect, useState } from 'react';
import type { JobSnapshot } from '@server/jobs/job.types';
import { api, ApiFailure } from '../api';
import { ChildCounts, ChildrenList } from '../components/CollectionChildren';
import { JobActions } from '../components/JobActions';
import { ProgressBar } from '../components/ProgressBar';
import { useI18n } from '../i18n';
import { useJobsStore } from '../jobs-store';
import { displayTitle, downloadFacts, pictureOf } from '../lib/describe';
import { formatBytes, formatDuration, formatMoment } from '../lib/format';
import { pathOf } from '../lib/routes';
import { jobMessageText } from '../lib/server-text';
import { timeline } from '../lib/timeline';
import { Link, navigate } from '../router';

const STEP_WORDS = { done: 'job.stageNotSeen', pending: 'job.stagePending', skipped: 'job.stageSkipped' } as const;

const Player = lazy(() => import('../components/Player').then((m) => ({ default: m.Player })));

export function JobPage({ id }: { id: string }) {
  const { t } = useI18n();
  const store = useJobsStore();
  const job = store.jobs.get(id);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setMissing(false);
    let live = true;
    // Fetched even when the list has it: a deep link may be older than the first page.
    api.job(id).then(
      (fresh) => live && store.merge([fresh]),
      (err) => live && err instanceof ApiFailure && err.status === 404 && setMissing(true),
    );
    return () => {
      live = false;
    };
  }, [id, store.merge]);

  if (!job) {
    return (
      <>
        <p><Link to={pathOf.list()}>← {t('job.back')}</Link></p>
        <h1 tabIndex={-1} data-testid="job-missing">{missing ? t('job.notFound') : t('job.loading')}</h1>
      </>
    );
  }
  return <JobView job={job} error={error} setError={setError} />;
}

function JobView({ job, error, setError }: { job: JobSnapshot; error: string | null; setError(e: string): void }) {
  const { t, lang } = useI18n();
  const store = useJobsStore();
  const duration = job.result?.durationSec ?? job.durationSec;
  const poster = pictureOf(job);
  const rows = timeline(job, store.seen(job.id));
  const message = jobMessageText(job, lang);
  return (
    <article className={`job-page state-${job.state}`} data-testid="job-page" data-state={job.state}>
      <p><Link to={pathOf.list()}>← {t('job.back')}</Link></p>
      <h1 tabIndex={-1} className="job-title">{displayTitle(job)}</h1>
      {job.kind === 'collection' ? (
        <section aria-labelledby="children-h" className="panel">
          <h2 id="children-h">{t('collection.children')}</h2>
          <ChildrenList parent={job} />
        </section>
      ) : job.result || (job.state === 'transcoding' && job.preview) ? (
        // One player for the preview and then the final playlist: it goes on where it was.
        <Suspense fallback={<div className="player" />}>
          <Player
            src={job.result ? job.result.playlistUrl : job.preview!.playlistUrl}
            poster={job.result?.posterUrl ?? null}
            subtitles={job.result?.subtitles ?? []}
            growing={!job.result}
          />
          {!job.result && <p className="note" data-testid="preview-note">{t('player.preview')}</p>}
        </Suspense>
      ) : (
        poster && <img className="poster" src={poster} alt="" referrerPolicy="no-referrer" />
      )}
      <div className="job-status">
        <p className="meta">
          <span className={`stage stage-${job.state}`} data-testid="stage">{t(`state.${job.state}`)}</span>
          {job.kind === 'collection' && <ChildCounts counts={job.children} />}
          {downloadFacts(job, lang).map((f) => <span key={f} className="fact">{f}</span>)}
          {job.attempt > 1 && <span className="fact">{t('job.attempt', { n: job.attempt })}</span>}
        </p>
        <ProgressBar job={job} />
        {message && (
          <p className={job.error ? 'message error-text' : 'message'}>{message}</p>
        )}
        <JobActions job={job} onError={setError} onDeleted={() => navigate(pathOf.list(), { replace: true })} />
        {error && <p className="error-text" role="alert">{error}</p>}
      </div>

      <div className="columns">
        <section aria-labelledby="details-h">
          <h2 id="details-h">{t('job.details')}</h2>
          <dl className="details">
            <dt>{t('job.source')}</dt>
            <dd><a href={job.url} rel="noreferrer noopener" target="_blank" className="break">{job.url}</a></dd>
            <dt>{t('job.format')}</dt>
            <dd>{t(`format.${job.format}`)}</dd>
            {duration ? (<><dt>{t('job.duration', { duration: '' }).trim()}</dt><dd>{formatDuration(duration)}</dd></>) : null}
            {job.result ? (<><dt>{t('job.size', { size: '' }).trim()}</dt><dd>{formatBytes(job.result.sizeBytes, lang)}</dd></>) : null}
            {job.result && job.result.renditions.length > 0 && (
              <>
                <dt>{t('job.renditions')}</dt>
                <dd>{job.result.renditions.map((r) => (r.height ? `${r.height}p` : t('player.audio'))).join(', ')}</dd>
              </>
            )}
            {job.result && (<><dt>{t('job.video')}</dt><dd>{job.result.videoCopied ? t('job.copied') : t('job.encoded')}</dd></>)}
            <dt>{t('job.created')}</dt>
            <dd>{formatMoment(job.createdAt, lang)}</dd>
          </dl>
        </section>
        <section aria-labelledby="stages-h">
          <h2 id="stages-h">{t('job.stages')}</h2>
          <ol className="timeline" data-testid="timeline">
            {rows.map((r) => (
              <li key={r.state} className={`step step-${r.status}`} data-status={r.status}>
                <span className="step-name">{t(`state.${r.state}`)}</span>
                <span className="step-time">
                  {r.at ? t('job.stageSeen', { time: formatMoment(r.at, lang) }) : r.status === 'current' ? '…' : t(STEP_WORDS[r.status])}
                </span>
              </li>
            ))}
          </ol>
          <p className="hint">{t('job.stagesNote')}</p>
        </section>
      </div>
    </article>
  );
}
