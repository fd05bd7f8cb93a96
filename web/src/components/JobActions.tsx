// Cancel while running, Retry once failed or cancelled (a collection: once final), Download when
// the file exists (a plain link: the session cookie is enough), Delete after a confirmation dialog.
import { useState } from 'react';
import { isFinalState, type JobSnapshot } from '@server/jobs/job.types';
import { api } from '../api';
import { apiErrorText } from '../lib/server-text';
import { useI18n } from '../i18n';
import { useJobsStore } from '../jobs-store';
import { offersRetry } from '../lib/collections';
import { displayTitle } from '../lib/describe';
import { ConfirmDialog } from './ConfirmDialog';

export function JobActions({ job, onError, onDeleted, describedBy }: {
  job: JobSnapshot;
  onError(message: string): void;
  onDeleted?(): void;
  describedBy?: string;
}) {
  const { t, lang } = useI18n();
  const { merge, forget } = useJobsStore();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
    } catch (err) {
      onError(apiErrorText(err, lang, t('error.unreachable')));
    } finally {
      setBusy(false);
    }
  };
  const cancel = () => run(async () => merge([await api.cancel(job.id)]));
  const retry = () => run(async () => merge([await api.retry(job.id)]));
  const remove = () => {
    setConfirming(false);
    void run(async () => {
      await api.remove(job.id);
      forget(job.id);
      onDeleted?.();
    });
  };

  return (
    <div className="actions">
      {!isFinalState(job.state) && (
        <button type="button" onClick={cancel} disabled={busy} aria-describedby={describedBy}>
          {t('job.cancel')}
        </button>
      )}
      {offersRetry(job) && (
        <button type="button" onClick={retry} disabled={busy} aria-describedby={describedBy}>
          {t('job.retry')}
        </button>
      )}
      {job.state === 'completed' && job.result?.fileUrl && (
        <a className="button" href={job.result.fileUrl} download aria-describedby={describedBy} data-testid="download">
          {t('job.download')}
        </a>
      )}
      <button type="button" className="danger-outline" onClick={() => setConfirming(true)} disabled={busy} aria-describedby={describedBy}>
        {t('job.delete')}
      </button>
      <ConfirmDialog open={confirming} title={t('confirm.deleteTitle')} confirmLabel={t('job.delete')} danger onConfirm={remove} onClose={() => setConfirming(false)}>
        <p>{t('confirm.deleteBody', { title: displayTitle(job) })}</p>
      </ConfirmDialog>
    </div>
  );
}
