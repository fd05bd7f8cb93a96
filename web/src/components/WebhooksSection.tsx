// `/account` › Webhooks: register a URL for some events (the secret, made here or given, is shown
// once with a copy button), the list with Remove, and each webhook's last deliveries (the receiver's
// own answer as it came; our sentence for none in the reader's language).
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { WEBHOOK_EVENTS } from '@server/webhooks/webhook.types';
import { api, type PublicWebhook, type WebhookDelivery, type WebhookEvent } from '../api';
import { apiErrorText, serverText } from '../lib/server-text';
import { useI18n } from '../i18n';
import { formatMoment } from '../lib/format';
import { pathOf } from '../lib/routes';
import { Link } from '../router';

type Outcome = { ok: boolean; text: string } | null;

export function WebhooksSection() {
  const { t, lang } = useI18n();
  const ids = { url: useId(), secret: useId() };
  const [items, setItems] = useState<PublicWebhook[] | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const load = useCallback(() => api.webhooks().then(setItems, () => undefined), []);
  useEffect(() => void load(), [load]);

  const fail = (err: unknown) => setOutcome({ ok: false, text: apiErrorText(err, lang, t('error.unreachable')) });
  const add = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const events = form.getAll('events').map(String) as WebhookEvent[];
    if (events.length === 0) return setOutcome({ ok: false, text: t('hooks.eventsNeeded') });
    try {
      const made = await api.addWebhook(String(form.get('url')).trim(), events, String(form.get('secret') ?? '') || undefined);
      formEl.reset();
      setOutcome(null);
      setCopied(false);
      setSecret(made.secret);
      await load();
    } catch (err) {
      fail(err);
    }
  };
  const remove = async (hook: PublicWebhook) => {
    try {
      await api.removeWebhook(hook.id);
      await load();
    } catch (err) {
      fail(err);
    }
  };
  const secretRef = useRef<HTMLElement>(null);
  const copy = async () => {
    if (!secret) return;
    if (navigator.clipboard && (await navigator.clipboard.writeText(secret).then(() => true, () => false))) return setCopied(true);
    // Plain http on a LAN address has no Clipboard API: select the text and use the older command.
    const range = document.createRange();
    if (!secretRef.current) return;
    range.selectNodeContents(secretRef.current);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
    if (document.execCommand('copy')) setCopied(true);
  };

  return (
    <section className="panel" aria-labelledby="hooks-h">
      <h2 id="hooks-h">{t('hooks.title')}</h2>
      <p className="muted">{t('hooks.explain')}</p>
      <form onSubmit={add} className="stack">
        <div className="field">
          <label htmlFor={ids.url}>{t('hooks.url')}</label>
          <input id={ids.url} name="url" type="url" inputMode="url" required placeholder="https://…" />
        </div>
        <fieldset className="checks">
          <legend>{t('hooks.events')}</legend>
          {WEBHOOK_EVENTS.map((ev) => (
            <label key={ev}>
              <input type="checkbox" name="events" value={ev} defaultChecked /> {t(`hooks.event.${ev}`)}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={ids.secret}>{t('hooks.secret')}</label>
          <input id={ids.secret} name="secret" type="text" autoComplete="off" minLength={16} maxLength={256} aria-describedby={`${ids.secret}-hint`} />
          <span className="hint" id={`${ids.secret}-hint`}>{t('hooks.secretHint')}</span>
        </div>
        <div className="row"><button type="submit" className="primary">{t('hooks.add')}</button></div>
      </form>
      {outcome && (outcome.ok ? <p className="notice" role="status">{outcome.text}</p> : <p className="error-text" role="alert">{outcome.text}</p>)}
      {secret && (
        <div className="row-item" role="status" data-testid="webhook-secret">
          <p>{t('hooks.secretOnce')}</p>
          <code className="secret" data-testid="secret-value" ref={secretRef}>{secret}</code>
          <div className="row">
            <button type="button" onClick={() => void copy()}>{t('hooks.copy')}</button>
            {copied && <span className="notice">{t('hooks.copied')}</span>}
            <button type="button" onClick={() => setSecret(null)}>{t('hooks.saved')}</button>
          </div>
        </div>
      )}
      {items && items.length === 0 && <p className="muted">{t('hooks.none')}</p>}
      <ul className="rows" aria-label={t('hooks.list')}>
        {items?.map((hook) => (
          <li key={hook.id} className="row-item" data-testid="webhook" data-id={hook.id}>
            <p className="break"><strong>{hook.url}</strong></p>
            <p className="meta">{hook.events.map((ev) => <span key={ev}>{ev}</span>)}</p>
            <Deliveries hook={hook} />
            <div className="row"><button type="button" className="danger-outline" onClick={() => void remove(hook)}>{t('hooks.remove')}</button></div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Deliveries({ hook }: { hook: PublicWebhook }) {
  const { t, lang } = useI18n();
  const [items, setItems] = useState<WebhookDelivery[] | null>(null);
  const load = useCallback(() => api.deliveries(hook.id).then(setItems, () => undefined), [hook.id]);
  useEffect(() => void load(), [load]);
  return (
    <div>
      <div className="row">
        <h3 className="small">{t('hooks.deliveries')}</h3>
        <button type="button" onClick={() => void load()} aria-label={`${t('hooks.refresh')}: ${t('hooks.deliveries')}`}>{t('hooks.refresh')}</button>
      </div>
      {items && items.length === 0 && <p className="muted small">{t('hooks.noDeliveries')}</p>}
      {items && items.length > 0 && (
        <div className="table-wrap">
          <table className="deliveries" data-testid="deliveries">
            <tbody>
              {items.map((d) => (
                <tr key={d.id + d.at} data-outcome={d.outcome}>
                  <td>{formatMoment(d.at, lang)}</td>
                  <td>{d.event}</td>
                  <td><Link to={pathOf.job(d.jobId)}>{d.jobId}</Link></td>
                  <td>{t(`hooks.outcome.${d.outcome}`)} · {d.statusCode ?? t('hooks.noAnswer')} · {t('hooks.tries', { n: d.attempts })}</td>
                  <td className="break" data-testid="response">{serverText(lang, d.responseKey, d.responseParams, d.response)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
