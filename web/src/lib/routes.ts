// The dashboard's routes (DESIGN §2.5) and the `?url=` pre-fill; pure, for the router and jest.
export type Route =
  | { name: 'list' }
  | { name: 'job'; id: string }
  | { name: 'account' }
  | { name: 'users' }
  | { name: 'workers' }
  | { name: 'notFound' };

const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'list' };
  if (path === '/account') return { name: 'account' };
  if (path === '/admin/users') return { name: 'users' };
  if (path === '/admin/workers') return { name: 'workers' };
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job) {
    let id: string;
    try {
      id = decodeURIComponent(job[1]);
    } catch {
      return { name: 'notFound' };
    }
    return JOB_ID.test(id) ? { name: 'job', id } : { name: 'notFound' };
  }
  return { name: 'notFound' };
}

export const pathOf = {
  list: () => '/',
  job: (id: string) => `/jobs/${encodeURIComponent(id)}`,
  account: () => '/account',
  users: () => '/admin/users',
  workers: () => '/admin/workers',
};

/**
 * The link to pre-fill from `?url=` (a bookmarklet) or, from a phone's share sheet, `?text=`
 * that holds a link among other words. Only http(s) links; anything else pre-fills nothing.
 */
export function prefillFrom(search: string): string | null {
  const params = new URLSearchParams(search);
  for (const candidate of [params.get('url'), params.get('text')]) {
    const link = firstHttpLink(candidate ?? '');
    if (link) return link;
  }
  return null;
}

function firstHttpLink(text: string): string | null {
  const match = /https?:\/\/[^\s"'<>，。！？；（）【】、]+/i.exec(text);
  if (!match) return null;
  const link = match[0].replace(/[.,;:!?)\]}。，；！？）]+$/u, ''); // a sentence's end is not part of the link
  try {
    new URL(link);
    return link;
  } catch {
    return null;
  }
}
