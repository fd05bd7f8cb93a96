// The top bar: where you are, the live indicator, the language switch, who you are, log out.
import { useId } from 'react';
import type { Me } from '../api';
import { useI18n } from '../i18n';
import { useJobsStore } from '../jobs-store';
import { LANG_NAMES, LANGS, type Lang } from '../lib/i18n';
import { type Route, pathOf } from '../lib/routes';
import { Link } from '../router';

export function Header({ me, route, onLogout }: { me: Me; route: Route; onLogout(): void }) {
  const { t, lang, setLang } = useI18n();
  const { connection } = useJobsStore();
  const langId = useId();
  const current = (name: Route['name']) => (route.name === name ? 'page' : undefined);
  const indicator = connection === 'live' ? 'conn.live' : connection === 'offline' ? 'conn.offline' : 'conn.reconnecting';
  // The banner is its own live region: the one sentence everyone must see while the api restarts.
  const banner = connection === 'restarting' ? (
    <p className="restart-banner" role="alert" data-testid="restarting">{t('conn.restarting')}</p>
  ) : null;
  return (
    <>
    {banner}
    <header className="top">
      <Link to={pathOf.list()} className="brand">
        <img src="/icon-192.png" alt="" width={28} height={28} />
        {t('appName')}
      </Link>
      <nav aria-label={t('nav.main')}>
        <Link to={pathOf.list()} aria-current={current('list')}>{t('nav.list')}</Link>
        <Link to={pathOf.account()} aria-current={current('account')}>{t('nav.account')}</Link>
        {me.role === 'admin' && <Link to={pathOf.users()} aria-current={current('users')}>{t('nav.users')}</Link>}
        {me.role === 'admin' && <Link to={pathOf.workers()} aria-current={current('workers')}>{t('nav.workers')}</Link>}
        {me.role === 'admin' && <a href="/admin/queues">{t('nav.queues')}</a>}
      </nav>
      <span className={`conn conn-${connection}`} role="status" data-testid="connection">
        {t(indicator)}
      </span>
      <div className="field inline lang">
        <label htmlFor={langId}>{t('nav.language')}</label>
        <select id={langId} value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
          {LANGS.map((l) => (
            <option key={l} value={l} lang={l}>{LANG_NAMES[l]}</option>
          ))}
        </select>
      </div>
      <span className="who">{me.username}</span>
      <button type="button" onClick={onLogout}>{t('nav.logout')}</button>
    </header>
    </>
  );
}
