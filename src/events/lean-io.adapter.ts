import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';

// Nest's socket.io (a copy of its own, a patch apart from ours): its socket type, from the base class.
type IoSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];

/**
 * Nest's socket.io adapter, made to hold many sockets per api process (15,000 in
 * bench/fanout.bench.ts). Nest's default wires each `@SubscribeMessage` of each socket through
 * an rxjs pipeline of its own (fromEvent → mergeMap → takeUntil(disconnect$): ~40 closures,
 * subscribers and contexts a socket); here a handler is one plain listener calling the same Nest
 * handler, with the same results: the ack, `{ event, data }` emitted back, errors logged. With the
 * per-socket session timer in JobsGateway, the api's heap per idle socket went from 24.4 KiB to
 * 13.5 KiB (heap snapshots, 2,000 sockets); a bare socket.io server's RSS is ~14 KiB a socket.
 * Checked and left alone (socket.io 4.8, engine.io 6.6): websocket compression is off by default,
 * maxHttpBufferSize only caps and allocates nothing, connection-state recovery is off, and
 * dropping the upgrade request (`rawSocket.request = null`) frees nothing here — engine.io's
 * upgrade response keeps it alive from a close listener on the TCP socket.
 */
export class LeanIoAdapter extends IoAdapter {
  bindMessageHandlers(socket: IoSocket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message, (...args: unknown[]) => {
        // As Nest's fromEvent() hands them over: several arguments as an array, one as itself.
        const { data, ack } = this.mapPayload(args.length > 1 ? args : args[0]);
        let result: Observable<unknown>;
        try {
          result = transform(callback(data, ack));
        } catch (err) {
          return this.logger.error(err);
        }
        result.subscribe({
          next: (response) => {
            if (response === undefined || response === null) return;
            const reply = response as { event?: string; data?: unknown };
            if (reply.event) socket.emit(reply.event, reply.data);
            else if (!isAckHandledManually && typeof ack === 'function') ack(response);
          },
          error: (err: unknown) => this.logger.error(err),
        });
      });
    }
  }
}
