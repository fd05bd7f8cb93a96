import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import { RedisService } from '../redis/redis.module';

/**
 * Failed logins counted in Redis (so every api process shares them), per account and per client
 * address. After LOGIN_MAX_FAILURES failures in a row for an account (three times that for one
 * address, which a household may share) logins answer 429 until the lockout window passes.
 * A successful login clears the account's count.
 */
@Injectable()
export class LoginLimiter {
  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async assertAllowed(username: string, address: string): Promise<void> {
    const [account, client] = await this.redis.client.mget(accountKey(username), addressKey(address));
    const max = this.config.loginMaxFailures;
    if (Number(account ?? 0) < max && Number(client ?? 0) < max * 3) return;
    const ttls = await Promise.all([this.redis.client.ttl(accountKey(username)), this.redis.client.ttl(addressKey(address))]);
    const minutes = Math.max(1, Math.ceil(Math.max(...ttls) / 60));
    throw new ApiError(429, 'too_many_attempts', `Too many failed logins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
  }

  async recordFailure(username: string, address: string): Promise<void> {
    const window = this.config.loginLockoutSeconds;
    await this.redis.client
      .multi()
      .incr(accountKey(username))
      .expire(accountKey(username), window)
      .incr(addressKey(address))
      .expire(addressKey(address), window)
      .exec();
  }

  async recordSuccess(username: string): Promise<void> {
    await this.redis.client.del(accountKey(username));
  }
}

const accountKey = (username: string) => `vp:login-failures:account:${username.toLowerCase()}`;
const addressKey = (address: string) => `vp:login-failures:address:${address}`;
