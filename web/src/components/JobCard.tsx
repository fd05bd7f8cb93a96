// One job in the list: picture, title (the link until probed), stage, live bar, facts, message, actions.
import { useId } from 'react';
import type { JobSnapshot } from '@server/jobs/job.types';
import { useI18n } from '../i18n';
import { displayTitle, downloadFacts, mediaFacts, pictureOf } from '../lib/describe';
import { pathOf } from '../lib/routes';
import { Link } from '../router';
import { JobActions } from './JobActions';
import { ProgressBar } from './ProgressBar';

export function JobCard({ job, onError }: { job: JobSnapshot; onError(message: string): void }) {
  const { t, lang } = useI18n();
  const titleId = useId();
  const picture = pictureOf(job);
  const facts = [...downloadFacts(job, lang), ...mediaFacts(job, lang)];
  const message = job.error?.message ?? job.message;
  return (
    <li className={`card state-${job.state}`} data-testid="job" data-state={job.state} data-id={job.id}>
      <Link to={pathOf.job(job.id)} className="thumb" tabIndex={-1} aria-hidden="true">
        {picture ? <img src={picture} alt="" loading="lazy" referrerPolicy="no-referrer" /> : null}
      </Link>
      <div className="card-body">
        <h3 className="title" id={titleId}>
          <Link to={pathOf.job(job.id)}>{displayTitle(job)}</Link>
        </h3>
        <p className="meta">
          <span className={`stage stage-${job.state}`} data-testid="stage">{t(`state.${job.state}`)}</span>
          {facts.map((f) => (
            <span key={f} className="fact">{f}</span>
          ))}
        </p>
        <ProgressBar job={job} />
        {message && <p className={job.error ? 'message error-text' : 'message'} data-testid="message">{message}</p>}
      </div>
      <JobActions job={job} onError={onError} describedBy={titleId} />
    </li>
  );
}
