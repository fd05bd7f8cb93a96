// `/account`: change the password; upload or remove the cookies.txt for sites that need a login;
// subscriptions and webhooks (their own components).
import { type FormEvent, useEffect, useId, useState } from 'react';
import { api, ApiFailure, type CookiesStatus, type Me } from '../api';
import { apiErrorText } from '../lib/server-text';
import { useI18n } from '../i18n';
import { formatMoment } from '../lib/format';
import { SubscriptionsSection } from '../components/SubscriptionsSection';
import { WebhooksSection } from '../components/WebhooksSection';

type Outcome = { ok: boolean; text: string } | null;

function Outcome({ outcome }: { outcome: Outcome }) {
  if (!outcome) return null;
  return outcome.ok ? <p className="notice" role="status">{outcome.text}</p> : <p className="error-text" role="alert">{outcome.text}</p>;
}

export function AccountPage({ me }: { me: Me }) {
  const { t } = useI18n();
  return (
    <>
      <h1 tabIndex={-1}>{t('account.title')}</h1>
      <p className="muted">{t('account.signedInAs', { name: me.username, role: t(me.role === 'admin' ? 'users.role.admin' : 'users.role.user') })}</p>
      <PasswordSection />
      <CookiesSection />
      <SubscriptionsSection />
      <WebhooksSection />
    </>
  );
}

function PasswordSection() {
  const { t, lang } = useI18n();
  const ids = { current: useId(), next: useId() };
  const [outcome, setOutcome] = useState<Outcome>(null);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    try {
      await api.changePassword(String(form.get('currentPassword')), String(form.get('newPassword')));
      formEl.reset();
      setOutcome({ ok: true, text: t('account.changed') });
    } catch (err) {
      setOutcome({ ok: false, text: apiErrorText(err, lang, t('error.unreachable')) });
    }
  };
  return (
    <section className="panel" aria-labelledby="pw-h">
      <h2 id="pw-h">{t('account.password')}</h2>
      <form onSubmit={submit} className="stack narrow">
        <div className="field">
          <label htmlFor={ids.current}>{t('account.current')}</label>
          <input id={ids.current} name="currentPassword" type="password" autoComplete="current-password" required />
        </div>
        <div className="field">
          <label htmlFor={ids.next}>{t('account.new')}</label>
          <input id={ids.next} name="newPassword" type="password" autoComplete="new-password" minLength={8} required aria-describedby={`${ids.next}-hint`} />
          <span className="hint" id={`${ids.next}-hint`}>{t('account.newHint')}</span>
        </div>
        <button type="submit" className="primary">{t('account.change')}</button>
        <Outcome outcome={outcome} />
      </form>
    </section>
  );
}

function CookiesSection() {
  const { t, lang } = useI18n();
  const fileId = useId();
  const [status, setStatus] = useState<CookiesStatus | null | 'unavailable'>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const load = () => api.cookies().then(setStatus, (err) => err instanceof ApiFailure && err.status === 404 && setStatus('unavailable'));
  useEffect(() => void load(), []);

  const upload = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const file = new FormData(formEl).get('cookies');
    if (!(file instanceof File)) return;
    try {
      await api.putCookies(file);
      formEl.reset();
      setOutcome({ ok: true, text: t('cookies.saved') });
      await load();
    } catch (err) {
      setOutcome({ ok: false, text: apiErrorText(err, lang, t('error.unreachable')) });
    }
  };
  const remove = async () => {
    try {
      await api.removeCookies();
      setOutcome({ ok: true, text: t('cookies.removed') });
      await load();
    } catch (err) {
      setOutcome({ ok: false, text: apiErrorText(err, lang, t('error.unreachable')) });
    }
  };

  return (
    <section className="panel" aria-labelledby="cookies-h">
      <h2 id="cookies-h">{t('cookies.title')}</h2>
      <p className="muted">{t('cookies.explain')}</p>
      {status === 'unavailable' ? (
        <p>{t('cookies.unavailable')}</p>
      ) : (
        <>
          <p data-testid="cookies-status">
            {status?.present ? t('cookies.present', { domains: status.domains.join(', ') }) : status ? t('cookies.none') : ''}
            {status?.present && status.updatedAt && <span className="muted"> · {t('cookies.updated', { time: formatMoment(status.updatedAt, lang) })}</span>}
          </p>
          <form onSubmit={upload} className="stack narrow">
            <div className="field">
              <label htmlFor={fileId}>{t('cookies.file')}</label>
              <input id={fileId} name="cookies" type="file" accept=".txt,text/plain" required />
            </div>
            <div className="row">
              <button type="submit" className="primary">{t('cookies.upload')}</button>
              {status?.present && <button type="button" className="danger-outline" onClick={remove}>{t('cookies.remove')}</button>}
            </div>
          </form>
        </>
      )}
      <Outcome outcome={outcome} />
    </section>
  );
}
