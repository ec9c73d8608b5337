import { api } from '../api.js';
import { h, fmt } from '../dom.js';
import { title } from '../ui.js';
import { chartFigure, lineChart } from '../charts.js';
import { itemsOf, taskDetail } from '../shapes.js';

/**
 * Corpus growth: the labelled size of each snapshot over time (what every build froze), the
 * size now, and the trigger firings as dashed vertical lines with their reasons below.
 */
export async function render(main, ctx) {
  const t = encodeURIComponent(ctx.taskId);
  main.append(title(`Corpus of ${ctx.taskId}`));
  const [detail, snaps, trig] = await Promise.all([
    api(`/tasks/${t}`, { signal: ctx.signal }).then(taskDetail),
    api(`/tasks/${t}/snapshots`, { signal: ctx.signal }).then(itemsOf),
    api(`/tasks/${t}/triggers`, { signal: ctx.signal }),
  ]);
  const events = itemsOf(trig.events ?? trig.history ?? []);
  const global = snaps.filter((s) => s.scope?.kind === 'global').sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  const points = global.map((s) => ({ t: Date.parse(s.createdAt) / 1000, size: s.size, label: `snapshot #${s.id}` }));
  const labelled = detail.corpus.labelled ?? null;
  if (labelled !== null) points.push({ t: Date.now() / 1000, size: labelled, label: 'now' });
  main.append(h('div', { class: 'cards' },
    h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Documents'), h('div', { class: 'big' }, fmt.int(detail.corpus.documents))),
    labelled === null ? null : h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Labelled'), h('div', { class: 'big' }, fmt.int(labelled))),
    global.length ? h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Labelled at the last build'), h('div', { class: 'big' }, fmt.int(global[global.length - 1].size))) : null,
    h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Snapshots'), h('div', { class: 'big' }, fmt.int(snaps.length))),
    h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Trigger firings'), h('div', { class: 'big', 'data-testid': 'firings' }, fmt.int(events.length)))));
  const table = h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'What'), h('th', { scope: 'col', class: 'num' }, 'Labelled'))),
    h('tbody', {}, points.map((p) => h('tr', {}, h('td', {}, fmt.time(p.t * 1000)), h('td', {}, p.label), h('td', { class: 'num' }, fmt.int(p.size))))));
  const { fig, box } = chartFigure('Labelled corpus size over time (global snapshots); dashed lines mark trigger firings', h('div', { class: 'table-wrap' }, table));
  main.append(h('h2', {}, 'Growth'), fig);
  let destroy = null;
  if (points.length > 0) {
    destroy = await lineChart(box, { xs: points.map((p) => p.t), time: true, xLabel: 'time', yLabel: 'labelled documents', series: [{ label: 'labelled (global)', values: points.map((p) => p.size), points: true }], markers: events.map((e) => Date.parse(e.createdAt) / 1000) });
  } else box.append(h('p', { class: 'muted' }, 'No snapshot yet: the first build freezes one.'));
  main.append(h('h2', {}, 'Trigger firings'), firings(events));
  return () => destroy?.();
}

/** The trigger history table (shared with the triggers page). */
export function firings(events) {
  if (events.length === 0) return h('p', { class: 'muted' }, 'No trigger has fired yet.');
  return h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'trigger-events' },
    h('thead', {}, h('tr', {}, ['When', 'Rule', 'Scope', 'Reason', 'Job'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, events.map((e) => h('tr', {}, h('td', {}, fmt.time(e.createdAt)), h('td', {}, e.rule), h('td', {}, fmt.scope(e.scope)), h('td', {}, e.reason),
      h('td', {}, e.jobId ? h('a', { href: `#/jobs/${e.jobId}` }, `Job ${e.jobId}`) : '—'))))));
}
