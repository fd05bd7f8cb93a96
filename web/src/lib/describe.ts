// What a card says about a job beyond its stage label: bytes, speed, ETA, length and size.
import type { JobSnapshot } from '@server/jobs/job.types';
import { formatBytes, formatDuration, formatEta, formatSpeed } from './format';
import { type Lang, translate } from './i18n';

/** While downloading: "1.2 MB of 4.5 MB · 400 kB/s · 8 s left"; with no known size, bytes and speed. */
export function downloadFacts(job: JobSnapshot, lang: Lang): string[] {
  const p = job.progress;
  if (job.state !== 'downloading') return [];
  const facts: string[] = [];
  if (p.downloadedBytes !== null && p.downloadedBytes > 0) {
    const done = formatBytes(p.downloadedBytes, lang);
    facts.push(p.totalBytes ? translate(lang, 'job.of', { done, total: formatBytes(p.totalBytes, lang) }) : done);
  }
  if (p.speedBps) facts.push(formatSpeed(p.speedBps, lang));
  if (p.totalBytes && p.etaSeconds !== null && p.etaSeconds >= 0) facts.push(formatEta(p.etaSeconds, lang));
  return facts;
}

/** Length and size once known. */
export function mediaFacts(job: JobSnapshot, lang: Lang): string[] {
  const facts: string[] = [];
  const duration = job.result?.durationSec ?? job.durationSec;
  if (duration) facts.push(translate(lang, 'job.duration', { duration: formatDuration(duration) }));
  const size = job.result?.sizeBytes ?? (job.state !== 'downloading' ? job.progress.totalBytes : null);
  if (size) facts.push(translate(lang, 'job.size', { size: formatBytes(size, lang) }));
  return facts;
}

/** The size is unknown while downloading: the bar cannot say how far, so it must not sit at 0 %. */
export function isIndeterminate(job: JobSnapshot): boolean {
  return job.state === 'downloading' && !job.progress.totalBytes && job.progress.stagePercent === 0;
}

export function displayTitle(job: JobSnapshot): string {
  return job.title ?? job.url;
}

/** The site's thumbnail as soon as the probe knows it; our own poster once ready. */
export function pictureOf(job: JobSnapshot): string | null {
  return job.result?.posterUrl ?? job.thumbnailUrl ?? null;
}
