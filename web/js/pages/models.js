/* global location */
import { api, qs } from '../api.js';
import { h, fmt, badge, field, replace } from '../dom.js';
import { errorBox, title, announce } from '../ui.js';
import { itemsOf } from '../shapes.js';

// [key, header, the API's orderBy for it or null]: the API sorts (keyset, ties on id) by creation
// (= id order), estimator, build time, score, file size and status.
const COLUMNS = [
  ['id', 'ID', 'createdAt'], ['estimator', 'Estimator', 'estimator'], ['hyperparameters', 'Hyperparameters', null],
  ['buildTimeMs', 'Build time', 'buildTimeMs'], ['score', 'Score', 'score'], ['blobSize', 'File size', 'blobSize'],
  ['scope', 'Scope', null], ['status', 'Status', 'status'], ['snapshotId', 'Snapshot', null],
];
// A first click sorts text A→Z and numbers largest first (newest, best, slowest, biggest).
const TEXT_SORTS = new Set(['estimator', 'status']);
const PAGE = 50;
// Cursors of the pages before the current one, per filter set: "Previous" walks back through them.
let trail = { key: '', cursors: [] };

/**
 * The models table: sorting, filters and cursor paging all happen in the API, so a page is
 * one request of 50 rows however many models exist. State lives in the URL (#/models?…), so
 * a reload or a shared link shows the same page.
 */
export async function render(main, ctx) {
  const q = ctx.query;
  const key = JSON.stringify({ ...q, cursor: undefined });
  if (trail.key !== key) trail = { key, cursors: [] };
  const go = (changes) => {
    const next = { ...q, ...changes };
    for (const k of Object.keys(next)) if (next[k] === '' || next[k] === undefined) delete next[k];
    location.hash = `#/models${qs(next)}`;
  };
  main.append(title('Models'), filters(q, go, ctx));
  const box = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading models…'));
  main.append(box);
  const params = {
    task: ctx.taskId, limit: PAGE, cursor: q.cursor, status: q.status, estimator: q.estimator,
    scopeKind: q.scopeKind, scopeOwner: q.scopeKind && q.scopeKind !== 'global' ? q.scopeOwner : undefined,
    minScore: q.minScore, maxScore: q.maxScore, orderBy: q.orderBy, direction: q.direction,
  };
  let page;
  try {
    page = await api(`/models${qs(params)}`, { signal: ctx.signal });
  } catch (err) {
    replace(box, errorBox(err, [{ label: 'Reload', run: ctx.reload }]));
    box.setAttribute('aria-busy', 'false');
    return;
  }
  const items = itemsOf(page);
  const sortBy = q.orderBy ?? 'createdAt';
  const order = q.direction ?? 'desc';
  const head = h('tr', {}, COLUMNS.map(([k, label, sortable]) => {
    const sorted = sortable !== null && sortBy === sortable;
    const th = h('th', { scope: 'col', class: ['buildTimeMs', 'score', 'blobSize', 'id'].includes(k) ? 'num' : '', 'aria-sort': sorted ? (order === 'asc' ? 'ascending' : 'descending') : null });
    if (!sortable) th.append(label);
    else {
      const first = TEXT_SORTS.has(sortable) ? 'asc' : 'desc';
      const direction = sorted ? (order === 'asc' ? 'desc' : 'asc') : first;
      th.append(h('button', { type: 'button', title: `Sort by ${label.toLowerCase()}, ${direction === 'asc' ? 'ascending' : 'descending'}`, onclick: () => go({ orderBy: sortable, direction, cursor: '' }) },
        label, sorted ? (order === 'asc' ? ' ▲' : ' ▼') : ''));
    }
    return th;
  }));
  const rows = items.map((m) => h('tr', { 'data-model-id': m.id },
    h('td', { class: 'num' }, h('a', { href: `#/models/${m.id}` }, `#${m.id}`)),
    h('td', {}, m.estimator),
    h('td', {}, h('code', { title: fmt.json(m.hyperparameters) }, fmt.params(m.hyperparameters))),
    h('td', { class: 'num' }, fmt.ms(m.buildTimeMs)),
    h('td', { class: 'num' }, fmt.num(m.score)),
    h('td', { class: 'num' }, fmt.bytes(m.blobSize)),
    h('td', {}, fmt.scope(m.scope)),
    h('td', {}, badge(m.status)),
    h('td', {}, m.snapshotId ?? '—')));
  const prev = h('button', { type: 'button', class: 'secondary', disabled: !q.cursor, onclick: () => {
    const back = trail.cursors.pop();
    go({ cursor: back ?? '' });
  } }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary', disabled: !page.nextCursor, onclick: () => {
    trail.cursors.push(q.cursor ?? '');
    go({ cursor: page.nextCursor });
  } }, 'Next page');
  const pageNo = trail.cursors.length + 1;
  replace(box,
    items.length === 0 ? h('p', {}, 'No model matches these filters.') :
      h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'models-table' },
        h('caption', { class: 'muted caption' }, `Models of task ${ctx.taskId}, page ${pageNo}, ${items.length} rows`),
        h('thead', {}, head), h('tbody', {}, rows))),
    h('div', { class: 'pager' }, prev, h('span', {}, `Page ${pageNo}`), next));
  box.setAttribute('aria-busy', 'false');
  announce(`${items.length} models on page ${pageNo}.`);
}

function filters(q, go, ctx) {
  const status = h('select', { name: 'status' }, ['', 'active', 'candidate', 'retired', 'failed', 'quarantined'].map((s) => h('option', { value: s, selected: (q.status ?? '') === s }, s || 'any')));
  const estimator = h('input', { name: 'estimator', value: q.estimator ?? '', placeholder: 'e.g. LinearSVC' });
  const scopeKind = h('select', { name: 'scopeKind' }, ['', 'global', 'group', 'user'].map((s) => h('option', { value: s, selected: (q.scopeKind ?? '') === s }, s || 'any')));
  const scopeOwner = h('input', { name: 'scopeOwner', value: q.scopeOwner ?? '', placeholder: 'group or user id' });
  const minScore = h('input', { name: 'minScore', type: 'number', step: '0.01', min: '0', max: '1', value: q.minScore ?? '' });
  const maxScore = h('input', { name: 'maxScore', type: 'number', step: '0.01', min: '0', max: '1', value: q.maxScore ?? '' });
  return h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter models', onsubmit: (e) => {
    e.preventDefault();
    go({ status: status.value, estimator: estimator.value.trim(), scopeKind: scopeKind.value, scopeOwner: scopeOwner.value.trim(), minScore: minScore.value, maxScore: maxScore.value, cursor: '' });
  } },
  field('Status', status), field('Estimator', estimator), field('Scope', scopeKind), field('Scope owner', scopeOwner, 'for group or user'),
  field('Minimum score', minScore), field('Maximum score', maxScore),
  h('button', { type: 'submit' }, 'Apply filters'),
  h('span', { class: 'muted' }, `task: ${ctx.taskId ?? '—'}`));
}
