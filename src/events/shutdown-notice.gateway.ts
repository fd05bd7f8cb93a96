import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import { ClientToServerEvents, JOBS_NAMESPACE, ServerShutdownNotice, ServerToClientEvents } from './event-map';

export const SHUTDOWN_NOTICE: ServerShutdownNotice = {
  reason: 'shutdown',
  message: 'This server is shutting down; reconnect to carry on (another server takes over, or this one once it is back).',
};

/**
 * SIGTERM to an api: every socket is told why before its connection closes. The connection then
 * ends as a transport close, which socket.io clients answer by reconnecting on their own (a
 * `disconnect(true)` would stop them from trying), so behind a load balancer they land elsewhere.
 */
@WebSocketGateway({ namespace: JOBS_NAMESPACE, serveClient: false })
export class ShutdownNotice implements BeforeApplicationShutdown {
  private readonly logger = new Logger('JobsGateway');
  @WebSocketServer() private readonly namespace?: Namespace<ClientToServerEvents, ServerToClientEvents>;

  beforeApplicationShutdown(): void {
    if (!this.namespace) return;
    this.logger.log(`Telling ${this.namespace.sockets.size} socket(s) this server is shutting down`);
    this.namespace.emit('serverShutdown', SHUTDOWN_NOTICE);
  }
}
