import type { JobError, JobErrorCode } from '../jobs/job.types';

/** A failure with a stable code and a sentence for people; the job ends `failed` with it. */
export class PipelineError extends Error {
  constructor(
    readonly code: JobErrorCode,
    message: string,
  ) {
    super(message);
  }

  toJobError(): JobError {
    return { code: this.code, message: this.message };
  }
}

/** Thrown when the job was cancelled, retried or deleted while this attempt ran: stop quietly. */
export class JobSupersededError extends Error {
  constructor(jobId: string) {
    super(`Job ${jobId} was cancelled, retried or deleted`);
  }
}
