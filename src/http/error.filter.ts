import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { ApiError } from './api-error';

/** Every HTTP error leaves as `{ statusCode, error, message, code }`. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (exception instanceof HttpException && isJsonParseFailure(exception.cause)) {
      // The parser's own message quotes the start of the body, which may be a secret (a cookies file).
      res.status(400).json(new ApiError(400, 'invalid_json', 'The body is not valid JSON.').getResponse());
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const obj = typeof body === 'object' && body ? (body as Record<string, unknown>) : { message: body };
      if (isHealthReport(obj)) {
        // Terminus's report: say which checks failed, and keep the details.
        const failing = Object.keys(obj.error ?? {}).join(', ') || 'unknown';
        res.status(status).json({ statusCode: status, error: STATUS_CODES[status], message: `Not healthy: ${failing} failed.`, code: 'unhealthy', status: obj.status, details: obj.details });
        return;
      }
      const message = Array.isArray(obj.message) ? obj.message.join('; ') : String(obj.message ?? exception.message);
      res.status(status).json({
        statusCode: status,
        error: STATUS_CODES[status] ?? 'Error',
        message,
        code: typeof obj.code === 'string' ? obj.code : codeForStatus(status),
      });
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    res.status(500).json(new ApiError(500, 'internal_error', 'Something went wrong on the server.').getResponse());
  }
}

/** body-parser's error for a JSON body it could not read. */
function isJsonParseFailure(cause: unknown): boolean {
  return cause instanceof SyntaxError && (cause as SyntaxError & { type?: string }).type === 'entity.parse.failed';
}

function isHealthReport(obj: Record<string, unknown>): obj is { status: string; error?: Record<string, unknown>; details: unknown } {
  return typeof obj.status === 'string' && typeof obj.details === 'object' && obj.details !== null;
}

function codeForStatus(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '_');
}
