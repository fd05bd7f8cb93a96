import { JOB_ID_PATTERN } from '../common/ids';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/**
 * Pure: the file's path segments inside a job folder, or null for anything that could leave it
 * (`..`, dot-files, separators or odd characters that arrived percent-encoded, absolute paths).
 * Express has already percent-decoded the route parameters.
 */
export function mediaPathSegments(jobId: unknown, file: unknown): string[] | null {
  if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) return null;
  const segments = Array.isArray(file) ? file : typeof file === 'string' ? file.split('/') : null;
  if (!segments || segments.length === 0 || segments.length > 4) return null;
  return segments.every((s) => typeof s === 'string' && SEGMENT.test(s) && !s.includes('..')) ? segments : null;
}

const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.jpg': 'image/jpeg',
  // WebVTT is UTF-8 by definition; saying so keeps Chinese or Arabic cues intact in any client.
  '.vtt': 'text/vtt; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  const ext = file.slice(file.lastIndexOf('.')).toLowerCase();
  return TYPES[ext] ?? 'application/octet-stream';
}
