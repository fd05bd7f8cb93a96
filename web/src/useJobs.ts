// The signed-in user's jobs, live: the list from REST, then every change from the socket's user
// room; a newer seq replaces an older snapshot, so reconnects and races never go backwards.
import { useEffect, useState } from 'react';
import { io, Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@server/events/event-map';
import type { JobSnapshot } from '@server/jobs/job.types';
import { api } from './api';

export function useJobs(enabled: boolean) {
  const [jobs, setJobs] = useState<Map<string, JobSnapshot>>(new Map());
  const [connected, setConnected] = useState(false);

  const merge = (incoming: JobSnapshot[]) =>
    setJobs((current) => {
      const next = new Map(current);
      for (const job of incoming) {
        const known = next.get(job.id);
        if (!known || known.seq < job.seq || known.attempt < job.attempt) next.set(job.id, job);
      }
      return next;
    });

  useEffect(() => {
    if (!enabled) return;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io('/jobs', { transports: ['websocket'], withCredentials: true });
    socket.on('connect', () => {
      setConnected(true);
      void api.jobs().then(merge); // after every (re)connect: whatever was missed meanwhile
    });
    socket.on('disconnect', () => setConnected(false));
    socket.on('job', (job) => merge([job]));
    socket.on('jobRemoved', ({ id }) => forget(id)); // deleted elsewhere: another tab, an admin
    return () => {
      socket.disconnect();
    };
  }, [enabled]);

  const forget = (id: string) =>
    setJobs((current) => {
      const next = new Map(current);
      next.delete(id);
      return next;
    });

  const list = [...jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return { jobs: list, connected, merge, forget };
}
