import { ytdlpProbeArgs } from './ytdlp-args';
import { ytdlpRunArgs } from './ytdlp-session';

describe('ytdlpRunArgs', () => {
  const probe = ytdlpProbeArgs('https://video.example/watch?v=1');

  it('puts the runtime flag and the cookies file before our options, so the URL stays last after --', () => {
    const args = ytdlpRunArgs(probe, { extraArgs: ['--js-runtimes', 'node:/usr/bin/node'], cookiesFile: '/work/j1/a1/cookies.txt' });
    expect(args.slice(0, 4)).toEqual(['--js-runtimes', 'node:/usr/bin/node', '--cookies', '/work/j1/a1/cookies.txt']);
    expect(args.slice(4)).toEqual(probe);
    expect(args.slice(-2)).toEqual(['--', 'https://video.example/watch?v=1']);
  });

  it('adds nothing for a yt-dlp without the flag and a user without cookies', () => {
    expect(ytdlpRunArgs(probe, { extraArgs: [], cookiesFile: null })).toEqual(probe);
  });
});
