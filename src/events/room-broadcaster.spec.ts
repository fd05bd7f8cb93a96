import type { Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import type { JobSnapshot } from '../jobs/job.types';
import type { ClientToServerEvents, ServerToClientEvents } from './event-map';
import { RoomBroadcaster, SOCKETS_PER_TURN } from './room-broadcaster';

interface Emitted { event: string; to: string[]; payload: unknown }

/** A namespace whose rooms hold `ids`; records every emit. */
function fakeNamespace(ids: string[], asked: Array<Set<string>> = []) {
  const emitted: Emitted[] = [];
  const namespace = {
    adapter: { sockets: async (rooms: Set<string>) => (asked.push(rooms), new Set(ids)) },
    to: (to: string[]) => ({ emit: (event: string, payload: unknown) => void emitted.push({ event, to, payload }) }),
  } as unknown as Namespace<ClientToServerEvents, ServerToClientEvents>;
  return { namespace, emitted };
}

const logger = { error: jest.fn() } as unknown as Logger;
const snapshot = (seq: number) => ({ id: 'job1', seq }) as JobSnapshot;
const settled = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('RoomBroadcaster', () => {
  it('asks for the union of the rooms and sends each socket the event once', async () => {
    const asked: Array<Set<string>> = [];
    const { namespace, emitted } = fakeNamespace(['s1', 's2'], asked);
    new RoomBroadcaster(namespace, logger).send('jobRemoved', ['job:job1', 'user:u1', 'admins'], { id: 'job1' });
    await settled();
    expect(asked).toEqual([new Set(['job:job1', 'user:u1', 'admins'])]);
    expect(emitted).toEqual([{ event: 'jobRemoved', to: ['s1', 's2'], payload: { id: 'job1' } }]);
  });

  it('writes a slice of sockets per turn, and every slice of an event before the next event', async () => {
    const ids = Array.from({ length: SOCKETS_PER_TURN * 2 + 3 }, (_, i) => `s${i}`);
    const { namespace, emitted } = fakeNamespace(ids);
    const broadcaster = new RoomBroadcaster(namespace, logger);
    broadcaster.send('job', ['admins'], snapshot(1));
    broadcaster.send('job', ['admins'], snapshot(2));
    await settled();
    expect(emitted.map((e) => [(e.payload as JobSnapshot).seq, e.to.length])).toEqual([
      [1, SOCKETS_PER_TURN], [1, SOCKETS_PER_TURN], [1, 3],
      [2, SOCKETS_PER_TURN], [2, SOCKETS_PER_TURN], [2, 3],
    ]);
    expect(emitted.slice(0, 3).flatMap((e) => e.to)).toEqual(ids);
  });

  it('logs an event it could not send and sends the next ones', async () => {
    const { namespace, emitted } = fakeNamespace(['s1']);
    const broken = { ...namespace, adapter: { sockets: jest.fn().mockRejectedValueOnce(new Error('gone')).mockResolvedValue(new Set(['s1'])) } };
    const broadcaster = new RoomBroadcaster(broken as unknown as typeof namespace, logger);
    broadcaster.send('job', ['admins'], snapshot(1));
    broadcaster.send('job', ['admins'], snapshot(2));
    await settled();
    expect(logger.error).toHaveBeenCalledWith('Could not send job: gone');
    expect(emitted.map((e) => (e.payload as JobSnapshot).seq)).toEqual([2]);
  });
});
