// `/admin/users` (admins): list, add, disable or enable, reset a password, remove — with the
// server's own sentences when it refuses (a taken name, the last admin).
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import type { User, UserRole } from '@server/users/user.types';
import { api, type Me } from '../api';
import { apiErrorText } from '../lib/server-text';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useI18n } from '../i18n';
import { formatMoment } from '../lib/format';

type Outcome = { ok: boolean; text: string } | null;

export function UsersPage({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const [users, setUsers] = useState<User[] | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const load = useCallback(() => api.users().then(setUsers, () => undefined), []);
  useEffect(() => void load(), [load]);

  /** Runs a change, then says how it went (the server's sentence on refusal) and reloads the list. */
  const change = useCallback(
    async (action: () => Promise<unknown>, success: string) => {
      try {
        await action();
        setOutcome({ ok: true, text: success });
      } catch (err) {
        setOutcome({ ok: false, text: apiErrorText(err, lang, t('error.unreachable')) });
      }
      await load();
    },
    [load, t],
  );

  return (
    <>
      <h1 tabIndex={-1}>{t('users.title')}</h1>
      <p><a href="/admin/queues">{t('users.queuesLink')}</a></p>
      <AddUser change={change} />
      {outcome && (outcome.ok ? <p className="notice" role="status">{outcome.text}</p> : <p className="error-text" role="alert">{outcome.text}</p>)}
      <ul className="users" aria-label={t('users.title')}>
        {users?.map((u) => (
          <UserRow key={u.id} user={u} isMe={u.id === me.id} change={change} />
        ))}
      </ul>
    </>
  );
}

type Change = (action: () => Promise<unknown>, success: string) => Promise<void>;

function AddUser({ change }: { change: Change }) {
  const { t } = useI18n();
  const ids = { name: useId(), password: useId(), role: useId() };
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const username = String(form.get('username'));
    let created = false;
    await change(async () => {
      await api.createUser(username, String(form.get('password')), form.get('role') as UserRole);
      created = true;
    }, t('users.created', { name: username }));
    if (created) formEl.reset();
  };
  return (
    <section className="panel" aria-labelledby="add-user-h">
      <h2 id="add-user-h">{t('users.add')}</h2>
      <form onSubmit={submit} className="add-user">
        <div className="field">
          <label htmlFor={ids.name}>{t('users.username')}</label>
          <input id={ids.name} name="username" autoComplete="off" autoCapitalize="none" required />
        </div>
        <div className="field">
          <label htmlFor={ids.password}>{t('users.password')}</label>
          <input id={ids.password} name="password" type="password" autoComplete="new-password" required />
        </div>
        <div className="field">
          <label htmlFor={ids.role}>{t('users.role')}</label>
          <select id={ids.role} name="role" defaultValue="user">
            <option value="user">{t('users.role.user')}</option>
            <option value="admin">{t('users.role.admin')}</option>
          </select>
        </div>
        <button type="submit" className="primary">{t('users.create')}</button>
      </form>
    </section>
  );
}

function UserRow({ user, isMe, change }: { user: User; isMe: boolean; change: Change }) {
  const { t, lang } = useI18n();
  const [dialog, setDialog] = useState<'reset' | 'remove' | null>(null);
  const pwId = useId();
  const nameId = useId();
  const [password, setPassword] = useState('');
  const close = () => {
    setDialog(null);
    setPassword('');
  };
  return (
    <li className={`user-row${user.disabled ? ' is-disabled' : ''}`} data-testid="user" data-username={user.username}>
      <div className="user-who">
        <strong id={nameId}>{user.username}</strong> {isMe && <span className="muted">{t('users.you')}</span>}
        <span className="badge">{t(user.role === 'admin' ? 'users.role.admin' : 'users.role.user')}</span>
        {user.disabled && <span className="badge warn">{t('users.disabled')}</span>}
        <span className="muted small">{t('users.since', { date: formatMoment(user.createdAt, lang) })}</span>
      </div>
      <div className="actions">
        <button type="button" aria-describedby={nameId} onClick={() => void change(() => api.updateUser(user.id, { disabled: !user.disabled }), `${user.username}: ${t(user.disabled ? 'users.enable' : 'users.disable')} ✓`)}>
          {t(user.disabled ? 'users.enable' : 'users.disable')}
        </button>
        <button type="button" aria-describedby={nameId} onClick={() => setDialog('reset')}>{t('users.reset')}</button>
        <button type="button" aria-describedby={nameId} className="danger-outline" onClick={() => setDialog('remove')}>{t('users.remove')}</button>
      </div>
      <ConfirmDialog
        open={dialog === 'reset'}
        title={t('users.resetTitle', { name: user.username })}
        confirmLabel={t('common.save')}
        onClose={close}
        onConfirm={() => {
          const chosen = password;
          close();
          void change(() => api.updateUser(user.id, { password: chosen }), t('users.resetDone', { name: user.username }));
        }}
      >
        <div className="field">
          <label htmlFor={pwId}>{t('account.new')}</label>
          <input id={pwId} type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'remove'}
        title={t('users.removeTitle', { name: user.username })}
        confirmLabel={t('users.remove')}
        danger
        onClose={close}
        onConfirm={() => {
          close();
          void change(() => api.removeUser(user.id), `${user.username} ✓`);
        }}
      >
        <p>{t('users.removeBody')}</p>
      </ConfirmDialog>
    </li>
  );
}
