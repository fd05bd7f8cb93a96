import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** An HTTP error with a stable `code` for machines and a sentence for people. */
export class ApiError extends HttpException {
  constructor(status: number, code: string, message: string) {
    super({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, code }, status);
  }
}
