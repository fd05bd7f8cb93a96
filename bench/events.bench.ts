// How fresh is live progress for many watchers? N socket.io clients watch one throttled download;
// for every `job` event each one receives we take (arrival time − the snapshot's updatedAt, set by
// the worker just before it writes to Redis): worker → Redis → api relay → socket.io → client.
import { connectJobsSocket, isFinal, Socket, subscribe } from '../test/support/jobs';
import { makeLongMp4 } from '../test/support/media';
import { runBench } from './bench-env';

const WATCHERS = Number(process.env.WATCHERS ?? 1000);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

runBench({ bytesPerSecond: 250_000 }, async ({ dir, server, app, token, http }) => {
  const clip = await makeLongMp4(dir, 60);
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < WATCHERS; i += 50) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, WATCHERS - i) }, () => connectJobsSocket(app.baseUrl, token)))));
    }
    const latencies: number[] = [];
    const perClient = new Map<Socket, number>();
    let finals = 0;
    const { body: job } = await http.post('/api/jobs', { url: server.url(`/${clip.split('/').pop()}`) });
    const allDone = Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) =>
            s.on('job', (snap: { id: string; state: string; updatedAt: string }) => {
              if (snap.id !== job.id) return;
              latencies.push(Date.now() - Date.parse(snap.updatedAt));
              perClient.set(s, (perClient.get(s) ?? 0) + 1);
              if (isFinal(snap.state)) {
                finals++;
                resolve();
              }
            }),
          ),
      ),
    );
    await Promise.all(sockets.map((s) => subscribe(s, job.id, 30_000)));
    const started = Date.now();
    await allDone;
    const seconds = (Date.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const counts = [...perClient.values()].sort((a, b) => a - b);
    console.log(`watchers: ${WATCHERS}, job: 60 s clip downloaded at 250 KB/s then copied to HLS (${seconds.toFixed(1)} s)`);
    console.log(`events per watcher: min ${counts[0]}, median ${pct(counts, 50)}, max ${counts[counts.length - 1]}`);
    console.log(`final event received by ${finals} of ${WATCHERS} watchers`);
    console.log(
      `latency updatedAt → client (ms): p50 ${pct(latencies, 50)}, p95 ${pct(latencies, 95)}, p99 ${pct(latencies, 99)}, max ${latencies[latencies.length - 1]}`,
    );
  } finally {
    sockets.forEach((s) => s.disconnect());
  }
});
