import { FfmpegProgress, FfmpegProgressParser, stagePercentFromProgress } from './ffmpeg-progress';
import { progressLines } from './fixtures/fixtures';

const blocksOf = (lines: string[]): FfmpegProgress[] => {
  const parser = new FfmpegProgressParser();
  return lines.map((l) => parser.push(l)).filter((p): p is FfmpegProgress => p !== null);
};

describe('FfmpegProgressParser on real -progress pipe:1 captures', () => {
  it('1080p ladder encode: one value per block, padded speeds read, end marked done', () => {
    const blocks = blocksOf(progressLines('ladder-1080p'));
    expect(blocks).toHaveLength(11);
    expect(blocks[0]).toEqual({ outTimeSec: 0.1, speed: 9.23, frame: 5, done: false });
    expect(blocks[3]).toEqual({ outTimeSec: 2.8, speed: 1.8, frame: 86, done: false }); // "speed= 1.8x"
    expect(blocks.at(-1)).toEqual({ outTimeSec: 10.005333, speed: 2.08, frame: 300, done: true });
    expect(blocks.filter((b) => b.done)).toHaveLength(1);
    const times = blocks.map((b) => b.outTimeSec ?? 0);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('VP9 ladder encode', () => {
    const blocks = blocksOf(progressLines('vp9-ladder-720p'));
    expect(blocks.map((b) => Math.round(stagePercentFromProgress(b, 10.008)!))).toEqual([0, 12, 22, 30, 40, 51, 68, 82, 98, 100]);
  });

  it('stream copy: speed N/A at the start, exponent notation at the end', () => {
    expect(blocksOf(progressLines('copy-720p'))).toEqual([
      { outTimeSec: 0, speed: null, frame: 1, done: false },
      { outTimeSec: 10.005333, speed: 1480, frame: 300, done: true },
    ]);
  });

  it('audio only: there is no frame key', () => {
    expect(blocksOf(progressLines('audio-copy'))).toEqual([
      { outTimeSec: 0, speed: null, frame: null, done: false },
      { outTimeSec: 10.0078, speed: 4300, frame: null, done: true },
    ]);
  });

  it('N/A and negative times, out_time_ms as microseconds, stray log lines', () => {
    const parser = new FfmpegProgressParser();
    const push = (...lines: string[]) => lines.map((l) => parser.push(l)).at(-1);
    expect(push('out_time_us=N/A', 'out_time_ms=N/A', 'speed=N/A', 'progress=continue')).toEqual({ outTimeSec: null, speed: null, frame: null, done: false });
    expect(push('out_time_us=-23220', 'progress=continue')).toMatchObject({ outTimeSec: 0 });
    expect(push('out_time_ms=2500000', '[hls @ 0x1] Opening x for writing', 'progress=continue')).toMatchObject({ outTimeSec: 2.5 });
    expect(push('frame=7', 'progress=end')).toEqual({ outTimeSec: null, speed: null, frame: 7, done: true });
  });
});

describe('stagePercentFromProgress', () => {
  const at = (outTimeSec: number | null, done = false): FfmpegProgress => ({ outTimeSec, speed: null, frame: null, done });

  it('is the share of the duration written, clamped to 0..100', () => {
    expect(stagePercentFromProgress(at(2.5), 10)).toBe(25);
    expect(stagePercentFromProgress(at(10.005333), 10)).toBe(100);
    expect(stagePercentFromProgress(at(0), 10)).toBe(0);
  });

  it('is null without a time or a duration, and 100 once done', () => {
    expect(stagePercentFromProgress(at(null), 10)).toBeNull();
    expect(stagePercentFromProgress(at(3), null)).toBeNull();
    expect(stagePercentFromProgress(at(3), 0)).toBeNull();
    expect(stagePercentFromProgress(at(null, true), null)).toBe(100);
  });
});
