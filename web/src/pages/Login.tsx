import { type FormEvent, useState } from 'react';
import { api, type Me } from '../api';
import { apiErrorText } from '../lib/server-text';
import { useI18n } from '../i18n';
import { LANG_NAMES, LANGS, type Lang } from '../lib/i18n';

export function Login({ onIn, sessionEnded }: { onIn(me: Me): void; sessionEnded: boolean }) {
  const { t, lang, setLang } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    try {
      onIn(await api.login(String(form.get('username')), String(form.get('password'))));
    } catch (err) {
      setError(apiErrorText(err, lang, t('error.unreachable')));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <div className="brand big">
        <img src="/icon-192.png" alt="" width={40} height={40} />
        {t('appName')}
      </div>
      <h1>{t('login.title')}</h1>
      {sessionEnded && !error && <p className="notice" role="status" data-testid="session-ended">{t('login.ended')}</p>}
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor="login-username">{t('login.username')}</label>
          <input id="login-username" name="username" autoComplete="username" autoCapitalize="none" required />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('login.password')}</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <button type="submit" className="primary" disabled={busy}>{t('login.submit')}</button>
        {error && <p className="error-text" role="alert">{error}</p>}
      </form>
      <div className="field inline lang">
        <label htmlFor="login-lang">{t('nav.language')}</label>
        <select id="login-lang" value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
          {LANGS.map((l) => (
            <option key={l} value={l} lang={l}>{LANG_NAMES[l]}</option>
          ))}
        </select>
      </div>
    </main>
  );
}
