import { readFileSync } from 'fs';
import { dirname, join } from 'path';
import { JOB_FORMATS, type JobFormat } from '../../jobs/job.types';
import {
  FILEPATH_LINE_PREFIX,
  FORMAT_LINE_PREFIX,
  FORMAT_SELECTORS,
  PROGRESS_LINE_PREFIX,
  ytdlpDownloadArgs,
  ytdlpProbeArgs,
  BUFFER_SIZE,
  FORMAT_SORT,
  WEB_PROTOCOLS,
} from './ytdlp-args';

interface Capture {
  command: string[];
  exitCode: number | null;
  filesAfter: string[];
  note?: string;
}
const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const captures: Record<string, Capture> = JSON.parse(fixture('captures.json'));
const valueAfter = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];

describe('ytdlpProbeArgs', () => {
  it('asks for one JSON document, ignores every config file and ends with -- URL', () => {
    const args = ytdlpProbeArgs('http://127.0.0.1:8765/clip.mp4');
    expect(args[0]).toBe('-J');
    for (const flag of ['--no-playlist', '--ignore-config', '--no-cache-dir', '--no-warnings']) expect(args).toContain(flag);
    expect(valueAfter(args, '--socket-timeout')).toBe('20');
    expect(args.slice(-2)).toEqual(['--', 'http://127.0.0.1:8765/clip.mp4']);
  });

  it('keeps a URL that looks like an option as one argv element after --', () => {
    const url = '--exec=touch /tmp/vidpipe-pwned';
    const args = ytdlpProbeArgs(url);
    expect(args.slice(-2)).toEqual(['--', url]);
    expect(args.indexOf('--')).toBe(args.length - 2);
    expect(args.filter((a) => a.includes('exec'))).toEqual([url]);
  });

  it('made yt-dlp read such a URL as a URL, not as --exec (real run)', () => {
    expect(captures['probe-dash-url'].command.slice(1)).toEqual(ytdlpProbeArgs('--exec=touch /tmp/vidpipe-pwned'));
    expect(captures['probe-dash-url'].exitCode).toBe(1);
    expect(fixture('probe-dash-url.stderr.txt')).toContain("'--exec=touch /tmp/vidpipe-pwned' is not a valid URL");
    expect(captures['download-dash-url'].exitCode).toBe(1);
  });
});

describe('ytdlpDownloadArgs', () => {
  const base = { url: 'http://127.0.0.1:8765/clip.mp4', format: 'best' as JobFormat, outputDir: '/data/media/job1' };

  it.each([
    ['best', 'bv*+ba/b'],
    ['1080p', 'bv*[height<=1080]+ba/b[height<=1080]/bv*+ba/b'],
    ['720p', 'bv*[height<=720]+ba/b[height<=720]/bv*+ba/b'],
    ['480p', 'bv*[height<=480]+ba/b[height<=480]/bv*+ba/b'],
    ['audio', 'ba/b'],
  ] as Array<[JobFormat, string]>)('selects %s with %s, each part over web protocols only', (format, selector) => {
    const chosen = valueAfter(ytdlpDownloadArgs({ ...base, format }), '-f') as string;
    expect(chosen.split(WEB_PROTOCOLS).join('')).toBe(selector);
    // every alternative and every merged part carries the protocol filter
    for (const part of chosen.split(/[/+]/)) expect(part.endsWith(WEB_PROTOCOLS)).toBe(true);
  });

  it('has a selector for every job format', () => {
    expect(Object.keys(FORMAT_SELECTORS).sort()).toEqual([...JOB_FORMATS].sort());
  });

  it('asks for line-by-line JSON progress, fresh buffers, the printed path and a fixed file name', () => {
    const args = ytdlpDownloadArgs(base);
    for (const flag of ['--newline', '--progress', '--no-resize-buffer', '--no-playlist', '--ignore-config', '--no-cache-dir', '--no-mtime']) {
      expect(args).toContain(flag);
    }
    expect(valueAfter(args, '--progress-template')).toMatch(/^download:\[vidpipe-progress\] %\(progress\.\{status,downloaded_bytes,/);
    expect(valueAfter(args, '--buffer-size')).toBe(BUFFER_SIZE);
    expect(args.filter((_, i) => args[i - 1] === '--print')).toEqual([
      'before_dl:[vidpipe-format] %(.{format_id,height,ext})j',
      'after_move:[vidpipe-filepath] %(filepath)s',
    ]);
    expect(valueAfter(args, '-o')).toBe('/data/media/job1/source.%(ext)s');
    expect(valueAfter(args, '--merge-output-format')).toBe('mkv');
    expect(valueAfter(args, '-S')).toBe(FORMAT_SORT);
    expect(args).not.toContain('--max-filesize');
    expect(args).not.toContain('--enable-file-urls');
    expect(args.slice(-2)).toEqual(['--', base.url]);
  });

  it('passes --max-filesize only when a limit is given', () => {
    expect(valueAfter(ytdlpDownloadArgs({ ...base, maxBytes: 100000 }), '--max-filesize')).toBe('100000');
    expect(ytdlpDownloadArgs({ ...base, maxBytes: null })).not.toContain('--max-filesize');
    expect(ytdlpDownloadArgs({ ...base, maxBytes: 100000 }).slice(-2)).toEqual(['--', base.url]);
  });

  it('doubles % in the folder so the output template cannot expand it, and drops trailing slashes', () => {
    expect(valueAfter(ytdlpDownloadArgs({ ...base, outputDir: '/data/50%(id)s/' }), '-o')).toBe('/data/50%%(id)s/source.%(ext)s');
  });

  it('keeps a URL that looks like an option as the last argv element after --', () => {
    const args = ytdlpDownloadArgs({ ...base, url: '-o/etc/passwd' });
    expect(args.slice(-2)).toEqual(['--', '-o/etc/passwd']);
    expect(args.indexOf('--')).toBe(args.length - 2);
  });
});

describe('the captured fixtures', () => {
  it('were produced by exactly these builders (recapture if this fails)', () => {
    for (const [name, capture] of Object.entries(captures)) {
      if (capture.note) continue; // argv deliberately altered; the note says how
      const args = capture.command.slice(1);
      const url = args[args.length - 1];
      if (name.startsWith('probe-')) {
        expect(args).toEqual(ytdlpProbeArgs(url));
        continue;
      }
      const selector = valueAfter(args, '-f');
      // Older captures predate the protocol filter, which only narrows which formats qualify.
      const format = JOB_FORMATS.find(
        (f) => selector === FORMAT_SELECTORS[f] || selector === FORMAT_SELECTORS[f].split(WEB_PROTOCOLS).join(''),
      ) as JobFormat;
      expect(format).toBeDefined();
      const maxFilesize = args.includes('--max-filesize') ? Number(valueAfter(args, '--max-filesize')) : null;
      const outputDir = dirname(valueAfter(args, '-o') as string);
      const built = ytdlpDownloadArgs({ url, format, outputDir, maxBytes: maxFilesize });
      built[built.indexOf('-f') + 1] = selector as string;
      // Older captures used --buffer-size 16K; the size changes only how often progress lines come.
      expect(['16K', BUFFER_SIZE]).toContain(valueAfter(args, '--buffer-size'));
      built[built.indexOf('--buffer-size') + 1] = valueAfter(args, '--buffer-size') as string;
      // Captured before -S: each of those sources offers one codec per height, so the sort picks the same.
      if (!args.includes('-S')) built.splice(built.indexOf('-S'), 2);
      expect(args).toEqual(built);
    }
  });

  it('show that --print after_move downloads for real (no simulate) and prints only our prefixed lines on stdout', () => {
    for (const name of ['download-direct-mp4', 'download-dash-two-files', 'download-hls', 'download-webm']) {
      expect(captures[name].exitCode).toBe(0);
      expect(captures[name].filesAfter.length).toBe(1);
      const lines = fixture(`${name}.stdout.txt`).split('\n').filter((l) => l !== '');
      expect(lines[0].startsWith(FORMAT_LINE_PREFIX)).toBe(true);
      expect(lines[lines.length - 1]).toBe(`${FILEPATH_LINE_PREFIX}/tmp/vidpipe-fixtures/${name}/${captures[name].filesAfter[0]}`);
      expect(lines.slice(1, -1).every((l) => l.startsWith(PROGRESS_LINE_PREFIX))).toBe(true);
      expect(lines.length).toBeGreaterThan(15); // --quiet did not hide progress
    }
  });

  it('show that warnings go to stderr, never stdout', () => {
    expect(fixture('download-dash-two-files.stderr.txt')).toBe('WARNING: [generic] Falling back on generic information extractor\n');
    expect(fixture('download-dash-two-files.stdout.txt')).not.toContain('WARNING');
  });

  it('show that --playlist-items 1 keeps a page with two videos to one download', () => {
    expect(captures['download-two-videos-page'].filesAfter).toEqual(['source.mp4']);
    expect(fixture('download-two-videos-page.stdout.txt').match(/\[vidpipe-filepath\]/g)).toHaveLength(1);
  });
});
