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

/** The values a template needs that the server sends in another shape (plurals, lists, a field's name). */
function derived(lang: Lang, key: ServerMessageKey, p: Params): Params {
  if (key.startsWith('api.invalid_request.') && typeof p.field === 'string') {
    const label = `field.${p.field}`;
    return { ...p, field: isKey(label) ? catalogues[lang][label] : p.field };
  }
  if (key === 'error.download_failed.collection' && typeof p.total === 'number') return { ...p, videos: videos(lang, p.total) };
  if (key === 'job.transcode_video' && typeof p.renditions === 'string') {
    const copied = new Set(String(p.copied ?? '').split(', '));
    const list = p.renditions.split(', ').map((height) => (copied.has(height) ? fill(lang, 'job.copied', { height })! : height));
    return { ...p, renditions: list.join(', ') };
  }
  return p;
}

/** The sentence of `key` with `params` in `lang`, or null when the catalogue lacks the key or a value. */
function textOf(lang: Lang, key: string | null | undefined, params: Params | null | undefined): string | null {
  if (!key || !isKey(key)) return null;
  const values = params ?? {};
  return key === 'collection.summary' ? childrenText(lang, values) : fill(lang, key, derived(lang, key, values));
}

/** The sentence of `key` with `params` in `lang`, or `fallback` (the server's own) when it cannot be made. */
export function serverText(lang: Lang, key: string | null | undefined, params: Params | null | undefined, fallback: string): string {
  return textOf(lang, key, params) ?? fallback;
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
 * The catalogue's keys for an API error, most precise first: `params.problem` picks one of its code's
 * sentences (and `params.origin` its measure: characters, items, a number), else the code's own.
 */
function apiErrorKeys(code: string, params: Params): string[] {
  const problem = typeof params.problem === 'string' ? params.problem : null;
  const origin = typeof params.origin === 'string' ? params.origin : null;
  // `.exact`: the sentence with the refusal's numbers, where the answer carries them.
  return [problem && origin && `api.${code}.${problem}.${origin}`, problem && `api.${code}.${problem}`, `api.${code}.exact`, `api.${code}`].filter((k): k is string => !!k);
}

/**
 * An API failure for people: in English the server's own sentence (it has the exact numbers), in other
 * languages the catalogue's sentence for its `code` and `params`, else that sentence. `unreachable`
 * when no answer came at all.
 */
export function apiErrorText(err: unknown, lang: Lang, unreachable: string): string {
  type Failure = Error & { status: number; code: string; params?: Params };
  const failure = err instanceof Error && 'status' in err && 'code' in err ? (err as Failure) : null;
  if (!failure || !failure.status || typeof failure.code !== 'string') return unreachable;
  if (lang === 'en') return failure.message;
  const params: Params = { status: failure.status, ...(failure.params ?? {}) };
  for (const key of apiErrorKeys(failure.code, params)) {
    const text = textOf(lang, key, params);
    if (text !== null) return text;
  }
  return failure.message;
}
