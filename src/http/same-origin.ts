/**
 * Pure: whether a browser request carrying our cookie came from a page we trust — its Origin (or,
 * failing that, Referer) names this server's own host (the Host header: behind a TLS proxy the
 * scheme differs but the host does not) or is listed in CORS_ORIGIN. Requests that carry
 * neither header (curl, scripts) are not cross-site requests made by a browser.
 */
export function isTrustedOrigin(
  headers: { origin?: string; referer?: string; host?: string },
  allowed: readonly string[],
): boolean {
  const claimed = headers.origin ?? refererOrigin(headers.referer);
  if (claimed === undefined) return true;
  if (claimed === 'null') return false; // sandboxed frames, file: pages, some redirects
  if (allowed.includes(claimed)) return true;
  try {
    return headers.host !== undefined && new URL(claimed).host === headers.host.toLowerCase();
  } catch {
    return false;
  }
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
