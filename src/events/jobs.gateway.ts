import { Inject, Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { SessionService } from '../auth/session.service';
import { APP_CONFIG, AppConfig } from '../config/config';
import { isTrustedOrigin } from '../http/same-origin';
import { AuthUser, sessionTokenFrom } from '../users/user.types';
import { JOB_ID_PATTERN } from '../common/ids';
import { JobRecords } from '../jobs/job-records';
import { ClientToServerEvents, JOBS_NAMESPACE, rooms, ServerToClientEvents, SubscribeAck } from './event-map';
import { JobEventsRelay } from './job-events.relay';
import { RoomBroadcaster } from './room-broadcaster';

/** `expiry`: the end of the socket's session (sessions do not slide). */
type JobsSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { user: AuthUser; expiry?: NodeJS.Timeout }>;

// One function for every socket's timer, so that a timer holds the socket and nothing else.
const endSocket = (socket: JobsSocket) => socket.disconnect(true);

@WebSocketGateway({ namespace: JOBS_NAMESPACE, serveClient: false })
export class JobsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger('JobsGateway');
  private namespace: Namespace<ClientToServerEvents, ServerToClientEvents> | null = null;

  constructor(
    private readonly sessions: SessionService,
    private readonly store: JobRecords,
    private readonly relay: JobEventsRelay,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Sockets connected to this process (vidpipe_socket_clients). */
  clientCount(): number {
    return this.namespace?.sockets.size ?? 0;
  }

  afterInit(namespace: Namespace<ClientToServerEvents, ServerToClientEvents>): void {
    this.namespace = namespace;
    // The handshake carries the session: `auth: { token }` or the session cookie.
    namespace.use((socket, next) => {
      const explicit = typeof socket.handshake.auth?.token === 'string' ? (socket.handshake.auth.token as string) : null;
      const { headers } = socket.handshake;
      // A page on another site must not ride on the cookie (cross-site WebSocket hijacking).
      if (!explicit && !isTrustedOrigin(headers, this.config.corsOrigins)) return next(new Error('unauthorized'));
      const token = explicit ?? sessionTokenFrom({ cookie: headers.cookie })?.token ?? null;
      this.sessions
        .verify(token)
        .then((user) => {
          if (!user) return next(new Error('unauthorized'));
          socket.data.user = user;
          next();
        })
        .catch(() => next(new Error('unauthorized')));
    });
    const broadcaster = new RoomBroadcaster(namespace, this.logger);
    this.relay.onEveryJob((job) => broadcaster.send('job', [rooms.job(job.id), rooms.user(job.ownerId), rooms.admins], job));
    this.relay.onRemoved(({ id, ownerId }) => broadcaster.send('jobRemoved', [rooms.job(id), rooms.user(ownerId), rooms.admins], { id }));
    // A revoked session (logout, password change, account disabled or removed) loses its sockets.
    this.sessions.onRevoked(({ userId, sessionDigest }) => {
      void namespace
        .in(rooms.user(userId))
        .local.fetchSockets()
        .then((sockets) => {
          for (const socket of sockets) {
            if (!sessionDigest || socket.data.user?.sessionDigest === sessionDigest) socket.disconnect(true);
          }
        });
    });
    this.logger.log(`socket.io namespace ${JOBS_NAMESPACE} ready`);
  }

  async handleConnection(socket: JobsSocket): Promise<void> {
    const user = socket.data.user;
    if (!user) return void socket.disconnect(true);
    await socket.join(rooms.user(user.id));
    if (user.role === 'admin') await socket.join(rooms.admins);
    // Checked again once in the rooms: a revocation published since the handshake is not missed.
    const remaining = await this.sessions.remainingMs(user.sessionDigest);
    if (socket.disconnected) return; // left meanwhile: no timer to hold it
    if (remaining === 0) return void socket.disconnect(true);
    // Sessions do not slide: the socket ends when its session does.
    socket.data.expiry = setTimeout(endSocket, Math.min(remaining, 2 ** 31 - 1), socket);
  }

  handleDisconnect(socket: JobsSocket): void {
    clearTimeout(socket.data.expiry);
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: JobsSocket, @MessageBody() body: unknown): Promise<SubscribeAck> {
    const jobId = (body as { jobId?: unknown } | null)?.jobId;
    if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) return { ok: false, error: 'not_found' };
    // Owner first (it never changes), then join, then read the snapshot: an event racing the
    // read arrives with a seq the client can compare, and nobody else ever joins the room.
    const user = socket.data.user;
    const owner = await this.store.ownerOf(jobId);
    if (!owner || (owner !== user.id && user.role !== 'admin')) return { ok: false, error: 'not_found' };
    await socket.join(rooms.job(jobId));
    const job = await this.store.get(jobId);
    if (!job) {
      await socket.leave(rooms.job(jobId));
      return { ok: false, error: 'not_found' };
    }
    return { ok: true, job };
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: JobsSocket, @MessageBody() body: unknown): Promise<{ ok: true }> {
    const jobId = (body as { jobId?: unknown } | null)?.jobId;
    if (typeof jobId === 'string') await socket.leave(rooms.job(jobId));
    return { ok: true };
  }
}
