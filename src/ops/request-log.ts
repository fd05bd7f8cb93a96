import type { NextFunction, Request, Response } from 'express';
import type pino from 'pino';
import { jobIdOfPath, withLogContext } from './log-context';

// Query values that name nothing secret; any other value (a pasted link, a token) is not logged.
const LOGGED_QUERY_KEYS = new Set(['state', 'limit', 'cursor', 'parentId', 'format']);

/**
 * Express middleware, first in line: every request runs in the log context of the job its path
 * names, and with `json` lines each one ends with a request line. Headers are never logged, so
 * neither is a cookie or a bearer token; query values outside a short list are redacted.
 */
export function requestLog(json: pino.Logger | null) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const jobId = jobIdOfPath(req.path);
    if (json) {
      const started = process.hrtime.bigint();
      res.once('close', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const path = loggablePath(req.originalUrl);
        const userId = (req as Request & { user?: { id?: string } }).user?.id;
        json.info(
          {
            context: 'http',
            ...(jobId ? { jobId } : {}),
            req: { method: req.method, path, remoteAddress: req.ip },
            res: { statusCode: res.statusCode, finished: res.writableFinished },
            ...(userId ? { userId } : {}),
            responseTimeMs: Math.round(ms * 10) / 10,
          },
          `${req.method} ${path} ${res.statusCode} ${Math.round(ms)} ms`,
        );
      });
    }
    withLogContext(jobId ? { jobId } : {}, next);
  };
}

/** The path as requested, query values redacted unless harmless. Pure. */
export function loggablePath(originalUrl: string): string {
  const q = originalUrl.indexOf('?');
  if (q < 0) return originalUrl;
  const params = new URLSearchParams(originalUrl.slice(q + 1));
  const parts: string[] = [];
  for (const [key, value] of params) {
    parts.push(`${encodeURIComponent(key)}=${LOGGED_QUERY_KEYS.has(key) ? encodeURIComponent(value) : '[redacted]'}`);
  }
  return `${originalUrl.slice(0, q)}${parts.length ? `?${parts.join('&')}` : ''}`;
}
