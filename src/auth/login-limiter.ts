import { Inject, Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import { RedisService } from '../redis/redis.module';
import { sessionKeys } from './session-keys';

/**
 * Password attempts counted in Redis (so every api process shares them), per account and per
 * client address (an IPv6 client per /64, which one client controls). Each attempt is counted
 * *before* the password is checked — so guesses sent in parallel are counted too — and a success
 * takes its count back. Past LOGIN_MAX_FAILURES for an account (three times that for an address,
 * which a household may share) attempts answer 429 until the window passes.
 */
@Injectable()
export class LoginLimiter {
  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Counts an attempt, or answers 429 when too many failed. */
  async charge(username: string, address: string): Promise<void> {
    const window = this.config.loginLockoutSeconds;
    const [account, client] = [accountKey(username), addressKey(address)];
    const results = (await this.redis.client
      .multi()
      .incr(account)
      .expire(account, window, 'NX')
      .incr(client)
      .expire(client, window, 'NX')
      .exec()) as [Error | null, number][];
    const max = this.config.loginMaxFailures;
    if (results[0][1] <= max && results[2][1] <= max * 3) return;
    // Refused attempts check no password, so they take their count back: an address is not
    // locked out because someone kept knocking on one locked account.
    await this.redis.client.multi().decr(account).decr(client).exec();
    const ttls = await Promise.all([this.redis.client.ttl(account), this.redis.client.ttl(client)]);
    const minutes = Math.max(1, Math.ceil(Math.max(...ttls) / 60));
    throw new ApiError(429, 'too_many_attempts', `Too many failed logins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, { minutes });
  }

  /** The password was right: this attempt does not count, and the account starts afresh. */
  async succeeded(username: string, address: string): Promise<void> {
    await this.redis.client.multi().del(accountKey(username)).decr(addressKey(address)).exec();
  }
}

const accountKey = (username: string) => sessionKeys.attemptsOfAccount(username);
const addressKey = (address: string) => sessionKeys.attemptsOfAddress(clientBlock(address));

function clientBlock(address: string): string {
  try {
    const ip = ipaddr.process(address); // ::ffff:a.b.c.d → a.b.c.d
    return ip.kind() === 'ipv6' ? `${(ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64` : ip.toString();
  } catch {
    return address;
  }
}
