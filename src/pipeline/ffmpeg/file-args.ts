// Pure: the downloadable file, remuxed without re-encoding from the HLS we wrote (its top variant,
// video and audio as they are in the segments) into one MP4 (audio jobs: M4A) with the index first.
import { hlsNames } from '../../jobs/job-paths';
import type { FfmpegArgs } from './hls-args';

export type FileKind = 'video' | 'audio';

export const fileExtFor = (kind: FileKind): 'mp4' | 'm4a' => (kind === 'audio' ? 'm4a' : 'mp4');

export const fileNameFor = (kind: FileKind): string => hlsNames.file(fileExtFor(kind));

/** Input: `<outDir>/v0/index.m3u8` (variant 0 is the tallest); output: `<outDir>/file.<ext>`. */
export function fileRemuxCommand(kind: FileKind): FfmpegArgs {
  return {
    inputOptions: [
      '-hide_banner', '-loglevel', 'error',
      // Our own playlist and segments only: no other demuxer, no protocol but local files.
      '-protocol_whitelist', 'file',
      '-format_whitelist', 'hls,mpegts',
      '-f', 'hls',
    ],
    outputOptions: [
      '-map', '0:v?', '-map', '0:a?',
      '-c', 'copy',
      // The index (moov) before the media: a browser or player can start before the download ends.
      '-movflags', '+faststart',
      // ipod: the MP4 muxer with the M4A brand that music players look for.
      '-f', kind === 'audio' ? 'ipod' : 'mp4',
    ],
  };
}
