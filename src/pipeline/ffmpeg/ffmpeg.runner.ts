import { createInterface } from 'node:readline';
import { Inject, Injectable } from '@nestjs/common';
import ffmpeg, { FfprobeData } from 'fluent-ffmpeg';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { StallWatch } from '../../process/tool-context';
import { ToolsGuard } from '../../process/tools-guard';
import type { FfmpegArgs } from './hls-args';
import { withProgress } from './progress-args';

export interface FfmpegRunOptions {
  input: string;
  args: FfmpegArgs;
  output: string;
  signal?: AbortSignal;
  /** Each line of ffmpeg's `-progress pipe:1` output. */
  onProgressLine?: (line: string) => void;
  /** Lower CPU priority (started under `nice -n`), for work that must yield to another run. */
  niceness?: number;
}

export class FfmpegFailed extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly aborted: boolean,
  ) {
    super(message);
  }
}

/** The one place that runs ffmpeg and ffprobe (through fluent-ffmpeg), as promises. */
@Injectable()
export class FfmpegRunner {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tools: ToolsGuard,
  ) {}

  /** `inputOptions` go before the file (e.g. SOURCE_INPUT_OPTIONS). */
  probe(file: string, inputOptions: readonly string[] = []): Promise<FfprobeData> {
    return new Promise((resolve, reject) =>
      ffmpeg(file)
        .setFfprobePath(this.tools.ffprobePath)
        .ffprobe([...inputOptions], (err: Error | null, data: FfprobeData) => (err ? reject(err) : resolve(data))),
    );
  }

  run(opts: FfmpegRunOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new FfmpegFailed('Cancelled', '', true));
      const stderr: string[] = [];
      let aborted = false;
      const command = ffmpeg(opts.input)
        .setFfmpegPath(this.tools.ffmpegPath)
        // Spread, never one array: given one array fluent-ffmpeg splits "a b" elements in two.
        .inputOptions(...withProgress(opts.args.inputOptions))
        .outputOptions(...opts.args.outputOptions)
        .output(opts.output);
      if (opts.niceness) command.renice(opts.niceness);
      const abort = () => {
        aborted = true;
        command.kill('SIGKILL');
      };
      opts.signal?.addEventListener('abort', abort, { once: true });
      // ffmpeg prints a -progress block every half second while it works: silence is a stall.
      const stall = StallWatch.forTool('ffmpeg', () => command.kill('SIGKILL'));
      let entry: string | null = null;
      const done = () => {
        opts.signal?.removeEventListener('abort', abort);
        stall.dispose();
        this.tools.ledger?.forget(entry);
      };
      command
        .on('start', () => {
          // fluent-ffmpeg's kill() does nothing before the process exists: honour an early abort.
          if (aborted) command.kill('SIGKILL');
          const proc = (command as unknown as { ffmpegProc?: { pid?: number; stdout?: NodeJS.ReadableStream } }).ffmpegProc;
          // Not a group of its own (fluent-ffmpeg spawns it in ours): a leftover is stopped by pid only.
          if (proc?.pid) entry = this.tools.ledger?.record('pid', proc.pid) ?? null;
          proc?.stdout?.on('data', () => stall.touch());
          if (proc?.stdout && opts.onProgressLine) createInterface({ input: proc.stdout }).on('line', opts.onProgressLine);
        })
        .on('stderr', (line: string) => {
          stall.touch();
          stderr.push(line);
          if (stderr.length > 30) stderr.shift();
        })
        .on('error', (err: Error) => {
          done();
          reject(new FfmpegFailed(err.message, stderr.join('\n'), aborted || stall.stalled));
        })
        .on('end', () => {
          done();
          resolve();
        })
        .run();
    });
  }
}

