import { type KeyedJobError, type SentenceKey } from '../jobs/job-messages';
import type { JobErrorCode, MessageParams } from '../jobs/job.types';

/** A failure with a stable code and a sentence for people; the job ends `failed` with it. */
export class PipelineError extends Error {
  readonly code: JobErrorCode;
  /** The sentence's key and values (src/jobs/job-messages.ts), when it has them. */
  readonly key?: SentenceKey;
  readonly params?: MessageParams;

  /** `new PipelineError(failure('not_video', 'error.not_video'))`, or a code and an unkeyed sentence. */
  constructor(error: KeyedJobError);
  constructor(code: JobErrorCode, message: string);
  constructor(codeOrError: JobErrorCode | KeyedJobError, message?: string) {
    const error: KeyedJobError = typeof codeOrError === 'string' ? { code: codeOrError, message: message ?? '' } : codeOrError;
    super(error.message);
    this.code = error.code;
    this.key = error.key;
    this.params = error.params;
  }

  toJobError(): KeyedJobError {
    return { code: this.code, message: this.message, ...(this.params && { params: this.params }), ...(this.key && { key: this.key }) };
  }
}

/** Thrown when the job was cancelled, retried or deleted while this attempt ran: stop quietly. */
export class JobSupersededError extends Error {
  constructor(jobId: string) {
    super(`Job ${jobId} was cancelled, retried or deleted`);
  }
}
