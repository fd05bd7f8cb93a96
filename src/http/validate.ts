import type { z } from 'zod';
import { ApiError } from './api-error';
import type { ApiErrorCode } from './api-error-codes';
import { fieldProblemParams } from './field-problem';

/** Parses a request part with a zod schema or answers 400 with the first problem as a sentence and as params. */
export function parseOr400<T extends z.ZodType>(schema: T, input: unknown, code: ApiErrorCode = 'invalid_request'): z.infer<T> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new ApiError(400, code, `${where}${issue.message}`, fieldProblemParams(issue, input ?? {}));
}
