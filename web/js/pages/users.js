/* global location */
import { api, qs } from '../api.js';
import { h, fmt, field, replace } from '../dom.js';
import { announce, confirmAction, errorBox, title } from '../ui.js';
import { itemsOf } from '../shapes.js';

/** Users and groups with the models scoped to each; forms to add users, groups and members (admin). */
export async function render(main, ctx) {
  main.append(title('Users & groups'));
  const [users, groups, models] = await Promise.all([
    api('/users', { signal: ctx.signal }).then(itemsOf),
    api('/groups', { signal: ctx.signal }).then(itemsOf),
    api(`/models${qs({ task: ctx.taskId, status: 'active', limit: 500 })}`, { signal: ctx.signal }).then(itemsOf).catch(() => []),
  ]);
  const groupsOf = (uid) => groups.filter((g) => (g.members ?? []).includes(uid)).map((g) => g.id);
  const byScope = new Map();
  for (const m of models) byScope.set(fmt.scope(m.scope), [...(byScope.get(fmt.scope(m.scope)) ?? []), m]);
  const modelLinks = (key) => {
    const ms = byScope.get(key) ?? [];
    return ms.length ? ms.map((m) => h('a', { href: `#/models/${m.id}` }, `#${m.id} ${m.estimator} (${fmt.num(m.score)}) `)) : h('span', { class: 'muted' }, 'none');
  };
  const out = h('div', { 'aria-live': 'polite' });
  const post = async (path, body, done) => {
    try {
      await api(path, { method: 'POST', body });
      announce(done);
      ctx.reload();
    } catch (err) {
      replace(out, errorBox(err));
    }
  };
  // "Train now" for one user's or group's scope: a build of that scope, followed on the job page.
  const train = (scope, name) => h('button', { type: 'button', class: 'secondary', 'data-train': name, onclick: async () => {
    const ok = await confirmAction('Train now', `Build a model for ${name} now (task ${ctx.taskId})?`, 'Train now');
    if (!ok) return;
    try {
      const r = await api(`/tasks/${encodeURIComponent(ctx.taskId)}/builds`, { method: 'POST', body: { scope, ...(ok.reason ? { reason: ok.reason } : {}) } });
      if (r.jobId) location.hash = `#/jobs/${r.jobId}`;
      else replace(out, h('p', {}, r.reason));
    } catch (err) {
      replace(out, errorBox(err));
    }
  } }, `Train ${name}`);
  const uid = h('input', { name: 'userId', required: true, autocomplete: 'off' });
  const uname = h('input', { name: 'displayName', autocomplete: 'off' });
  const gid = h('input', { name: 'groupId', required: true, autocomplete: 'off' });
  const gexpert = h('input', { type: 'checkbox', id: 'g-expert' });
  const mUser = h('select', {}, users.map((u) => h('option', { value: u.id }, u.id)));
  const mGroup = h('select', {}, groups.map((g) => h('option', { value: g.id }, g.id)));
  main.append(
    h('h2', {}, `Users (${users.length})`),
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'users-table' },
      h('thead', {}, h('tr', {}, ['User', 'Name', 'Groups', `Active user models (${ctx.taskId})`, 'Action'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, users.map((u) => h('tr', {}, h('td', {}, u.id), h('td', {}, u.displayName), h('td', {}, groupsOf(u.id).join(', ') || '—'), h('td', {}, modelLinks(`user:${u.id}`)), h('td', {}, train({ kind: 'user', userId: u.id }, u.id))))))),
    h('h2', {}, `Groups (${groups.length})`),
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'groups-table' },
      h('thead', {}, h('tr', {}, ['Group', 'Expert', 'Members', `Active group models (${ctx.taskId})`, 'Action'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, groups.map((g) => h('tr', {}, h('td', {}, g.id), h('td', {}, g.expert ? 'yes' : 'no'), h('td', {}, (g.members ?? []).join(', ') || '—'), h('td', {}, modelLinks(`group:${g.id}`)), h('td', {}, train({ kind: 'group', groupId: g.id }, g.id))))))),
    h('h2', {}, 'Global model'), h('p', {}, modelLinks('global')),
    h('h2', {}, 'Add'),
    h('div', { class: 'grid2' },
      h('form', { onsubmit: (e) => { e.preventDefault(); post('/users', { id: uid.value.trim(), ...(uname.value.trim() ? { displayName: uname.value.trim() } : {}) }, 'User added.'); } },
        h('div', { class: 'filters' }, field('User id', uid), field('Display name', uname), h('button', { type: 'submit' }, 'Add user'))),
      h('form', { onsubmit: (e) => { e.preventDefault(); post('/groups', { id: gid.value.trim(), expert: gexpert.checked }, 'Group added.'); } },
        h('div', { class: 'filters' }, field('Group id', gid), h('span', {}, gexpert, ' ', h('label', { for: 'g-expert' }, 'Experts (their labels win)')), h('button', { type: 'submit' }, 'Add group'))),
      h('form', { onsubmit: (e) => { e.preventDefault(); post(`/groups/${encodeURIComponent(mGroup.value)}/members`, { userId: mUser.value }, 'Member added.'); } },
        h('div', { class: 'filters' }, field('User', mUser), field('Group', mGroup), h('button', { type: 'submit', disabled: !users.length || !groups.length }, 'Add member')))),
    out);
}
