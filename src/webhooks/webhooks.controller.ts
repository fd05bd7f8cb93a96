import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { CurrentUser } from '../auth/auth.guard';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import { parseOr400 } from '../http/validate';
import { checkUrl } from '../jobs/url-policy';
import type { AuthUser } from '../users/user.types';
import { newWebhookSecret } from './webhook-signature';
import { WebhookRecords } from './webhook-records';
import { publicWebhook, Webhook, WEBHOOK_EVENTS, WEBHOOK_ID_PATTERN, WebhookDelivery } from './webhook.types';

export const createSchema = z.object({
  url: z.string({ message: 'url is required: the address that receives the events' }),
  events: z
    .array(z.enum(WEBHOOK_EVENTS, { message: `events must be among ${WEBHOOK_EVENTS.join(', ')}` }))
    .min(1, 'events must name at least one event (or be left out for all of them)')
    .optional(),
  secret: z
    .string()
    .min(16, 'secret must be at least 16 characters')
    .max(256, 'secret must be at most 256 characters')
    .regex(/^[\x21-\x7e]+$/, 'secret must be printable ASCII without spaces')
    .optional(),
});

const notFound = () => new ApiError(404, 'not_found', 'There is no such webhook.');

/** A user's own webhooks: register, list (never a secret), delete, and the last deliveries. */
@Controller('api/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhookRecords,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The only answer that shows the secret. */
  @Post()
  async create(@CurrentUser() user: AuthUser, @Body() body: unknown): Promise<Omit<Webhook, 'ownerId'>> {
    const input = parseOr400(createSchema, body);
    // The same policy as job links; judged again, against the address, at every delivery.
    const verdict = await checkUrl(input.url, { allowPrivate: this.config.allowPrivateUrls, allowAddresses: this.config.allowedPrivateAddresses });
    if (!verdict.ok) throw new ApiError(400, verdict.code, verdict.message);
    const webhook: Webhook = {
      id: this.webhooks.newId(),
      ownerId: user.id,
      url: verdict.url,
      events: input.events ? WEBHOOK_EVENTS.filter((e) => input.events!.includes(e)) : [...WEBHOOK_EVENTS],
      secret: input.secret ?? newWebhookSecret(),
      createdAt: new Date().toISOString(),
    };
    if (!(await this.webhooks.add(webhook, this.config.userMaxWebhooks))) {
      throw new ApiError(409, 'too_many_webhooks', `You can have at most ${this.config.userMaxWebhooks} webhooks; delete one first.`, { max: this.config.userMaxWebhooks });
    }
    const { ownerId: _ownerId, ...shown } = webhook;
    return shown;
  }

  @Get()
  async list(@CurrentUser() user: AuthUser) {
    return { items: (await this.webhooks.listOf(user.id)).map(publicWebhook) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<void> {
    if (!WEBHOOK_ID_PATTERN.test(id) || !(await this.webhooks.remove(user.id, id))) throw notFound();
  }

  @Get(':id/deliveries')
  async deliveries(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<{ items: WebhookDelivery[] }> {
    if (!WEBHOOK_ID_PATTERN.test(id) || !(await this.webhooks.get(user.id, id))) throw notFound();
    return { items: await this.webhooks.deliveriesOf(id) };
  }
}
