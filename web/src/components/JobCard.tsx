// One job in the list: picture, title (the link until probed), stage, live bar, facts, message, actions.
// A collection shows its children's counts instead, and expands into its children.
import { useId, useState } from 'react';
import type { JobSnapshot } from '@server/jobs/job.types';
import { useI18n } from '../i18n';
import { displayTitle, downloadFacts, mediaFacts, pictureOf } from '../lib/describe';
import { pathOf } from '../lib/routes';
import { jobMessageText } from '../lib/server-text';
import { Link } from '../router';
import { ChildCounts, ChildrenList } from './CollectionChildren';
import { JobActions } from './JobActions';
import { ProgressBar } from './ProgressBar';

export function JobCard({ job, onError }: { job: JobSnapshot; onError(message: string): void }) {
  const { t, lang } = useI18n();
  const titleId = useId();
  const childrenId = useId();
  const [open, setOpen] = useState(false);
  const picture = pictureOf(job);
  const isCollection = job.kind === 'collection';
  const facts = isCollection ? [] : [...downloadFacts(job, lang), ...mediaFacts(job, lang)];
  const message = jobMessageText(job, lang);
  return (
    <li className={`card state-${job.state}${isCollection ? ' collection' : ''}`} data-testid="job" data-state={job.state} data-id={job.id} data-kind={job.kind}>
      <Link to={pathOf.job(job.id)} className="thumb" tabIndex={-1} aria-hidden="true">
        {picture ? <img src={picture} alt="" loading="lazy" referrerPolicy="no-referrer" /> : null}
      </Link>
      <div className="card-body">
        <h3 className="title" id={titleId}>
          <Link to={pathOf.job(job.id)}>{displayTitle(job)}</Link>
        </h3>
        <p className="meta">
          {isCollection && <span className="badge">{t('collection.label')}</span>}
          <span className={`stage stage-${job.state}`} data-testid="stage">{t(`state.${job.state}`)}</span>
          {isCollection && <ChildCounts counts={job.children} />}
          {facts.map((f) => (
            <span key={f} className="fact">{f}</span>
          ))}
        </p>
        <ProgressBar job={job} />
        {message && <p className={job.error ? 'message error-text' : 'message'} data-testid="message">{message}</p>}
      </div>
      <JobActions job={job} onError={onError} describedBy={titleId} />
      {isCollection && (
        <div className="children-box">
          <button type="button" className="disclosure" aria-expanded={open} aria-controls={childrenId} onClick={() => setOpen(!open)} aria-describedby={titleId}>
            {open ? '▾ ' : '▸ '}{t(open ? 'collection.hide' : 'collection.show')}
          </button>
          <div id={childrenId}>{open && <ChildrenList parent={job} />}</div>
        </div>
      )}
    </li>
  );
}
