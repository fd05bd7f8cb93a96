import type { Response } from 'express';
import { ApiError } from '../http/api-error';

/** The parts of send's error (http-errors) that say how to answer. */
interface SendError {
  status?: number;
  headers?: Record<string, string>;
}

/**
 * Sends `file` with ranges, Last-Modified and no dot-files. A range that cannot be satisfied
 * answers 416 with a Content-Range naming the size (RFC 9110 §14.4); any other failure `notFound`.
 */
export function sendMediaFile(res: Response, file: string, notFound: () => ApiError): Promise<void> {
  return new Promise<void>((resolve) =>
    res.sendFile(file, { dotfiles: 'deny', acceptRanges: true, lastModified: true }, (err: (Error & SendError) | undefined) => {
      if (err && !res.headersSent) {
        // What described the file (its name, validators, a day's caching) must not stick to an error.
        for (const header of ['Content-Disposition', 'Cache-Control', 'ETag', 'Last-Modified']) res.removeHeader(header);
        const contentRange = err.status === 416 ? err.headers?.['Content-Range'] : undefined;
        if (contentRange) {
          res.status(416).setHeader('Content-Range', contentRange);
          res.json(new ApiError(416, 'range_not_satisfiable', 'The range asked for lies outside the file.').getResponse());
        } else {
          res.status(404).json(notFound().getResponse());
        }
      }
      resolve();
    }),
  );
}
