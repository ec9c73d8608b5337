/* global setInterval, clearInterval, location */
import { api, qs } from '../api.js';
import { h, fmt, badge } from '../dom.js';
import { announce, confirmAction, errorBox, title } from '../ui.js';
import { itemsOf, taskDetail } from '../shapes.js';

/** Overview: every task with its corpus size and active model per scope, open alarms, running jobs. */
export async function render(main, ctx) {
  main.append(title('Overview'));
  if (ctx.tasks.length === 0) {
    main.append(h('p', {}, 'No task yet. Create one through the API (POST /v1/tasks) or the CLI.'));
    return;
  }
  const [details, jobs] = await Promise.all([
    Promise.all(ctx.tasks.map((t) => api(`/tasks/${encodeURIComponent(t.id)}`, { signal: ctx.signal }).then(taskDetail))),
    api(`/jobs${qs({ limit: 20 })}`, { signal: ctx.signal }).then(itemsOf),
  ]);
  const running = jobs.filter((j) => j.status === 'running' || j.status === 'queued');
  for (const d of details) main.append(await taskSection(d, ctx));
  main.append(h('h2', {}, 'Running jobs'),
    running.length === 0 ? h('p', { class: 'muted' }, 'No job is running.') :
      h('ul', {}, running.map((j) => h('li', {}, h('a', { href: `#/jobs/${j.id}` }, `Job ${j.id}`), ` ${j.taskId} ${fmt.scope(j.scope)} `, badge(j.status), ` ${Math.round((j.progress ?? 0) * 100)} %`))));
  const timer = setInterval(() => { if (running.length) ctx.reload(); }, 5000);
  return () => clearInterval(timer);
}

async function taskSection(d, ctx) {
  const t = d.task;
  let alarms = [];
  let alarmError = null;
  try {
    const mon = await api(`/tasks/${encodeURIComponent(t.id)}/monitor`, { signal: ctx.signal });
    alarms = mon.alarms ?? [];
  } catch (err) {
    alarmError = err;
  }
  const out = h('div', { class: 'row', 'aria-live': 'polite' });
  const train = h('button', { type: 'button', onclick: async () => {
    const ok = await confirmAction('Train now', `Start a build of task ${t.id} (global scope) now?`, 'Train now');
    if (!ok) return;
    train.disabled = true;
    try {
      const r = await api(`/tasks/${encodeURIComponent(t.id)}/builds`, { method: 'POST', body: { reason: ok.reason || 'train now (dashboard)' } });
      announce(r.status === 'debounced' ? `A build of this scope is already running${r.jobId ? ` (job ${r.jobId})` : ''}.` : `Build started: job ${r.jobId}.`);
      if (r.jobId) location.hash = `#/jobs/${r.jobId}`;
      else out.replaceChildren(h('p', {}, r.reason));
    } catch (err) {
      out.replaceChildren(errorBox(err, [{ label: 'Retry', run: () => train.click() }]));
    } finally {
      train.disabled = false;
    }
  } }, 'Train now');
  const active = d.active;
  return h('section', { 'aria-labelledby': `task-${t.id}` },
    h('h2', { id: `task-${t.id}` }, `Task ${t.name || t.id}`, ' ', h('span', { class: 'muted' }, `(${(t.labels ?? []).join(', ')})`)),
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Documents'), h('div', { class: 'big', 'data-testid': 'corpus-size' }, fmt.int(d.corpus.documents))),
      d.corpus.labelled === undefined ? null : h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Labelled'), h('div', { class: 'big' }, fmt.int(d.corpus.labelled))),
      h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Open alarms'), h('div', { class: 'big', 'data-testid': 'alarms' }, alarmError ? '?' : String(alarms.length))),
    ),
    h('h3', {}, 'Active models'),
    active.length === 0 ? h('p', { class: 'muted' }, 'No active model yet.') :
      h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'active-models' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Scope'), h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col' }, 'Estimator'), h('th', { scope: 'col', class: 'num' }, 'Score'), h('th', { scope: 'col' }, 'Action'))),
        h('tbody', {}, active.map((a) => activeRow(t.id, a, out, ctx))))),
    alarmError ? errorBox(alarmError) : alarms.length ? h('ul', {}, alarms.slice(0, 5).map((a) => h('li', {}, `${fmt.time(a.createdAt)} ${fmt.scope(a.scope)}: ${a.reason}`))) : null,
    h('div', { class: 'row' }, train, h('a', { href: '#/models' }, 'All models'), h('a', { href: '#/triggers' }, 'Trigger rules')),
    out,
  );
}

function activeRow(taskId, a, out, ctx) {
  const m = a.model ?? a;
  const id = a.modelId ?? m.id;
  const rollback = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    const ok = await confirmAction('Roll back', `Roll back ${fmt.scope(a.scope)} of task ${taskId} to the model active before #${id}?`, 'Roll back');
    if (!ok) return;
    try {
      await api(`/tasks/${encodeURIComponent(taskId)}/rollback`, { method: 'POST', body: { scope: a.scope, reason: ok.reason || 'rollback (dashboard)' } });
      announce(`Rolled back ${fmt.scope(a.scope)}.`);
      ctx.reload();
    } catch (err) {
      out.replaceChildren(errorBox(err, [{ label: 'Reload', run: ctx.reload }]));
    }
  } }, 'Roll back');
  return h('tr', { 'data-task': taskId, 'data-scope': fmt.scope(a.scope) },
    h('td', {}, fmt.scope(a.scope)),
    h('td', {}, h('a', { href: `#/models/${id}`, 'data-testid': 'active-model-link' }, `#${id}`)),
    h('td', {}, m.estimator ?? '—'),
    h('td', { class: 'num' }, fmt.num(m.score)),
    h('td', {}, rollback));
}
