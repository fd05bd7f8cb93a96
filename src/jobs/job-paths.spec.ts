import { attemptOfFolderName, hlsFolder, hlsNames, jobPaths, mediaUrl, previewUrl, privateFolderIn, workPaths } from './job-paths';

const paths = jobPaths({ workDir: '/data/media.work', mediaDir: '/data/media' });

describe('jobPaths (the work tree)', () => {
  it('names the job, attempt, private and HLS folders', () => {
    expect(paths.work('Ab3_dE-fGh12')).toBe('/data/media.work/Ab3_dE-fGh12');
    expect(paths.attempt('Ab3_dE-fGh12', 2)).toBe('/data/media.work/Ab3_dE-fGh12/a2');
    expect(paths.private('Ab3_dE-fGh12', 2)).toBe('/data/media.work/Ab3_dE-fGh12/a2/private');
    expect(paths.hls('Ab3_dE-fGh12', 2)).toBe('/data/media.work/Ab3_dE-fGh12/a2/hls');
  });

  it('names a subscription check’s run folder', () => {
    expect(paths.subscriptions).toBe('/data/media.work/subscriptions');
    expect(paths.subscription('sub1')).toBe('/data/media.work/subscriptions/sub1');
    expect(paths.subscriptionRun('sub1', 'run-uuid')).toBe('/data/media.work/subscriptions/sub1/run-uuid');
    expect(privateFolderIn(paths.subscriptionRun('sub1', 'run-uuid'))).toBe('/data/media.work/subscriptions/sub1/run-uuid/private');
  });

  it('is the same from the work root alone', () => {
    expect(workPaths('/data/media.work').attempt('j', 1)).toBe(paths.attempt('j', 1));
  });

  it('reads an attempt folder’s name back', () => {
    expect(attemptOfFolderName('a1')).toBe(1);
    expect(attemptOfFolderName('a12')).toBe(12);
    expect(attemptOfFolderName('hls')).toBeNull();
    expect(attemptOfFolderName('a')).toBeNull();
    expect(attemptOfFolderName('a1x')).toBeNull();
  });
});

describe('jobPaths (the media tree)', () => {
  it('names the published folder and the files in it', () => {
    expect(paths.media('Ab3_dE-fGh12')).toBe('/data/media/Ab3_dE-fGh12');
    const published = hlsFolder(paths.media('Ab3_dE-fGh12'));
    expect(published.master).toBe('/data/media/Ab3_dE-fGh12/master.m3u8');
    expect(published.poster).toBe('/data/media/Ab3_dE-fGh12/poster.jpg');
    expect(published.file('mp4')).toBe('/data/media/Ab3_dE-fGh12/file.mp4');
    expect(published.file('m4a')).toBe('/data/media/Ab3_dE-fGh12/file.m4a');
    expect(published.subtitles).toBe('/data/media/Ab3_dE-fGh12/subs');
    expect(published.subtitle('en', 'vtt')).toBe('/data/media/Ab3_dE-fGh12/subs/en.vtt');
    expect(published.variantPlaylist(1)).toBe('/data/media/Ab3_dE-fGh12/v1/index.m3u8');
    expect(published.firstSegment(0)).toBe('/data/media/Ab3_dE-fGh12/v0/seg_00000.ts');
  });
});

describe('hlsNames', () => {
  it('gives ffmpeg its output patterns', () => {
    expect(hlsNames.variantPlaylist('%v')).toBe('v%v/index.m3u8');
    expect(hlsNames.segmentPattern('%v')).toBe('v%v/seg_%05d.ts');
  });

  it('names subtitle files inside their folder and inside the HLS folder', () => {
    expect(hlsNames.subtitleFileName('zh-Hans', 'vtt')).toBe('zh-Hans.vtt');
    expect(hlsNames.subtitle('zh-Hans', 'm3u8')).toBe('subs/zh-Hans.m3u8');
  });
});

describe('media URLs', () => {
  it('are the relative names under /media/<id>/', () => {
    expect(mediaUrl('Ab3_dE-fGh12', hlsNames.master)).toBe('/media/Ab3_dE-fGh12/master.m3u8');
    expect(previewUrl('Ab3_dE-fGh12', hlsNames.variantPlaylist(2))).toBe('/media/Ab3_dE-fGh12/preview/v2/index.m3u8');
  });
});
