import { Global, Inject, Injectable, Module, OnApplicationShutdown, type Provider } from '@nestjs/common';
import Redis from 'ioredis';
import { redisOptionsFor } from './redis-options';

export const REDIS_URL = Symbol('REDIS_URL');

/** What a records class needs of RedisService: the command connection (a test passes `{ client }`). */
export type RedisSource = Pick<RedisService, 'client'>;

/**
 * A records class as a provider. Records classes import nothing of NestJS (it is ESM-only, and
 * jest loads them directly against a real Redis), so they are made here on the process's RedisService.
 */
export const recordsProvider = (records: new (redis: RedisService) => object): Provider => ({
  provide: records,
  useFactory: (redis: RedisService) => new records(redis),
  inject: [RedisService],
});

/** Owns every ioredis connection of the process: one for commands, one per subscriber. */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;
  private readonly connections: Redis[] = [];

  constructor(@Inject(REDIS_URL) private readonly url: string) {
    this.client = this.connect('commands');
  }

  /** A dedicated connection (subscribers cannot issue commands). */
  connect(name: string): Redis {
    const conn = new Redis({ ...redisOptionsFor(this.url), connectionName: `vidpipe:${name}` });
    conn.on('error', () => undefined); // ioredis reconnects by itself; health reports the outage
    this.connections.push(conn);
    return conn;
  }

  get connectionOptions() {
    return redisOptionsFor(this.url);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

@Global()
@Module({})
export class RedisModule {
  static forUrl(url: string) {
    return {
      module: RedisModule,
      providers: [{ provide: REDIS_URL, useValue: url }, RedisService],
      exports: [RedisService, REDIS_URL],
    };
  }
}
