/* global location, AbortController */
import { api, stream } from '../api.js';
import { h, fmt, badge, replace } from '../dom.js';
import { announce, errorBox, title } from '../ui.js';

/**
 * One job, live: progress over server-sent events (/v1/jobs/:id/events) with a log of every
 * event, the outcome, and for a failed build its error with "Retry" (a new build of the scope).
 */
export async function render(main, ctx) {
  const id = ctx.params.id;
  let job = await api(`/jobs/${encodeURIComponent(id)}`, { signal: ctx.signal });
  const bar = h('progress', { max: '1', value: String(job.progress ?? 0), id: 'job-progress', 'aria-describedby': 'job-stage' });
  const stage = h('p', { id: 'job-stage', 'aria-live': 'polite', 'data-testid': 'job-stage' });
  const statusEl = h('span', { 'data-testid': 'job-status' }, badge(job.status));
  const log = h('div', { class: 'log', role: 'log', 'aria-label': 'Job events', tabindex: '0', 'data-testid': 'job-log' });
  const outcome = h('div', { 'aria-live': 'assertive', 'data-testid': 'job-outcome' });
  main.append(title(`Job ${job.id}`),
    h('p', {}, `Build of task ${job.taskId}, ${fmt.scope(job.scope)} · attempts ${job.attempts} · created ${fmt.time(job.createdAt)}`),
    h('p', {}, 'Status: ', statusEl),
    h('label', { for: 'job-progress' }, 'Progress'), ' ', bar, stage, outcome, h('h2', {}, 'Events'), log);
  const line = (text) => {
    log.append(h('div', {}, `${new Date().toLocaleTimeString('en-GB')}  ${text}`));
    log.scrollTop = log.scrollHeight;
  };
  const finish = (j) => {
    job = j;
    replace(statusEl, badge(j.status));
    bar.value = j.status === 'succeeded' ? 1 : j.progress ?? bar.value;
    if (j.status === 'failed') {
      replace(outcome, errorBox({ code: 'BUILD_FAILED', message: j.error ?? 'the build failed' }, [{ label: 'Retry', run: () => retry(j) }]));
      announce(`Job ${j.id} failed.`);
    } else if (j.status === 'succeeded') {
      replace(outcome, outcomeOf(j.result));
      announce(`Job ${j.id} finished.`);
    }
  };
  const retry = async (j) => {
    try {
      const r = await api(`/tasks/${encodeURIComponent(j.taskId)}/builds`, { method: 'POST', body: { scope: j.scope, reason: `retry of job ${j.id}` } });
      if (r.jobId) location.hash = `#/jobs/${r.jobId}`;
      else replace(outcome, h('p', {}, r.reason));
    } catch (err) {
      replace(outcome, errorBox(err, [{ label: 'Retry', run: () => retry(j) }]));
    }
  };
  if (job.status !== 'queued' && job.status !== 'running') {
    line(`job is ${job.status}`);
    finish(job);
    return;
  }
  const controller = new AbortController();
  const onEvent = ({ event, data }) => {
    if (event === 'job') {
      // The job row, sent whenever its status, progress or detail changes.
      bar.value = data.progress ?? bar.value;
      replace(statusEl, badge(data.status));
      const p = data.detail?.progress ?? data.detail;
      const text = p?.stage ? describe(p) : `${data.status} · ${Math.round((data.progress ?? 0) * 100)} %`;
      stage.textContent = text;
      line(`job ${data.status} ${Math.round((data.progress ?? 0) * 100)} %${p?.stage ? ` · ${text}` : ''}`);
      return;
    }
    if (event === 'end') {
      line(`end: ${data.status}${data.error ? ` (${data.error})` : ''}`);
      return;
    }
    const type = data?.type ?? event;
    if (type === 'progress') {
      const text = describe(data.progress ?? data);
      stage.textContent = text;
      line(text);
    } else {
      line(`${type}${data?.error ?? data?.message ? `: ${data.error ?? data.message}` : ''}${data?.attempt ? ` (attempt ${data.attempt})` : ''}`);
    }
  };
  stream(`/jobs/${encodeURIComponent(id)}/events`, onEvent, controller.signal)
    .then(() => api(`/jobs/${encodeURIComponent(id)}`))
    .then(finish)
    .catch((err) => {
      if (err?.name === 'AbortError') return;
      replace(outcome, errorBox(err, [{ label: 'Reload', run: ctx.reload }]));
    });
  return () => controller.abort();
}

function describe(p) {
  if (p.stage === 'cv') {
    const cand = p.candidate ? ` · candidate ${p.candidateIndex ?? '?'} of ${p.candidates ?? '?'} (${p.candidate})` : '';
    return `cross-validation: fold ${p.fold ?? '?'} of ${p.folds ?? '?'}${cand} · ${p.done}/${p.total}`;
  }
  return `${p.stage ?? 'working'} ${p.done ?? ''}/${p.total ?? ''}`;
}

/** What a finished build did: skipped (and why), or its model, the promotion decision and the candidates' scores. */
function outcomeOf(r) {
  if (!r || typeof r !== 'object') return h('div', { class: 'ok-box' }, 'Build finished.');
  if (r.skipped) return h('div', { class: 'ok-box' }, `Build finished: skipped — ${r.skipped}`);
  return h('div', { class: 'ok-box' },
    h('p', {}, 'Build finished: ', h('a', { href: `#/models/${r.modelId}`, 'data-testid': 'job-model' }, `model #${r.modelId}`),
      r.promoted ? ' was promoted. ' : ' was kept as a candidate. ', r.reason ?? ''),
    Array.isArray(r.candidates) && r.candidates.length ? h('table', {}, h('caption', {}, `Candidates (${r.folds ?? '?'} folds)`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Candidate'), h('th', { scope: 'col', class: 'num' }, 'Mean'), h('th', { scope: 'col', class: 'num' }, 'Std'))),
      h('tbody', {}, r.candidates.map((c) => h('tr', {}, h('td', {}, c.name), h('td', { class: 'num' }, fmt.num(c.mean)), h('td', { class: 'num' }, fmt.num(c.std)))))) : null,
    r.wallMs ? h('p', { class: 'muted' }, `Wall time ${fmt.ms(r.wallMs)}`) : null);
}
