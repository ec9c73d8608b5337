/* global location */
import { api } from '../api.js';
import { h, fmt, field } from '../dom.js';
import { title } from '../ui.js';
import { chartFigure, lineChart } from '../charts.js';
import { itemsOf, taskDetail } from '../shapes.js';

/**
 * Corpus growth: documents and labelled documents over time, cumulative per day or hour
 * (GET /tasks/:task/growth, bucketed by the database), with the trigger firings as dashed
 * vertical lines and listed below; the snapshot count and the size at the last build beside.
 */
export async function render(main, ctx) {
  const t = encodeURIComponent(ctx.taskId);
  const bucket = ctx.query?.bucket === 'hour' ? 'hour' : 'day';
  main.append(title(`Corpus of ${ctx.taskId}`));
  const [detail, snaps, growth] = await Promise.all([
    api(`/tasks/${t}`, { signal: ctx.signal }).then(taskDetail),
    api(`/tasks/${t}/snapshots`, { signal: ctx.signal }).then(itemsOf),
    api(`/tasks/${t}/growth?bucket=${bucket}`, { signal: ctx.signal }),
  ]);
  const events = itemsOf(growth.firings ?? []);
  const global = snaps.filter((s) => s.scope?.kind === 'global').sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  // Each point is the total at the end of its bucket (or now, for the current one): plotted there,
  // a firing that followed the bucket's growth sits right of the step that caused it.
  const nowS = Date.now() / 1000;
  const points = itemsOf(growth.points ?? []).map((p) => ({ t: Math.min((Date.parse(p.start) + growth.bucketMs) / 1000, nowS), start: p.start, documents: p.documents, labelled: p.labelled }));
  // The chart starts from an empty corpus at the first bucket's start and runs to now, so one
  // busy day still draws a line and every firing since falls inside the plot.
  const plotted = points.length === 0 ? [] : [
    { t: Date.parse(points[0].start) / 1000, documents: 0, labelled: 0 },
    ...points,
    ...(points[points.length - 1].t < nowS ? [{ ...points[points.length - 1], t: nowS }] : []),
  ];
  // The task detail may not count labels; the growth's last total is the same figure.
  const labelled = detail.corpus.labelled ?? (points.length ? points[points.length - 1].labelled : null);
  main.append(h('div', { class: 'cards' },
    h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Documents'), h('div', { class: 'big' }, fmt.int(detail.corpus.documents))),
    labelled === null ? null : h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Labelled'), h('div', { class: 'big' }, fmt.int(labelled))),
    global.length ? h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Labelled at the last build'), h('div', { class: 'big' }, fmt.int(global[global.length - 1].size))) : null,
    h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Snapshots'), h('div', { class: 'big' }, fmt.int(snaps.length))),
    h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Trigger firings'), h('div', { class: 'big', 'data-testid': 'firings' }, fmt.int(events.length)))));
  const bucketPicker = h('div', { class: 'filters' }, field('Bucket', h('select', { name: 'bucket', 'data-testid': 'growth-bucket', onchange: (e) => { location.hash = `#/corpus?bucket=${e.target.value}`; } },
    ['day', 'hour'].map((b) => h('option', { value: b, selected: b === bucket }, b === 'day' ? 'per day' : 'per hour')))));
  const table = h('table', { 'data-testid': 'growth-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, bucket === 'day' ? 'Day (UTC)' : 'Hour (UTC)'), h('th', { scope: 'col', class: 'num' }, 'Documents'), h('th', { scope: 'col', class: 'num' }, 'Labelled'))),
    h('tbody', {}, points.map((p) => h('tr', {}, h('td', {}, fmt.time(p.start)), h('td', { class: 'num' }, fmt.int(p.documents)), h('td', { class: 'num' }, fmt.int(p.labelled))))));
  const { fig, box } = chartFigure(`Documents and labelled documents over time, cumulative per ${bucket}; dashed lines mark trigger firings`, h('div', { class: 'table-wrap' }, table));
  main.append(h('h2', {}, 'Growth'), bucketPicker, fig);
  let destroy = null;
  if (points.length > 0) {
    destroy = await lineChart(box, {
      xs: plotted.map((p) => p.t), time: true, xLabel: 'time', yLabel: 'documents',
      series: [
        { label: 'documents', values: plotted.map((p) => p.documents) },
        { label: 'labelled', values: plotted.map((p) => p.labelled) },
      ],
      markers: events.map((e) => Date.parse(e.createdAt) / 1000),
    });
  } else box.append(h('p', { class: 'muted' }, 'No document yet.'));
  if (growth.firingsTruncated) main.append(h('p', { class: 'muted' }, `Only the newest ${fmt.int(events.length)} firings are shown.`));
  main.append(h('h2', {}, 'Trigger firings'), firings([...events].reverse()));
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
