// The signed-in user's jobs, live, for every page: REST pages of the list, then every change from
// the socket's user room, merged by seq (lib/jobs.ts). One socket per session. After a reconnect
// the newest page is fetched again and reconciled, so nothing missed while away is lost.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@server/events/event-map';
import type { JobSnapshot, JobState } from '@server/jobs/job.types';
import { api } from './api';
import { type JobMap, mergeJobs, reconcilePage, removeJob } from './lib/jobs';
import { noteSeen, type SeenStates } from './lib/timeline';

/** `restarting`: the api said it is stopping (serverShutdown), until the socket is back. */
export type Connection = 'connecting' | 'live' | 'reconnecting' | 'restarting' | 'offline';
const PAGE_SIZE = 50;

interface Paging {
  state: JobState | undefined;
  cursor: string | null;
  /** createdAt of the oldest job loaded under this filter while more remain; null: all loaded. */
  loadedDownTo: string | null;
  loading: boolean;
  loaded: boolean;
}

export interface JobsStore {
  jobs: JobMap;
  connection: Connection;
  paging: Paging;
  merge(incoming: JobSnapshot[]): void;
  forget(id: string): void;
  setFilter(state: JobState | undefined): void;
  loadMore(): void;
  /** When this tab first saw each state of a job (for its timeline). */
  seen(id: string): SeenStates;
}

const JobsContext = createContext<JobsStore | null>(null);

export function JobsProvider({ children }: { children: ReactNode }) {
  const [jobs, setJobs] = useState<JobMap>(new Map());
  const [connection, setConnection] = useState<Connection>('connecting');
  const [paging, setPaging] = useState<Paging>({ state: undefined, cursor: null, loadedDownTo: null, loading: false, loaded: false });
  const pagingRef = useRef(paging);
  pagingRef.current = paging;
  const seenRef = useRef(new Map<string, SeenStates & { attempt?: number }>());
  // Ids that changed while a refetch was in flight: the (older) page must not drop them.
  const touchedRef = useRef<Set<string> | null>(null);

  const merge = useCallback((incoming: JobSnapshot[]) => {
    for (const job of incoming) {
      seenRef.current.set(job.id, noteSeen(seenRef.current.get(job.id) ?? {}, job));
      touchedRef.current?.add(job.id);
    }
    setJobs((current) => mergeJobs(current, incoming));
  }, []);
  const forget = useCallback((id: string) => setJobs((current) => removeJob(current, id)), []);

  /** The newest page under the filter, reconciled with what we hold. */
  const refresh = useCallback(async (state: JobState | undefined, resetPaging: boolean) => {
    const touched = new Set<string>();
    touchedRef.current = touched;
    setPaging((p) => ({ ...p, loading: true }));
    try {
      const page = await api.jobs({ state, limit: PAGE_SIZE });
      if (pagingRef.current.state !== state) return; // the filter moved on meanwhile
      for (const job of page.items) seenRef.current.set(job.id, noteSeen(seenRef.current.get(job.id) ?? {}, job));
      setJobs((current) => reconcilePage(current, page, { state, touchedMeanwhile: touched }));
      const downTo = page.nextCursor && page.items.length ? page.items[page.items.length - 1].createdAt : null;
      setPaging((p) =>
        resetPaging || !p.loaded
          ? { state, cursor: page.nextCursor, loadedDownTo: downTo, loading: false, loaded: true }
          : { ...p, loading: false }, // deeper pages stay loaded after a reconnect
      );
    } catch {
      setPaging((p) => ({ ...p, loading: false }));
    } finally {
      if (touchedRef.current === touched) touchedRef.current = null;
    }
  }, []);

  const setFilter = useCallback(
    (state: JobState | undefined) => {
      setPaging({ state, cursor: null, loadedDownTo: null, loading: true, loaded: false });
      pagingRef.current = { ...pagingRef.current, state };
      void refresh(state, true);
    },
    [refresh],
  );

  const loadMore = useCallback(() => {
    const p = pagingRef.current;
    if (!p.cursor || p.loading) return;
    setPaging({ ...p, loading: true });
    pagingRef.current = { ...p, loading: true };
    api.jobs({ state: p.state, limit: PAGE_SIZE, cursor: p.cursor }).then(
      (page) => {
        if (pagingRef.current.state !== p.state) return;
        merge(page.items);
        const downTo = page.nextCursor && page.items.length ? page.items[page.items.length - 1].createdAt : null;
        setPaging({ ...p, cursor: page.nextCursor, loadedDownTo: downTo, loading: false });
      },
      () => setPaging({ ...p, loading: false }),
    );
  }, [merge]);

  // The list even if the socket cannot connect (a proxy without websockets); again on each connect.
  useEffect(() => void refresh(undefined, true), [refresh]);

  useEffect(() => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io('/jobs', { transports: ['websocket'], withCredentials: true });
    let restarting = false; // told by the server: say so rather than a bare "reconnecting"
    const lost = () => setConnection(!navigator.onLine ? 'offline' : restarting ? 'restarting' : 'reconnecting');
    socket.on('serverShutdown', () => {
      restarting = true;
      setConnection('restarting');
    });
    socket.on('connect', () => {
      restarting = false;
      setConnection('live');
      void refresh(pagingRef.current.state, false); // whatever changed while we were away
    });
    socket.on('disconnect', (reason) => {
      lost();
      // The server hung up on purpose: a revoked session (api answers 401 and the page logs out)
      // or a fresh one after a password change (then we simply connect again).
      if (reason === 'io server disconnect') void api.stillSignedIn().then(() => socket.connect(), () => undefined);
    });
    socket.on('connect_error', () => {
      lost();
      void api.stillSignedIn().catch(() => undefined); // a refused handshake may be a session that ended: a 401 says so
    });
    socket.on('job', (job) => merge([job]));
    socket.on('jobRemoved', ({ id }) => forget(id)); // deleted elsewhere: another tab, an admin
    const online = () => setConnection(socket.connected ? 'live' : restarting ? 'restarting' : 'reconnecting');
    const offline = () => setConnection('offline');
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      socket.disconnect();
    };
  }, [merge, forget, refresh]);

  const seen = useCallback((id: string) => seenRef.current.get(id) ?? {}, []);
  const value = useMemo<JobsStore>(
    () => ({ jobs, connection, paging, merge, forget, setFilter, loadMore, seen }),
    [jobs, connection, paging, merge, forget, setFilter, loadMore, seen],
  );
  return <JobsContext.Provider value={value}>{children}</JobsContext.Provider>;
}

export function useJobsStore(): JobsStore {
  const value = useContext(JobsContext);
  if (!value) throw new Error('useJobsStore outside JobsProvider');
  return value;
}
