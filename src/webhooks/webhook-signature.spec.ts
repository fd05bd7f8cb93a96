import { createHmac } from 'node:crypto';
import { newWebhookSecret, signatureOf, verifySignature } from './webhook-signature';
import { deliveryBody, webhookEventFor } from './webhook.types';

describe('signatureOf', () => {
  it('matches the HMAC-SHA256 test vector of RFC 4231 (case 2)', () => {
    expect(signatureOf('what do ya want for nothing?', 'Jefe')).toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('signs the raw bytes: Chinese text in the body as UTF-8, any change breaks it', () => {
    const body = deliveryBody('job.completed', { id: 'AbCdEfGh_-12', title: '我的视频' } as never, new Date('2026-11-29T00:00:00Z'));
    const secret = newWebhookSecret();
    const header = signatureOf(body, secret);
    expect(header).toBe(`sha256=${createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex')}`);
    expect(verifySignature(Buffer.from(body), secret, header)).toBe(true);
    expect(verifySignature(body.replace('我的', '你的'), secret, header)).toBe(false);
    expect(verifySignature(body, `${secret}x`, header)).toBe(false);
    expect(verifySignature(body, secret, null)).toBe(false);
    expect(verifySignature(body, secret, header.slice(0, -1))).toBe(false);
  });

  it('generates a different long secret every time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});

describe('webhookEventFor', () => {
  it('names the event of each final state; a collection completing is collection.completed', () => {
    expect(webhookEventFor({ state: 'completed', kind: 'video' })).toBe('job.completed');
    expect(webhookEventFor({ state: 'completed', kind: 'collection' })).toBe('collection.completed');
    expect(webhookEventFor({ state: 'failed', kind: 'collection' })).toBe('job.failed');
    expect(webhookEventFor({ state: 'cancelled', kind: 'video' })).toBe('job.cancelled');
    expect(webhookEventFor({ state: 'downloading', kind: 'video' })).toBeNull();
  });
});
