/**
 * Pure: whether a browser request carrying our cookie came from a page we trust — its Origin (or,
 * failing that, Referer) is this server's own origin or one listed in CORS_ORIGIN. Requests that
 * carry neither header (curl, scripts) are not cross-site requests made by a browser.
 */
export function isTrustedOrigin(
  headers: { origin?: string; referer?: string; host?: string },
  ownOrigin: string | null,
  allowed: readonly string[],
): boolean {
  const claimed = headers.origin ?? refererOrigin(headers.referer);
  if (claimed === undefined) return true;
  if (claimed === 'null') return false; // sandboxed frames, file: pages, some redirects
  return claimed === ownOrigin || allowed.includes(claimed);
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
