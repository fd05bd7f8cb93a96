import { API_ERROR_CODES } from '@server/http/api-error-codes';
import { ENGLISH, failure, say, type SentenceKey } from '@server/jobs/job-messages';
import { newJob, toCollection, toFailed } from '@server/jobs/job-lifecycle';
import type { JobSnapshot } from '@server/jobs/job.types';
import { serverEn, serverZhCN } from './server-messages';
import { apiErrorText, errorText, jobMessageText, serverText } from './server-text';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const hasHan = (text: string) => /\p{Script=Han}/u.test(text);

// Values for every key that takes some, as the server sends them.
const SAMPLES: Partial<Record<SentenceKey, Record<string, string | number>>> = {
  'job.rate_wait': { max: 4 },
  'job.downloading_height': { height: 720 },
  'job.downloading_files': { fileNumber: 1, fileCount: 2 },
  'job.downloading_height_files': { height: 720, fileNumber: 2, fileCount: 2 },
  'job.restart': { try: 2 },
  'job.restart_part': { part: 3, try: 2 },
  'job.restart_part_of': { part: 3, parts: 5, try: 2 },
  'job.transcode_video': { renditions: '720p, 360p', copied: '720p' },
  'job.ready_no_subtitles': { subtitles: 'de (HTTP Error 404: Not Found)' },
  'job.ready_no_subtitles_no_file': { subtitles: 'de (HTTP Error 404: Not Found)' },
  'collection.listing': { listed: 50, total: 150 },
  'collection.summary': { total: 3, queued: 1, running: 1, completed: 1, failed: 0, cancelled: 0 },
  'error.private_address': { host: '10.0.0.1' },
  'error.unsupported_url.refused_host': { host: 'example.com', reason: 'not an allowed port' },
  'error.http_answer.link': { answer: '404 Not Found' },
  'error.http_answer.file': { answer: '403 Forbidden' },
  'error.download_failed': { reason: 'The downloaded file is empty.' },
  'error.download_failed.exit': { exitCode: 1 },
  'error.download_failed.collection': { total: 1 },
  'error.transcode_failed': { reason: 'Invalid data found when processing input' },
  'error.too_large.bytes': { max: '100 KB' },
  'error.too_large.duration': { length: '1 h 2 min', max: '1 h 0 min' },
  'error.too_large.duration_unknown': { max: '10 min' },
  'error.internal_error': { reason: 'yt-dlp rejected its arguments: no such option.' },
  'error.internal_error.server': { reason: 'ENOENT' },
  'error.internal_error.not_queued': { reason: 'Connection is closed.' },
  'error.internal_error.not_finished': { reason: 'lock lost' },
  'error.internal_error.workers_died': { count: 4 },
  'error.login_required': { reason: 'Private video' },
  'error.login_required.cookies_used': { reason: 'Private video' },
  'error.unavailable': { reason: 'Video unavailable' },
  'error.rate_limited': { reason: 'Too many requests' },
  'error.rate_limited.http_link': { answer: '429 Too Many Requests' },
  'error.rate_limited.http_file': { answer: '429 Too Many Requests' },
  'error.stalled.download': { idle: '30 s' },
  'error.stalled.transcode': { idle: '30 s' },
  'error.disk_full': { free: '90 MB', floor: '1 GB' },
  'error.storage_full': { used: '2 GB', max: '2 GB' },
  'subscription.over_quota': { used: '2 GB', max: '2 GB' },
  'subscription.check_failed': { reason: 'Connection is closed.' },
  'webhook.not_sent.invalid_url': { reason: 'The link has no host name.' },
  'webhook.not_sent.port': { port: 25 },
  'webhook.not_sent.local_host': { host: 'hooks.localhost' },
  'webhook.not_sent.private_address': { host: 'hooks.example', address: '10.0.0.7' },
  'webhook.no_answer.dns': { host: 'hooks.example' },
  'webhook.no_answer.timeout': { seconds: 10 },
  'webhook.no_answer.refused': { reason: 'connect ECONNREFUSED 127.0.0.1:9' },
  'webhook.no_answer.closed': { reason: 'socket hang up' },
  'webhook.no_answer.no_route': { reason: 'connect EHOSTUNREACH 192.0.2.1:443' },
  'webhook.no_answer.certificate': { reason: 'self-signed certificate' },
  'webhook.no_answer.other': { reason: 'write EPROTO' },
  'ytdlp.stale.managed': { version: '2023.03.04', days: 1372 },
  'ytdlp.stale.managed_manual': { version: '2023.03.04', days: 1372 },
  'ytdlp.stale.system': { version: '2023.03.04', days: 1372 },
};
const KEYS = Object.keys(ENGLISH) as SentenceKey[];
const said = (key: SentenceKey) => (say as (k: SentenceKey, p?: object) => ReturnType<typeof say>)(key, SAMPLES[key]);

describe('the catalogue of server sentences', () => {
  it('knows every key the server sends, with the same keys and placeholders in English and Chinese', () => {
    for (const key of KEYS) expect([key, key in serverEn]).toEqual([key, true]);
    expect(Object.keys(serverZhCN).sort()).toEqual(Object.keys(serverEn).sort());
    for (const key of Object.keys(serverEn) as (keyof typeof serverEn)[]) {
      expect([key, placeholders(serverZhCN[key])]).toEqual([key, placeholders(serverEn[key])]);
    }
  });

  it('renders every key in English exactly as the server wrote it', () => {
    for (const key of KEYS) {
      const { message, messageKey, messageParams } = said(key);
      expect([key, serverText('en', messageKey, messageParams, '(fallback)')]).toEqual([key, message]);
    }
  });

  it('renders every key in Chinese, with no English left but the values and names', () => {
    for (const key of KEYS) {
      const { message, messageKey, messageParams } = said(key);
      const text = serverText('zh-CN', messageKey, messageParams, message);
      expect([key, text !== message && hasHan(text)]).toEqual([key, true]);
    }
  });

  it('counts a collection\'s children in each language, only the parts that are not zero', () => {
    const one = { total: 1, queued: 0, running: 0, completed: 1, failed: 0, cancelled: 0 };
    expect(serverText('en', 'collection.summary', one, '')).toBe('1 video: 1 ready');
    expect(serverText('zh-CN', 'collection.summary', { ...one, total: 3, completed: 2, failed: 1 }, '')).toBe('3 个视频：2 个就绪，1 个失败');
    expect(serverText('zh-CN', 'collection.summary', { ...one, completed: 0 }, '')).toBe('1 个视频');
  });

  it('marks copied renditions and quotes the site in its own words', () => {
    expect(serverText('zh-CN', 'job.transcode_video', { renditions: '720p, 360p', copied: '720p' }, '')).toBe('正在转换为流媒体格式：720p（直接复制）, 360p');
    expect(serverText('zh-CN', 'error.unavailable', { reason: 'Video unavailable' }, '')).toBe('网站说这个视频无法观看（网站说：“Video unavailable”）。');
  });

  it('falls back to the server\'s sentence for an unknown key, a missing value, or no key at all', () => {
    expect(serverText('zh-CN', 'job.someday', {}, 'Something new')).toBe('Something new');
    expect(serverText('zh-CN', 'job.rate_wait', {}, 'Waiting: …')).toBe('Waiting: …');
    expect(serverText('zh-CN', null, null, 'An old sentence')).toBe('An old sentence');
    expect(serverText('zh-CN', 'collection.summary', { total: 3 }, '3 videos')).toBe('3 videos');
  });
});

describe('jobMessageText', () => {
  const now = new Date('2026-12-04T12:00:00Z');
  const job = newJob({ id: 'j1', ownerId: 'u1', url: 'https://example.com/v', format: 'best' }, now);

  it('says a job\'s message, its collection summary and why it failed in the reader\'s language', () => {
    expect(jobMessageText(job, 'zh-CN')).toBe('正在等待空闲的下载器');
    expect(jobMessageText(job, 'en')).toBe('Waiting for a free downloader');
    expect(jobMessageText(toCollection(job, { title: null, thumbnailUrl: null }, 3), 'zh-CN')).toBe('3 个视频：3 个等待中');
    const failed = toFailed(job, failure('source_not_found', 'error.http_answer.link', { answer: '404 Not Found' }), now);
    expect(failed.error).toEqual({ code: 'source_not_found', message: 'The server answered 404 Not Found for this link.', params: { answer: '404 Not Found' } });
    expect(jobMessageText(failed, 'zh-CN')).toBe('服务器对这个链接的回应是 404 Not Found。');
    expect(jobMessageText(failed, 'en')).toBe('The server answered 404 Not Found for this link.');
  });

  it('shows an older job (no key) by its error code in Chinese, and as it was in English', () => {
    const old: JobSnapshot = { ...job, state: 'failed', message: 'This is not a valid link.', messageKey: undefined, error: { code: 'invalid_url', message: 'This is not a valid link.' } };
    expect(jobMessageText(old, 'zh-CN')).toBe('这不是一个有效的链接。');
    expect(jobMessageText(old, 'en')).toBe('This is not a valid link.');
    expect(jobMessageText({ ...old, error: undefined, message: 'Ready' }, 'zh-CN')).toBe('Ready');
    expect(errorText({ code: 'internal_error', message: 'Boom.' }, 'zh-CN')).toBe('Boom.'); // its entry needs a reason
  });
});

describe('apiErrorText', () => {
  const failure = (status: number, code: string, message: string) => Object.assign(new Error(message), { status, code });

  it('says a known code in Chinese and keeps the server\'s exact sentence in English', () => {
    const tooMany = failure(429, 'too_many_jobs', 'You already have 2 jobs queued or running; wait for one to finish.');
    expect(apiErrorText(tooMany, 'zh-CN', '无法连接到服务器。')).toBe(serverZhCN['api.too_many_jobs']);
    expect(apiErrorText(tooMany, 'en', 'The server could not be reached.')).toBe(tooMany.message);
  });

  it('says a refusal with its numbers where the answer carries them, and the gist where it does not', () => {
    const withParams = (status: number, code: string, params: Record<string, string | number>) => Object.assign(failure(status, code, 'English'), { params });
    expect(apiErrorText(withParams(429, 'too_many_jobs', { max: 3 }), 'zh-CN', 'x')).toBe('你已有 3 个任务在排队或进行中；请等一个任务完成。');
    expect(apiErrorText(withParams(429, 'too_many_attempts', { minutes: 15 }), 'zh-CN', 'x')).toBe('登录失败次数太多；请 15 分钟后再试。');
    expect(apiErrorText(withParams(413, 'storage_full', { used: '1.0 GB', max: '1.0 GB' }), 'zh-CN', 'x')).toBe('你的视频已占用 1.0 GB（上限 1.0 GB）；请删除一些视频腾出空间。');
    expect(apiErrorText(failure(429, 'too_many_jobs', 'English'), 'zh-CN', 'x')).toBe(serverZhCN['api.too_many_jobs']);
    // Every exact sentence has the same values in both languages.
    for (const key of Object.keys(serverEn).filter((k) => k.endsWith('.exact'))) {
      expect([key, placeholders(serverZhCN[key as keyof typeof serverZhCN])]).toEqual([key, placeholders(serverEn[key as keyof typeof serverEn])]);
    }
  });

  it('has a sentence for every code the server sends', () => {
    for (const code of API_ERROR_CODES) expect([code, `api.${code}` in serverZhCN]).toEqual([code, true]);
  });

  it('says a field-validation error from its params: the field by its name in the form, and the limit', () => {
    const withParams = (message: string, params: Record<string, string | number>) => Object.assign(failure(400, 'invalid_request', message), { params });
    const short = withParams('password: the password must be at least 8 characters', { field: 'password', problem: 'too_small', minimum: 8, origin: 'string' });
    expect(apiErrorText(short, 'zh-CN', 'x')).toBe('密码至少需要 8 个字符。');
    expect(apiErrorText(short, 'en', 'x')).toBe(short.message);
    expect(apiErrorText(withParams('url is required', { field: 'url', problem: 'required' }), 'zh-CN', 'x')).toBe('请填写链接。');
    expect(apiErrorText(withParams('role must be admin or user', { field: 'role', problem: 'one_of', values: 'admin, user' }), 'zh-CN', 'x')).toBe('角色只能是以下之一：admin, user。');
    expect(apiErrorText(withParams('limit: Too big', { field: 'limit', problem: 'too_big', maximum: 100, origin: 'number' }), 'zh-CN', 'x')).toBe('数量不能大于 100。');
    // A field the catalogue does not name shows by its API name; a problem it does not know, as the code's gist.
    expect(apiErrorText(withParams('x.y: bad', { field: 'x.y', problem: 'format' }), 'zh-CN', 'x')).toBe('x.y的格式不对。');
    expect(apiErrorText(withParams('give at least one of password, role, disabled', { problem: 'invalid' }), 'zh-CN', 'x')).toBe(serverZhCN['api.invalid_request']);
    expect(apiErrorText(withParams('?', { problem: 'required' }), 'zh-CN', 'x')).toBe(serverZhCN['api.invalid_request']); // no field to name
  });

  it('says which of a code\'s sentences its params pick (yt-dlp not managed), and an unknown answer by its status', () => {
    const pathSet = Object.assign(failure(409, 'ytdlp_not_managed', 'There is no managed yt-dlp to update: …'), { params: { problem: 'path_set', workers: 2 } });
    expect(apiErrorText(pathSet, 'zh-CN', 'x')).toBe('没有可更新的托管 yt-dlp：正在运行的 2 个工作进程都不自行管理 yt-dlp（设置了 YTDLP_PATH）。请手动更新它们使用的 yt-dlp。');
    expect(apiErrorText(failure(502, 'http_error', 'The server answered 502.'), 'zh-CN', 'x')).toBe('服务器的回应是 502。');
  });

  it('falls back to the sentence for an unknown code, and says "unreachable" when no answer came', () => {
    expect(apiErrorText(failure(400, 'some_new_code', 'url is required'), 'zh-CN', 'x')).toBe('url is required');
    expect(apiErrorText(failure(0, 'network', 'Failed to fetch'), 'zh-CN', '无法连接到服务器。')).toBe('无法连接到服务器。');
    expect(apiErrorText(new TypeError('Failed to fetch'), 'zh-CN', '无法连接到服务器。')).toBe('无法连接到服务器。');
  });
});
