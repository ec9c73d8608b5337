/* global setInterval, clearInterval */
import { api, qs } from '../api.js';
import { h, fmt, badge, replace } from '../dom.js';
import { title } from '../ui.js';
import { itemsOf } from '../shapes.js';

/** Jobs: the latest builds with status, progress, attempts and errors; refreshes while any runs. */
export async function render(main, ctx) {
  main.append(title('Jobs'));
  const box = h('div', { 'aria-live': 'polite' });
  main.append(box);
  const load = async () => {
    const jobs = itemsOf(await api(`/jobs${qs({ limit: 50, task: ctx.taskId })}`, { signal: ctx.signal }));
    replace(box, jobs.length === 0 ? h('p', { class: 'muted' }, 'No job yet.') :
      h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'jobs-table' },
        h('thead', {}, h('tr', {}, ['Job', 'Task', 'Scope', 'Status', 'Progress', 'Attempts', 'Created', 'Finished', 'Error'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, jobs.map((j) => h('tr', {},
          h('td', {}, h('a', { href: `#/jobs/${j.id}` }, `Job ${j.id}`)), h('td', {}, j.taskId), h('td', {}, fmt.scope(j.scope)),
          h('td', {}, badge(j.status)),
          h('td', {}, h('progress', { max: '1', value: String(j.progress ?? 0), 'aria-label': `Job ${j.id} progress` }), ` ${Math.round((j.progress ?? 0) * 100)} %`),
          h('td', { class: 'num' }, j.attempts), h('td', {}, fmt.time(j.createdAt)), h('td', {}, fmt.time(j.finishedAt)),
          h('td', {}, j.error ?? '')))))));
    return jobs.some((j) => j.status === 'running' || j.status === 'queued');
  };
  let busy = await load();
  const timer = setInterval(async () => {
    if (!busy) return;
    try {
      busy = await load();
    } catch {
      /* the next tick retries; a 401 has already signed out */
    }
  }, 3000);
  return () => clearInterval(timer);
}
