/* global sessionStorage, setInterval, clearInterval */
import { api, qs } from '../api.js';
import { h, fmt, badge, replace } from '../dom.js';
import { announce, confirmAction, errorBox, title } from '../ui.js';
import { chartFigure, lineChart } from '../charts.js';
import { itemsOf, modelDetail } from '../shapes.js';

/**
 * One model: its row, per-fold scores, the build's confusion matrix, live precision and recall
 * against the decay threshold with the live confusion matrix, its snapshot and promotion
 * history, and actions.
 */
export async function render(main, ctx) {
  const id = ctx.params.id;
  const d = modelDetail(await api(`/models/${encodeURIComponent(id)}`, { signal: ctx.signal }));
  const m = d.model;
  if (m.snapshotId && !d.snapshot) d.snapshot = await api(`/snapshots/${m.snapshotId}`, { signal: ctx.signal }).catch(() => null);
  const out = h('div', { 'aria-live': 'assertive', 'data-testid': 'action-result' });
  const destroy = [];
  main.append(title(`Model #${m.id}`),
    h('p', {}, `${m.estimator} · task ${m.taskId} · ${fmt.scope(m.scope)} · `, badge(m.status), ` · score ${fmt.num(m.score)} ${m.scoreMetric ?? ''}`),
    actions(m, out, ctx), out,
    h('div', { class: 'table-wrap' }, h('table', {}, h('tbody', {},
      row('Hyperparameters', h('code', {}, fmt.json(m.hyperparameters))),
      row('Build time', fmt.ms(m.buildTimeMs)), row('File size', fmt.bytes(m.blobSize)),
      row('File SHA-256', h('code', {}, m.blobSha256 ?? '—')), row('Format version', m.formatVersion ?? '—'),
      row('Snapshot', snapshotText(m, d.snapshot)), row('Job', m.jobId ? h('a', { href: `#/jobs/${m.jobId}` }, `Job ${m.jobId}`) : '—'),
      row('Parent', m.parentId ? h('a', { href: `#/models/${m.parentId}` }, `#${m.parentId}`) : '—'),
      row('Created', `${fmt.time(m.createdAt)} by ${m.createdBy ?? '—'}`), row('Status since', fmt.time(m.statusChangedAt))))));

  const grid = h('div', { class: 'grid2' });
  main.append(grid);
  const folds = foldChart(d.evaluations);
  grid.append(h('section', {}, h('h2', {}, 'Scores per fold'), folds.el));
  if (folds.draw) destroy.push(await folds.draw());
  grid.append(h('section', {}, h('h2', {}, 'Confusion matrix (build)'), buildConfusion(d.confusion)));

  const live = h('section', {}, h('h2', {}, 'Live precision and recall'));
  main.append(live);
  // A binary task's live matrix is exact from the count window's per-label recall and support.
  const liveBox = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'No live confusion matrix yet: for a binary task it appears once feedback on this model arrives.'));
  const onWindow = (count) => { const c = liveConfusion(count); if (c) replace(liveBox, confusion(c, 'confusion-live')); };
  const stopLive = await liveChart(live, m, ctx, onWindow);
  live.append(h('h3', {}, 'Confusion matrix (live)'), liveBox);
  main.append(h('h2', {}, 'Promotion history'), history(d.promotions));
  return () => { destroy.forEach((f) => f?.()); stopLive(); };
}

const row = (k, v) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v));

function snapshotText(m, s) {
  if (!m.snapshotId) return '—';
  if (!s) return `#${m.snapshotId}`;
  return `#${s.id}: ${fmt.int(s.size)} labelled documents, ${fmt.json(s.labelCounts)}, hash ${String(s.contentHash ?? '').slice(0, 12)}…, ${fmt.time(s.createdAt)}`;
}

function actions(m, out, ctx) {
  const act = (label, verb, path, danger, extra = {}) => h('button', { type: 'button', class: danger ? 'danger' : '', 'data-action': verb, onclick: async (e) => {
    const ok = await confirmAction(`${label} model #${m.id}`, `${label} model #${m.id} (${m.estimator}, ${fmt.scope(m.scope)})? This is recorded with your reason.`, label);
    if (!ok) return;
    e.target.disabled = true;
    try {
      await api(path, { method: 'POST', body: { ...extra, ...(ok.reason ? { reason: ok.reason } : {}) } });
      announce(`${label}: model #${m.id} done.`);
      ctx.reload();
    } catch (err) {
      // A 404/409 here usually means another tab or user changed the model: say so and offer a reload.
      replace(out, errorBox(err, [{ label: 'Reload', run: ctx.reload }]));
      e.target.disabled = false;
    }
  } }, label);
  return h('div', { class: 'row' },
    m.status !== 'active' && m.status !== 'retired' ? act('Promote', 'promote', `/models/${m.id}/promote`) : null,
    m.status !== 'retired' ? act('Retire', 'retire', `/models/${m.id}/retire`, true) : null,
    m.status === 'active' ? act('Roll back', 'rollback', `/tasks/${encodeURIComponent(m.taskId)}/rollback`, false, { scope: m.scope }) : null);
}

/** Per-fold values of the averaged metrics (label null), one line per metric. */
function foldChart(evaluations) {
  const avg = evaluations.filter((e) => e.label === null && Array.isArray(e.foldValues) && e.foldValues.length);
  if (avg.length === 0) return { el: h('p', { class: 'muted' }, 'No per-fold scores recorded.') };
  const n = Math.max(...avg.map((e) => e.foldValues.length));
  const xs = Array.from({ length: n }, (_, i) => i + 1);
  const table = h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Metric'), h('th', { scope: 'col' }, 'Mean ± std'), xs.map((i) => h('th', { scope: 'col', class: 'num' }, `Fold ${i}`)))),
    h('tbody', {}, avg.map((e) => h('tr', {}, h('th', { scope: 'row' }, e.metric), h('td', {}, `${fmt.num(e.mean)} ± ${fmt.num(e.std)}`), e.foldValues.map((v) => h('td', { class: 'num' }, fmt.num(v)))))));
  const { fig, box } = chartFigure(`Cross-validated scores of ${avg.length} metrics over ${n} folds`, h('div', { class: 'table-wrap' }, table));
  const shown = avg.filter((e) => /^(accuracy|f1_macro|precision_macro|recall_macro)$/.test(e.metric));
  const lines = shown.length ? shown : avg.slice(0, 4);
  return { el: fig, draw: () => lineChart(box, { xs, integerX: true, xLabel: 'fold', yLabel: 'score', series: lines.map((e) => ({ label: e.metric, values: e.foldValues, points: true })) }) };
}

/**
 * The count window's 2×2 matrix of a binary task: per label, true positives = recall × support
 * (both counts of the window), and what a label misses is predicted as the other label.
 */
function liveConfusion(count) {
  const per = count?.perLabel ?? {};
  const labels = Object.keys(per);
  if (labels.length !== 2 || !(count.n > 0)) return null;
  const tp = labels.map((l) => Math.round((per[l].recall ?? 0) * (per[l].support ?? 0)));
  const miss = labels.map((l, i) => (per[l].support ?? 0) - tp[i]);
  return { labels, matrix: [[tp[0], miss[0]], [miss[1], tp[1]]], caption: `Live: the last ${count.n} feedbacks (count window). Rows: true label; columns: predicted label` };
}

/**
 * The matrix the build registered: out of fold (every document predicted by a fold's model that
 * never saw it) when the API has it, else the final model on the full dataset.
 */
function buildConfusion(c) {
  if (!c) return h('p', { class: 'muted' }, 'This model was registered without a confusion matrix (built before builds recorded one, or registered by hand).');
  const matrix = c.matrix ?? [];
  const n = matrix.flat().reduce((a, b) => a + b, 0);
  const right = matrix.reduce((a, row, i) => a + (row[i] ?? 0), 0);
  const from = c.source === 'full'
    ? `Build: the final model on the full labelled dataset (${fmt.int(n)} documents, its training data included)`
    : `Build: out-of-fold predictions of the cross-validation (${fmt.int(n)} documents, each predicted by a model that never saw it)`;
  return confusion({ ...c, caption: `${from}; ${fmt.int(right)} right (${fmt.num(n ? right / n : null)}). Rows: true label; columns: predicted label` }, 'confusion');
}

function confusion(c, testid) {
  const labels = c.labels ?? [];
  const matrix = c.matrix ?? c.values ?? [];
  return h('div', { class: 'table-wrap' }, h('table', { 'data-testid': testid, 'data-source': c.source ?? 'live' },
    h('caption', { class: 'muted caption' }, c.caption ?? 'Rows: true label; columns: predicted label'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'True \\ predicted'), labels.map((l) => h('th', { scope: 'col', class: 'num' }, l)))),
    h('tbody', {}, labels.map((l, i) => h('tr', {}, h('th', { scope: 'row' }, l), (matrix[i] ?? []).map((v) => h('td', { class: 'num' }, fmt.int(v))))))));
}

function history(events) {
  if (!events.length) return h('p', { class: 'muted' }, 'Never promoted.');
  return h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'promotions' },
    h('thead', {}, h('tr', {}, ['When', 'Action', 'Scope', 'Model', 'Previous', 'Who', 'Reason'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, events.map((e) => h('tr', {}, h('td', {}, fmt.time(e.createdAt)), h('td', {}, e.action), h('td', {}, fmt.scope(e.scope)),
      h('td', {}, h('a', { href: `#/models/${e.modelId}` }, `#${e.modelId}`)),
      h('td', {}, e.previousModelId ? h('a', { href: `#/models/${e.previousModelId}` }, `#${e.previousModelId}`) : '—'),
      h('td', {}, e.actor), h('td', {}, e.reason))))));
}

/**
 * Live precision/recall of the model's count window over time, with the decay threshold (the
 * floor if the task sets one, else the cross-validated estimate minus the margin). Uses the
 * monitor's history when the API gives one, and adds a point per poll while the page is open.
 */
async function liveChart(section, m, ctx, onWindow) {
  const status = h('p', { class: 'muted', 'data-testid': 'live-summary', 'aria-live': 'polite' });
  const { fig, box } = chartFigure(`Live macro precision and recall of model #${m.id} against the decay threshold`);
  fig.hidden = true;
  section.append(status, fig);
  // The API gives the windows as they are now; the points seen in this tab are kept, so the line grows while you watch.
  const keep = `curator.live.${m.id}`;
  const points = JSON.parse(sessionStorage.getItem(keep) ?? '[]');
  let destroy = null;
  let stopped = false;
  const draw = async (report) => {
    const count = report.count ?? {};
    onWindow(count);
    const params = report.params ?? {};
    const metric = count.primaryMetric ?? 'f1_macro';
    const cv = report.cv?.[metric];
    const threshold = params.floor ?? (cv !== undefined ? cv - (params.margin ?? 0.05) : null);
    const hist = itemsOf(report.history ?? report.windows ?? []);
    const series = hist.length ? hist.map((w) => ({ t: Date.parse(w.end ?? w.windowEnd ?? w.createdAt) / 1000, p: w.precision_macro ?? w.metrics?.precision_macro, r: w.recall_macro ?? w.metrics?.recall_macro, n: w.n })) : points;
    if (!hist.length && count.n > 0) {
      const last = points[points.length - 1];
      if (!last || last.n !== count.n) {
        points.push({ t: Date.now() / 1000, p: count.precision_macro, r: count.recall_macro, n: count.n });
        sessionStorage.setItem(keep, JSON.stringify(points.slice(-500)));
      }
    }
    status.textContent = count.n > 0
      ? `${count.n} feedbacks in the count window: precision ${fmt.num(count.precision_macro)}, recall ${fmt.num(count.recall_macro)}, ${metric} ${fmt.num(count.primary)}; decay threshold ${fmt.num(threshold)}.`
      : 'No feedback on this model yet: the chart fills as users confirm or correct its predictions.';
    destroy?.();
    destroy = null;
    if (series.length === 0) return;
    fig.hidden = false;
    const xs = series.map((s) => s.t);
    destroy = await lineChart(box, { xs, time: true, yRange: [0, 1], xLabel: 'time', yLabel: 'score', points: true,
      hline: threshold === null ? null : { value: threshold, label: `decay threshold ${fmt.num(threshold)}` },
      series: [
        { label: 'precision (macro)', values: series.map((s) => s.p), points: true },
        { label: 'recall (macro)', values: series.map((s) => s.r), dash: [8, 3], points: true },
      ] });
  };
  const poll = async () => {
    try {
      const mon = await api(`/tasks/${encodeURIComponent(m.taskId)}/monitor${qs({ modelId: m.id })}`, { signal: ctx.signal });
      const reports = mon.models ?? mon.reports ?? itemsOf(mon);
      const report = reports.find((r) => r.modelId === m.id);
      if (stopped) return;
      if (report) await draw(report);
      else status.textContent = 'This model is not monitored (only active models receive predictions).';
    } catch (err) {
      if (err?.name === 'AbortError') return;
      status.replaceChildren(errorBox(err));
    }
  };
  await poll();
  const timer = setInterval(poll, 4000);
  return () => { stopped = true; clearInterval(timer); destroy?.(); };
}
