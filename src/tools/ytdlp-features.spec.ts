import fs from 'node:fs';
import path from 'node:path';
import { ytdlpJsRuntimeArgs, ytdlpReleaseDate, ytdlpSupportsJsRuntimes, ytdlpVersionAge } from './ytdlp-features';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
// Real `yt-dlp --help` of Debian's 2023.03.04, and the documented flag text of a current yt-dlp.
const HELP_2023 = fixture('help-2023.03.04.txt');
const HELP_CURRENT = fixture('help-current-js-runtimes.txt');

describe('the JavaScript runtime flag', () => {
  it('is never given to the 2023 yt-dlp, which does not know it', () => {
    expect(ytdlpSupportsJsRuntimes(HELP_2023)).toBe(false);
    expect(ytdlpJsRuntimeArgs(HELP_2023, '/usr/bin/node')).toEqual([]);
  });

  it('is given, with the running node, to a yt-dlp whose help lists it', () => {
    expect(ytdlpSupportsJsRuntimes(HELP_CURRENT)).toBe(true);
    expect(ytdlpJsRuntimeArgs(HELP_CURRENT, '/opt/node/bin/node')).toEqual(['--js-runtimes', 'node:/opt/node/bin/node']);
  });

  it('counts only an option line, not a mention inside another option', () => {
    const mention = '    --no-js-runtimes                Clear runtimes given by previous --js-runtimes\n';
    expect(ytdlpSupportsJsRuntimes(mention)).toBe(false);
  });
});

describe('the age of a yt-dlp version', () => {
  const now = new Date('2026-11-29T12:00:00Z');

  it('reads release dates, nightly forms included, and refuses what names no day', () => {
    expect(ytdlpReleaseDate('2023.03.04')?.toISOString()).toBe('2023-03-04T00:00:00.000Z');
    expect(ytdlpReleaseDate('2025.11.12.232941')?.toISOString()).toBe('2025-11-12T00:00:00.000Z');
    expect(ytdlpReleaseDate('2026.8.19')?.toISOString()).toBe('2026-08-19T00:00:00.000Z');
    expect(ytdlpReleaseDate('2023.02.31')).toBeNull();
    expect(ytdlpReleaseDate('1.2.3-beta')).toBeNull();
  });

  it('calls the 2023 yt-dlp stale and tells a person running their own how to update', () => {
    const age = ytdlpVersionAge('2023.03.04', { now, managed: false });
    expect(age).toMatchObject({ version: '2023.03.04', releasedOn: '2023-03-04', ageDays: 1366, stale: true });
    expect(age.message).toMatch(/install a current yt-dlp .* set YTDLP_PATH/);
    expect(age.message).toMatch(/let vidpipe manage one/);
  });

  it('tells that a managed one updates itself, and how an admin updates it now', () => {
    const age = ytdlpVersionAge('2026.08.19', { now, managed: true });
    expect(age).toMatchObject({ ageDays: 102, stale: true });
    expect(age.message).toMatch(/updates it by itself once a day/);
    expect(age.message).toMatch(/POST \/api\/admin\/ytdlp\/update/);
    expect(ytdlpVersionAge('2026.08.19', { now, managed: true, autoUpdate: false }).message).toMatch(/YTDLP_AUTO_UPDATE=false/);
  });

  it('is stale from 90 days on, not before, and says nothing when fresh', () => {
    expect(ytdlpVersionAge('2026.09.01', { now: new Date('2026-11-29T23:59:59Z'), managed: false })).toEqual({
      version: '2026.09.01',
      releasedOn: '2026-09-01',
      ageDays: 89,
      stale: false,
    });
    expect(ytdlpVersionAge('2026.09.01', { now: new Date('2026-11-30T00:00:00Z'), managed: false }).stale).toBe(true);
  });

  it('does not guess the age of a version that names no date', () => {
    expect(ytdlpVersionAge('unknown-build', { now, managed: false })).toEqual({
      version: 'unknown-build',
      releasedOn: null,
      ageDays: null,
      stale: false,
    });
    expect(ytdlpVersionAge(null, { now, managed: true }).stale).toBe(false);
  });
});
