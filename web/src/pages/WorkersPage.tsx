// `/admin/workers` (admins): every live worker from its heartbeat, refreshed every few seconds, and
// the yt-dlp the next job gets (GET /api/health) with a button asking the workers to update it.
import { useCallback, useEffect, useState } from 'react';
import { api, type WorkerHeartbeat, type YtdlpHealth } from '../api';
import { apiErrorText, serverText } from '../lib/server-text';
import { useI18n } from '../i18n';
import { en, type MessageKey } from '../lib/messages';
import { formatMoment } from '../lib/format';
import { pathOf } from '../lib/routes';
import { Link } from '../router';

const REFRESH_MS = 3000;
type Outcome = { ok: boolean; text: string } | null;

export function WorkersPage() {
  const { t, lang } = useI18n();
  const [workers, setWorkers] = useState<WorkerHeartbeat[] | null>(null);
  const [ytdlp, setYtdlp] = useState<YtdlpHealth | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    void api.workers().then(setWorkers, () => undefined);
    void api.ytdlpHealth().then(setYtdlp);
  }, []);
  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const update = async () => {
    setBusy(true);
    try {
      const { workers: n } = await api.updateYtdlp();
      setOutcome({ ok: true, text: t('ytdlp.asked', { n }) });
    } catch (err) {
      setOutcome({ ok: false, text: apiErrorText(err, lang, t('error.unreachable')) });
    } finally {
      setBusy(false);
    }
  };

  // Stale: what to do, in the reader's language. Down: the check's own words are for the log; in English they show as before.
  const advice = !ytdlp?.message
    ? null
    : ytdlp.status === 'down' && lang !== 'en'
      ? t('ytdlp.down')
      : serverText(lang, ytdlp.messageKey, ytdlp.messageParams, ytdlp.message);
  // A pipeline stage by its name in the reader's language; one the catalogue does not know, as it is.
  const stageName = (stage: string) => (`stage.${stage}` in en ? t(`stage.${stage}` as MessageKey) : stage);

  return (
    <>
      <h1 tabIndex={-1}>{t('workers.title')}</h1>
      <p className="muted">{t('workers.explain')}</p>
      <section className="panel" aria-labelledby="ytdlp-h" data-testid="ytdlp">
        <h2 id="ytdlp-h">{t('ytdlp.title')}</h2>
        <dl className="details">
          <dt>{t('ytdlp.version')}</dt>
          <dd>{ytdlp?.version ?? t('ytdlp.unknown')}{ytdlp?.managed !== undefined && <span className="muted"> · {t(ytdlp.managed ? 'workers.managed' : 'workers.system')}</span>}</dd>
          <dt>{t('ytdlp.age')}</dt>
          <dd>
            {ytdlp?.ageDays != null ? t('ytdlp.days', { n: ytdlp.ageDays }) : t('ytdlp.unknown')}
            {ytdlp?.stale !== undefined && <> <span className={ytdlp.stale ? 'badge warn' : 'badge'}>{t(ytdlp.stale ? 'ytdlp.stale' : 'ytdlp.fresh')}</span></>}
          </dd>
        </dl>
        {advice && <p className="message" data-testid="ytdlp-advice">{advice}</p>}
        <div className="row"><button type="button" onClick={update} disabled={busy}>{t('ytdlp.update')}</button></div>
        {outcome && (outcome.ok ? <p className="notice" role="status">{outcome.text}</p> : <p className="error-text" role="alert">{outcome.text}</p>)}
      </section>
      {workers && workers.length === 0 && <p className="muted">{t('workers.none')}</p>}
      <ul className="workers" aria-label={t('workers.title')}>
        {workers?.map((w) => (
          <li key={w.id} className="panel" data-testid="worker" data-id={w.id}>
            <h2 className="break">{w.host} · {t('workers.pid', { pid: w.pid })}</h2>
            <p className="meta">
              <span>{t('workers.started', { time: formatMoment(w.startedAt, lang) })}</span>
              <span>{t('workers.heartbeat', { time: formatMoment(w.lastHeartbeatAt, lang) })}</span>
            </p>
            <dl className="details">
              <dt>{t('workers.slots')}</dt>
              <dd>{Object.entries(w.concurrency).map(([stage, n]) => `${stageName(stage)} ${n}`).join(', ')}</dd>
              <dt>{t('workers.running')}</dt>
              <dd data-testid="running">
                {w.runningJobs.length === 0 ? t('workers.idle') : w.runningJobs.map((j) => (
                  <span key={j.id + j.stage} className="fact">{stageName(j.stage)}: <Link to={pathOf.job(j.id)}>{j.id}</Link> ({formatMoment(j.startedAt, lang)}) </span>
                ))}
              </dd>
              <dt>{t('workers.tools')}</dt>
              <dd>{Object.entries(w.runningTools).filter(([, n]) => n > 0).map(([name, n]) => `${name} × ${n}`).join(', ') || t('workers.none2')}</dd>
              <dt>{t('workers.versions')}</dt>
              <dd>
                yt-dlp {w.ytdlp.version ?? t('ytdlp.unknown')} ({t(w.ytdlp.managed ? 'workers.managed' : 'workers.system')}) · ffmpeg {w.ffmpeg.version ?? t('ytdlp.unknown')} · Node {w.node}
              </dd>
            </dl>
          </li>
        ))}
      </ul>
    </>
  );
}
