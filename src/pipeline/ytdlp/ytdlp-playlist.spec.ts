import fs from 'node:fs';
import path from 'node:path';
import { ytdlpListArgs } from './ytdlp-args';
import { flatPlaylistFromJson, isPlaylistJson } from './ytdlp-playlist';
import { probeInfoFromJson } from './ytdlp-probe';

const fixtures = path.join(__dirname, 'fixtures');
const stdout = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(fixtures, `${name}.stdout.txt`), 'utf8'));
const captures = JSON.parse(fs.readFileSync(path.join(fixtures, 'playlist-captures.json'), 'utf8')) as Record<string, { command: string[]; exitCode: number }>;
const base = 'http://127.0.0.1:8765';

describe('the listing argv', () => {
  it('is what the fixtures were captured with, and never takes only the first entry', () => {
    expect(captures['playlist-three-videos'].command.slice(1)).toEqual(ytdlpListArgs(`${base}/three.html`, 200));
    expect(captures['playlist-three-videos-capped'].command.slice(1)).toEqual(ytdlpListArgs(`${base}/three.html`, 2));
    const args = ytdlpListArgs(`${base}/three.html`, 200);
    expect(args).toContain('--flat-playlist');
    expect(args).not.toContain('--playlist-items');
    expect(args.slice(-2)).toEqual(['--', `${base}/three.html`]);
  });
});

describe('a page with three <video> tags', () => {
  const json = stdout('playlist-three-videos');

  it('is a playlist of its three media files, in page order, with their titles', () => {
    expect(isPlaylistJson(json)).toBe(true);
    const playlist = flatPlaylistFromJson(json, 200);
    expect(playlist.title).toBe('Three Loopback Clips');
    expect(playlist.entries).toEqual([
      { url: `${base}/v1.mp4`, title: 'Three Loopback Clips (1)' },
      { url: `${base}/v2.mp4`, title: 'Three Loopback Clips (2)' },
      { url: `${base}/v3.mp4`, title: 'Three Loopback Clips (3)' },
    ]);
    expect(playlist).toMatchObject({ sourceCount: 3, skipped: 0 });
  });

  it('takes at most the cap, even when yt-dlp listed more', () => {
    expect(flatPlaylistFromJson(json, 2).entries.map((e) => e.url)).toEqual([`${base}/v1.mp4`, `${base}/v2.mp4`]);
  });

  it('capped by yt-dlp itself (--playlist-end 2): two entries, and the source still says it has three', () => {
    const playlist = flatPlaylistFromJson(stdout('playlist-three-videos-capped'), 2);
    expect(playlist.entries).toHaveLength(2);
    expect(playlist.sourceCount).toBe(3);
  });

  it('never makes an entry of the playlist page itself, nor of a repeat', () => {
    // The real listing, with the first entry's own URL taken away and the third made a repeat of the second.
    const edited = JSON.parse(JSON.stringify(json)) as { entries: Record<string, unknown>[] };
    delete edited.entries[0].url;
    edited.entries[2].url = edited.entries[1].url;
    const playlist = flatPlaylistFromJson(edited, 200);
    expect(playlist.entries.map((e) => e.url)).toEqual([`${base}/v2.mp4`]);
    expect(playlist.skipped).toBe(2);
  });

  it('with no entries at all: an empty playlist, which the collection refuses', () => {
    const edited = { ...(json as object), entries: [] };
    expect(isPlaylistJson(edited)).toBe(true);
    expect(flatPlaylistFromJson(edited, 200).entries).toEqual([]);
  });
});

describe('a single video through the listing', () => {
  it('is not a playlist, and reads as the probe does', () => {
    const json = stdout('playlist-single-video');
    expect(isPlaylistJson(json)).toBe(false);
    expect(probeInfoFromJson(json)).toMatchObject({ extractor: 'generic', webpageUrl: `${base}/v1.mp4` });
  });
});
