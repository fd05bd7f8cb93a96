// The job's whole progress as an ARIA progressbar whose fill glides (CSS transition) between events.
import type { JobSnapshot } from '@server/jobs/job.types';
import { useI18n } from '../i18n';
import { downloadFacts, isIndeterminate } from '../lib/describe';
import { formatPercent } from '../lib/format';

export function ProgressBar({ job }: { job: JobSnapshot }) {
  const { t, lang } = useI18n();
  const stage = t(`state.${job.state}`);
  if (isIndeterminate(job)) {
    // Size unknown: say what has arrived instead of a frozen 0 %.
    return (
      <div className="bar indeterminate" role="progressbar" aria-label={t('job.progress')} aria-valuetext={[stage, ...downloadFacts(job, lang)].join(' · ')}>
        <div />
      </div>
    );
  }
  const percent = Math.round(job.progress.percent * 10) / 10;
  return (
    <div
      className="bar"
      role="progressbar"
      aria-label={t('job.progress')}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`${formatPercent(percent, lang)} · ${stage}`}
    >
      <div style={{ width: `${percent}%` }} />
    </div>
  );
}
