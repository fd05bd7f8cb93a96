// `/account` › Subscriptions: follow a playlist or channel (the server's 400 sentence says the
// shortest interval), the list with its last check, "Check now" (polled until the check ends), Remove.
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { JOB_FORMATS, type JobFormat } from '@server/jobs/job.types';
import { api, type Subscription } from '../api';
import { apiErrorText, serverText } from '../lib/server-text';
import { useI18n } from '../i18n';
import { formatMoment } from '../lib/format';

type Outcome = { ok: boolean; text: string } | null;
const POLL_MS = 1000;
const POLL_LIMIT_MS = 120_000; // a check that takes longer is still shown by the next visit

export function SubscriptionsSection() {
  const { t, lang } = useI18n();
  const ids = { url: useId(), format: useId(), interval: useId() };
  const [items, setItems] = useState<Subscription[] | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [checking, setChecking] = useState<ReadonlySet<string>>(new Set());
  const mounted = useRef(true);
  const load = useCallback(() => api.subscriptions().then((s) => (mounted.current && setItems(s), s), () => null), []);
  useEffect(() => {
    mounted.current = true;
    void load();
    return () => void (mounted.current = false);
  }, [load]);

  const fail = (err: unknown) => setOutcome({ ok: false, text: apiErrorText(err, lang, t('error.unreachable')) });
  const add = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    try {
      await api.subscribe(String(form.get('url')).trim(), form.get('format') as JobFormat, Number(form.get('interval')));
      formEl.reset();
      setOutcome({ ok: true, text: t('subs.added') });
      await load();
    } catch (err) {
      fail(err);
    }
  };

  // 202 answers at once; the check runs in a worker: poll until its lastCheckedAt moves.
  const checkNow = async (sub: Subscription) => {
    setChecking((s) => new Set(s).add(sub.id));
    try {
      await api.checkSubscription(sub.id);
      const deadline = Date.now() + POLL_LIMIT_MS;
      while (mounted.current && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        const now = await load();
        const fresh = now?.find((s) => s.id === sub.id);
        if (!fresh || fresh.lastCheckedAt !== sub.lastCheckedAt) break;
      }
    } catch (err) {
      fail(err);
    } finally {
      setChecking((s) => {
        const next = new Set(s);
        next.delete(sub.id);
        return next;
      });
    }
  };
  const remove = async (sub: Subscription) => {
    try {
      await api.removeSubscription(sub.id);
      await load();
    } catch (err) {
      fail(err);
    }
  };

  return (
    <section className="panel" aria-labelledby="subs-h">
      <h2 id="subs-h">{t('subs.title')}</h2>
      <p className="muted">{t('subs.explain')}</p>
      <form onSubmit={add} className="submit">
        <div className="field grow">
          <label htmlFor={ids.url}>{t('subs.url')}</label>
          <input id={ids.url} name="url" type="url" inputMode="url" required placeholder="https://…" />
        </div>
        <div className="field">
          <label htmlFor={ids.format}>{t('submit.format')}</label>
          <select id={ids.format} name="format" defaultValue="best">
            {JOB_FORMATS.map((f) => <option key={f} value={f}>{t(`format.${f}`)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.interval}>{t('subs.interval')}</label>
          <input id={ids.interval} name="interval" type="number" inputMode="numeric" min={1} step={1} defaultValue={360} required />
        </div>
        <button type="submit" className="primary">{t('subs.add')}</button>
      </form>
      {outcome && (outcome.ok ? <p className="notice" role="status">{outcome.text}</p> : <p className="error-text" role="alert">{outcome.text}</p>)}
      <h3 className="visually-hidden">{t('subs.list')}</h3>
      {items && items.length === 0 && <p className="muted">{t('subs.none')}</p>}
      <ul className="rows" aria-label={t('subs.list')}>
        {items?.map((sub) => (
          <li key={sub.id} className="row-item" data-testid="subscription" data-id={sub.id} data-checked={sub.lastCheckedAt ?? ""}>
            <p className="break"><a href={sub.url} rel="noreferrer noopener" target="_blank">{sub.url}</a></p>
            <p className="meta">
              <span>{t(`format.${sub.format}`)}</span>
              <span>{t('subs.every', { n: sub.intervalMinutes })}</span>
              <span data-testid="last-checked">{sub.lastCheckedAt ? t('subs.lastChecked', { time: formatMoment(sub.lastCheckedAt, lang) }) : t('subs.never')}</span>
              <span data-testid="seen">{t('subs.seen', { n: sub.seen })}</span>
            </p>
            {sub.lastError && <p className="message error-text">{serverText(lang, sub.lastErrorKey, sub.lastErrorParams, sub.lastError)}</p>}
            <div className="row">
              <button type="button" onClick={() => void checkNow(sub)} disabled={checking.has(sub.id)}>
                {checking.has(sub.id) ? t('subs.checking') : t('subs.check')}
              </button>
              <button type="button" className="danger-outline" onClick={() => void remove(sub)}>{t('subs.remove')}</button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
