// A collection's children, in playlist order, paged from `?parentId=` and kept live by the store
// (their socket events reach the user room). Each child is a small card linking to its own page.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CollectionChildren as Counts, JobSnapshot } from '@server/jobs/job.types';
import { api } from '../api';
import { useI18n } from '../i18n';
import { useJobsStore } from '../jobs-store';
import { addChildPage, childrenInView, emptyChildList } from '../lib/collections';
import { displayTitle } from '../lib/describe';
import { pathOf } from '../lib/routes';
import { jobMessageText } from '../lib/server-text';
import { Link } from '../router';
import { ProgressBar } from './ProgressBar';

const PAGE_SIZE = 50;

/** "2 of 3 ready · 1 running …": only the counts that are not zero, besides the first. */
export function ChildCounts({ counts }: { counts: Counts | undefined }) {
  const { t } = useI18n();
  if (!counts) return null;
  const rest = (['running', 'queued', 'failed', 'cancelled'] as const).filter((k) => counts[k] > 0);
  return (
    <span className="counts" data-testid="counts" data-completed={counts.completed} data-total={counts.total}>
      <span>{t('collection.counts', { completed: counts.completed, total: counts.total })}</span>
      {rest.map((k) => <span key={k}>{t(`collection.${k}`, { n: counts[k] })}</span>)}
    </span>
  );
}

export function ChildrenList({ parent }: { parent: JobSnapshot }) {
  const { t } = useI18n();
  const store = useJobsStore();
  const [list, setList] = useState(emptyChildList);
  const [error, setError] = useState<string | null>(null);
  const loading = useRef(false);

  const load = useCallback(
    async (cursor?: string) => {
      if (loading.current) return;
      loading.current = true;
      try {
        const page = await api.jobs({ parentId: parent.id, limit: PAGE_SIZE, cursor });
        store.merge(page.items);
        setList((l) => addChildPage(cursor ? l : emptyChildList(), page));
        setError(null);
      } catch {
        setError(t('error.unreachable'));
      } finally {
        loading.current = false;
      }
    },
    [parent.id, store.merge, t],
  );
  // Again when the collection is retried (a new attempt) or after a reconnect brings a new snapshot of it.
  useEffect(() => void load(), [load, parent.attempt]);

  const children = childrenInView(list, store.jobs, parent.id);
  return (
    <>
      <ol className="children" aria-label={t('collection.children')} data-testid="children">
        {children.map((child) => <ChildCard key={child.id} job={child} />)}
      </ol>
      {list.loaded && children.length === 0 && <p className="muted">{t('collection.noChildren')}</p>}
      {list.cursor && (
        <button type="button" onClick={() => void load(list.cursor!)}>{t('list.more')}</button>
      )}
      {error && <p className="error-text" role="alert">{error}</p>}
    </>
  );
}

function ChildCard({ job }: { job: JobSnapshot }) {
  const { t, lang } = useI18n();
  const message = jobMessageText(job, lang);
  return (
    <li className={`child state-${job.state}`} data-testid="child" data-state={job.state} data-id={job.id} data-seq={job.seq}>
      <h4 className="title"><Link to={pathOf.job(job.id)}>{displayTitle(job)}</Link></h4>
      <p className="meta">
        <span className={`stage stage-${job.state}`}>{t(`state.${job.state}`)}</span>
      </p>
      <ProgressBar job={job} />
      {message && <p className={job.error ? 'message error-text' : 'message'}>{message}</p>}
    </li>
  );
}
