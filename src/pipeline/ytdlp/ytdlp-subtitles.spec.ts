import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SUBTITLE_TRACKS, subLangsWithout, SUBTITLES_LINE_PREFIX, ytdlpDownloadArgs } from './ytdlp-args';
import { failedSubtitleFromStderr, subtitleFilesFromLine } from './ytdlp-subtitles';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const captures: Record<string, { command: string[]; exitCode: number; filesAfter: string[] }> = JSON.parse(fixture('subtitles-captures.json'));
const subsLine = (name: string) => fixture(`${name}.stdout.txt`).split('\n').find((l) => l.startsWith(SUBTITLES_LINE_PREFIX))!;

describe('subtitle options of ytdlpDownloadArgs', () => {
  it('are what the captures ran (recapture when they change)', () => {
    for (const [name, capture] of Object.entries(captures)) {
      const dir = `/tmp/vidpipe-fixtures/${name}`;
      const url = capture.command[capture.command.length - 1];
      const langs = capture.command[capture.command.indexOf('--sub-langs') + 1];
      expect(['yt-dlp', ...ytdlpDownloadArgs({ url, format: 'best', outputDir: dir, subtitleLangs: langs })]).toEqual(capture.command);
    }
  });

  it('asks for no subtitles without SUBTITLE_LANGS', () => {
    const args = ytdlpDownloadArgs({ url: 'https://v.example/1', format: 'best', outputDir: '/w' });
    expect(args).not.toContain('--write-subs');
    expect(args.slice(-2)).toEqual(['--', 'https://v.example/1']);
  });
});

describe('subtitleFilesFromLine, on real yt-dlp output', () => {
  it('lists both tracks of a page with two <track> tags, in the page order, as written', () => {
    const files = subtitleFilesFromLine(subsLine('subtitles-two-tracks'))!;
    expect(files).toEqual([
      { lang: 'en', ext: 'vtt', path: '/tmp/vidpipe-fixtures/subtitles-two-tracks/source.en.vtt' },
      { lang: 'zh', ext: 'vtt', path: '/tmp/vidpipe-fixtures/subtitles-two-tracks/source.zh.vtt' },
    ]);
    expect(captures['subtitles-two-tracks'].filesAfter).toEqual(['source.en.vtt', 'source.mp4', 'source.zh.vtt']);
  });

  it('keeps the extension yt-dlp gives, whatever the format (TTML is converted or skipped later)', () => {
    expect(subtitleFilesFromLine(subsLine('subtitles-ttml-track'))!.map((f) => [f.lang, f.ext])).toEqual([['en', 'vtt'], ['zh', 'ttml']]);
  });

  it('reads "NA" (nothing offered) as no tracks, and ignores other lines', () => {
    expect(subtitleFilesFromLine(subsLine('subtitles-none-offered'))).toEqual([]);
    expect(subtitleFilesFromLine('[vidpipe-filepath] /x/source.mp4')).toBeNull();
  });

  it(`keeps at most ${MAX_SUBTITLE_TRACKS} tracks`, () => {
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`l${i}`, { ext: 'vtt', filepath: `/w/source.l${i}.vtt` }]));
    const files = subtitleFilesFromLine(SUBTITLES_LINE_PREFIX + JSON.stringify(many))!;
    expect(files.map((f) => f.lang)).toEqual(['l0', 'l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7']);
  });
});

describe('a subtitle yt-dlp could not fetch', () => {
  it('is named from the error that ended the run, and excluded by the next run', () => {
    expect(captures['subtitles-missing-track'].exitCode).toBe(1);
    expect(failedSubtitleFromStderr(fixture('subtitles-missing-track.stderr.txt'))).toEqual({ lang: 'zh', reason: 'HTTP Error 404: File not found' });
    // The run without it (what YtdlpSession does next) succeeds and keeps the other track.
    expect(captures['subtitles-missing-track-excluded'].command).toContain(subLangsWithout('all', 'zh'));
    expect(captures['subtitles-missing-track-excluded'].exitCode).toBe(0);
    expect(subtitleFilesFromLine(subsLine('subtitles-missing-track-excluded'))!.map((f) => f.lang)).toEqual(['en']);
  });

  it('escapes a language that looks like a regex', () => {
    expect(subLangsWithout('all', 'zh.*')).toBe('all,-zh\\.\\*');
    expect(failedSubtitleFromStderr(fixture('subtitles-two-tracks.stderr.txt'))).toBeNull();
  });
});
