import type { Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from './event-map';

/**
 * Sockets written to per turn of the event loop. One emit to 15,000 sockets is ~300 ms of writes
 * in a single turn: HTTP and Redis wait behind it, and every write's bookkeeping lives until the
 * turn ends, long enough to be promoted out of V8's young generation. 15,000 sockets, 48 events
 * (alternating runs): peak RSS 632–736 MiB in one turn, 572–605 MiB in slices of 500.
 */
export const SOCKETS_PER_TURN = 500;

type EventName = keyof ServerToClientEvents;

/**
 * Sends each event to the union of some rooms (a socket in several gets it once), a slice of
 * sockets per turn of the event loop, and one event after the other: a socket never sees a later
 * event before an earlier one. The payload is encoded once per slice, not per socket.
 */
export class RoomBroadcaster {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly namespace: Namespace<ClientToServerEvents, ServerToClientEvents>,
    private readonly logger: Logger,
  ) {}

  send<E extends EventName>(event: E, rooms: string[], ...args: Parameters<ServerToClientEvents[E]>): void {
    this.queue = this.queue
      .then(() => this.sendInSlices(event, rooms, args))
      .catch((err: Error) => this.logger.error(`Could not send ${event}: ${err.message}`));
  }

  private async sendInSlices<E extends EventName>(event: E, rooms: string[], args: Parameters<ServerToClientEvents[E]>): Promise<void> {
    // Who is in the rooms now. A socket that connects meanwhile reads the state itself (the list
    // a client fetches on connect, or subscribe's answer), as it would between two events.
    const ids = [...(await this.namespace.adapter.sockets(new Set(rooms)))];
    for (let start = 0; start < ids.length; start += SOCKETS_PER_TURN) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      // Every socket is alone in a room named by its id.
      this.namespace.to(ids.slice(start, start + SOCKETS_PER_TURN)).emit(event, ...args);
    }
  }
}
