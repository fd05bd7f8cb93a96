// Submissions a second on one api process (no worker: nothing is downloaded, only accepted and
// stored), against the process's floor: GET /api/health/live on the same process, client and concurrency.
import { runBench } from './bench-env';

const TOTAL = Number(process.env.SUBMISSIONS ?? 6000);
const CONCURRENCY = 64;

async function blast(n: number, send: (i: number) => Promise<Response>): Promise<{ perSecond: number; failed: number }> {
  let next = 0;
  let failed = 0;
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) {
      const res = await send(next++);
      await res.arrayBuffer();
      if (res.status >= 300) failed++;
    }
  }));
  return { perSecond: n / ((Date.now() - started) / 1000), failed };
}

// A high per-user limit: this measures the api, not the owner's quota.
runBench({ role: 'api', env: { USER_MAX_ACTIVE_JOBS: '1000000' } }, async ({ app, token, server }) => {
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  await blast(500, () => fetch(`${app.baseUrl}/api/health/live`, { headers })); // warm-up
  const jobs = await blast(TOTAL, (i) =>
    fetch(`${app.baseUrl}/api/jobs`, { method: 'POST', headers, body: JSON.stringify({ url: server.url(`/clip-${i}.mp4`) }) }));
  const floor = await blast(TOTAL, () => fetch(`${app.baseUrl}/api/health/live`, { headers }));
  console.log(`${TOTAL} POST /api/jobs, ${CONCURRENCY} at a time, api role only: ${jobs.perSecond.toFixed(0)}/s (${jobs.failed} not 201)`);
  console.log(`by hand, the same process's cheapest route (GET /api/health/live): ${floor.perSecond.toFixed(0)}/s → submissions at ${(jobs.perSecond / floor.perSecond).toFixed(2)}× of it`);
});
