// HLS as a third party reads it: hls-parser in strict mode for the playlists, and the codecs of a
// segment read from its own bytes (the H.264 SPS, the ADTS header) and from ffprobe — never from
// vidpipe's code, so a wrong CODECS cannot agree with itself.
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import * as HLS from 'hls-parser';
import type { MasterPlaylist, MediaPlaylist } from 'hls-parser/types';
import { runOk } from './util';

export type { MasterPlaylist, MediaPlaylist } from 'hls-parser/types';

/** Parses with hls-parser in strict mode: anything RFC 8216 forbids (as it checks) throws, naming the playlist. */
export function parseStrict(text: string, what = 'playlist'): MasterPlaylist | MediaPlaylist {
  HLS.setOptions({ strictMode: true });
  try {
    return HLS.parse(text);
  } catch (err) {
    throw new Error(`hls-parser (strict) refused ${what}: ${(err as Error).message}\n${text}`);
  }
}

/** Every .m3u8 under `dir`, as paths relative to it (`/`-separated), sorted. */
export async function playlistsUnder(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.m3u8'))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** What ffprobe says of a segment's streams. */
export interface ProbedSegment {
  video: { codec: string; profile: string; level: number; width: number; height: number; frameRate: number } | null;
  audio: { codec: string; profile: string } | null;
}

export async function probeSegment(file: string): Promise<ProbedSegment> {
  const { stdout } = await runOk('ffprobe', [
    '-v', 'error', '-show_entries', 'stream=codec_type,codec_name,profile,level,width,height,r_frame_rate', '-of', 'json', file,
  ]);
  const streams = (JSON.parse(stdout) as { streams: Record<string, string | number>[] }).streams;
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  const [num, den] = String(v?.r_frame_rate ?? '0/1').split('/').map(Number);
  return {
    video: v
      ? { codec: String(v.codec_name), profile: String(v.profile), level: Number(v.level), width: Number(v.width), height: Number(v.height), frameRate: num / (den || 1) }
      : null,
    audio: a ? { codec: String(a.codec_name), profile: String(a.profile) } : null,
  };
}

/**
 * The RFC 6381 strings of a segment's streams, read from its bytes: `avc1.` + the three bytes after
 * the SPS NAL header (profile_idc, constraint flags, level_idc); `mp4a.40.` + the ADTS header's
 * audio object type.
 */
export async function codecsInSegment(file: string): Promise<{ video: string | null; audio: string | null }> {
  const [h264, adts] = await Promise.all([
    ffmpegBytes(['-i', file, '-map', '0:v:0?', '-c', 'copy', '-frames:v', '1', '-f', 'h264', '-']),
    ffmpegBytes(['-i', file, '-map', '0:a:0?', '-c', 'copy', '-frames:a', '1', '-f', 'adts', '-']),
  ]);
  let video: string | null = null;
  for (let i = 0; i + 6 < h264.length; i++) {
    if (h264[i] === 0 && h264[i + 1] === 0 && h264[i + 2] === 1 && (h264[i + 3] & 0x1f) === 7) {
      video = `avc1.${h264.subarray(i + 4, i + 7).toString('hex')}`;
      break;
    }
  }
  const audio = adts.length >= 7 && adts[0] === 0xff && (adts[1] & 0xf0) === 0xf0 ? `mp4a.40.${(adts[2] >> 6) + 1}` : null;
  return { video, audio };
}

/** H.264 profile_idc by the name ffprobe gives the profile (Annex A). */
export const H264_PROFILE_IDC: Readonly<Record<string, number>> = { 'Constrained Baseline': 66, Baseline: 66, Main: 77, Extended: 88, High: 100 };
/** MPEG-4 audio object type by the name ffprobe gives an AAC profile. */
export const AAC_OBJECT_TYPE: Readonly<Record<string, number>> = { Main: 1, LC: 2, 'HE-AAC': 5, 'HE-AACv2': 29 };

/** A media playlist's segments with their sizes on disk (the playlist at `file`, segments beside it). */
export async function segmentsOnDisk(file: string, playlist: MediaPlaylist): Promise<Array<{ path: string; durationSec: number; bytes: number }>> {
  return Promise.all(
    playlist.segments.map(async (s) => {
      const segment = path.join(path.dirname(file), s.uri);
      return { path: segment, durationSec: s.duration, bytes: (await fsp.stat(segment)).size };
    }),
  );
}

/** ffmpeg's stdout; empty when it wrote nothing (no such stream: `-map …?` then leaves no output). */
function ffmpegBytes(args: string[]): Promise<Buffer> {
  return new Promise((resolve) =>
    execFile('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', ...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout) =>
      resolve(err ? Buffer.alloc(0) : stdout),
    ),
  );
}
