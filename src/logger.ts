import os from 'node:os';
import { ConsoleLogger, ConsoleLoggerOptions, LogLevel } from '@nestjs/common';
import pino from 'pino';
import { jobIdOfLine } from './ops/log-context';

// Nest's boot chatter (every module and route) buries what a person needs: the address and login.
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'WebSocketsController', 'NestFactory', 'NestApplication']);

export type LogFormat = 'text' | 'json';

const PINO_LEVELS: Record<LogLevel, pino.Level> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/**
 * Every line the app logs. `text`: Nest's readable lines, as they always were. `json`: one pino
 * object per line on stdout, with `context`, and `jobId` on every line about a job (from the log
 * context of the stage or request, or the job the message names).
 */
export class VidpipeLogger extends ConsoleLogger {
  private readonly jsonLines: pino.Logger | null;

  constructor(context: string, options: ConsoleLoggerOptions & { format?: LogFormat; role?: string } = {}) {
    const { format = 'text', role, ...nest } = options;
    super(context, { ...nest, json: format === 'json' });
    this.jsonLines = format === 'json' ? jsonLogger(role) : null;
  }

  /** The pino logger behind `json` lines (request logs write through it too); null for `text`. */
  get json(): pino.Logger | null {
    return this.jsonLines;
  }

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    if (typeof context === 'string' && QUIET_CONTEXTS.has(context)) return;
    super.log(message, ...params);
  }

  protected printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    if (!this.jsonLines) return super.printMessages(messages, context, logLevel, writeStreamType, errorStack, params);
    for (const message of messages) {
      const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
      const jobId = jobIdOfLine(text);
      const fields = {
        context: context || undefined,
        ...(jobId ? { jobId } : {}),
        ...(typeof errorStack === 'string' ? { stack: errorStack } : message instanceof Error ? { stack: message.stack } : {}),
      };
      this.jsonLines[PINO_LEVELS[logLevel]](fields, text);
    }
  }
}

function jsonLogger(role: string | undefined): pino.Logger {
  return pino(
    {
      level: 'trace', // Nest's logLevels decide what reaches here
      base: { pid: process.pid, hostname: os.hostname(), ...(role ? { role } : {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous: a line written just before process.exit() is not lost.
    pino.destination({ dest: 1, sync: true }),
  );
}
