// The server's sentences in the reader's language: a job's message from its `messageKey` and
// `messageParams`, an error from its `code` and `params`, an API failure from its `code`. Whatever
// the catalogue does not know (an older job, a newer key, a missing value) shows as the server
// wrote it, in English. Pure, so jest can check it.
import type { CollectionChildren, JobError, JobSnapshot } from '@server/jobs/job.types';
import type { Lang } from './i18n';
import { serverEn, type ServerMessageKey, serverZhCN } from './server-messages';

type Params = Record<string, string | number>;

const catalogues: Record<Lang, Record<ServerMessageKey, string>> = { en: serverEn, 'zh-CN': serverZhCN };

const isKey = (key: string): key is ServerMessageKey => Object.prototype.hasOwnProperty.call(serverEn, key);

/** The template filled in, or null when it needs a value that is not there. */
function fill(lang: Lang, key: ServerMessageKey, values: Params): string | null {
  let missing = false;
  const text = catalogues[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (name in values) return String(values[name]);
    missing = true;
    return whole;
  });
  return missing ? null : text;
}

const videos = (lang: Lang, count: number) => fill(lang, count === 1 ? 'collection.videos.one' : 'collection.videos.other', { count })!;

const CHILD_PARTS = ['completed', 'running', 'queued', 'failed', 'cancelled'] as const;

/** "3 videos: 1 ready, 2 running" from the counts; null when they are not all there. */
function childrenText(lang: Lang, p: Params): string | null {
  const counts = p as Partial<Record<keyof CollectionChildren, number>>;
  if (typeof counts.total !== 'number' || CHILD_PARTS.some((part) => typeof counts[part] !== 'number')) return null;
  const parts = CHILD_PARTS.filter((part) => counts[part]! > 0).map((part) => fill(lang, `collection.part.${part}`, { count: counts[part]! })!);
  const all = videos(lang, counts.total);
  return parts.length ? fill(lang, 'collection.summary', { videos: all, parts: parts.join(catalogues[lang]['collection.partsJoin']) }) : all;
}

/** The values a template needs that the server sends in another shape (plurals, lists). */
function derived(lang: Lang, key: ServerMessageKey, p: Params): Params {
  if (key === 'error.download_failed.collection' && typeof p.total === 'number') return { ...p, videos: videos(lang, p.total) };
  if (key === 'job.transcode_video' && typeof p.renditions === 'string') {
    const copied = new Set(String(p.copied ?? '').split(', '));
    const list = p.renditions.split(', ').map((height) => (copied.has(height) ? fill(lang, 'job.copied', { height })! : height));
    return { ...p, renditions: list.join(', ') };
  }
  return p;
}

/** The sentence of `key` with `params` in `lang`, or `fallback` (the server's own) when it cannot be made. */
export function serverText(lang: Lang, key: string | null | undefined, params: Params | null | undefined, fallback: string): string {
  if (!key || !isKey(key)) return fallback;
  const values = params ?? {};
  const text = key === 'collection.summary' ? childrenText(lang, values) : fill(lang, key, derived(lang, key, values));
  return text ?? fallback;
}

/**
 * A job error from its code and values (older jobs, or an error shown on its own). Its code's entry is
 * only the gist, so English keeps the server's own sentence.
 */
export function errorText(error: Pick<JobError, 'code' | 'message' | 'params'>, lang: Lang): string {
  if (lang === 'en') return error.message;
  return serverText(lang, `error.${error.code}`, error.params, error.message);
}

/** What a job says now — its progress, its result, or why it failed — in the reader's language. */
export function jobMessageText(job: Pick<JobSnapshot, 'message' | 'messageKey' | 'messageParams' | 'error'>, lang: Lang): string {
  const fallback = job.error ? errorText(job.error, lang) : job.message;
  return serverText(lang, job.messageKey, job.messageParams, fallback);
}

/**
 * An API failure for people: in English the server's own sentence (it has the exact numbers), in other
 * languages its `code`'s entry, else that sentence. `unreachable` when no answer came at all.
 */
export function apiErrorText(err: unknown, lang: Lang, unreachable: string): string {
  const failure = err instanceof Error && 'status' in err && 'code' in err ? (err as Error & { status: number; code: string }) : null;
  if (!failure || !failure.status || typeof failure.code !== 'string') return unreachable;
  if (lang === 'en') return failure.message;
  return serverText(lang, `api.${failure.code}`, null, failure.message);
}
