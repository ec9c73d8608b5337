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
      const models = modelsOf(j.result);
      replace(outcome, h('div', { class: 'ok-box' }, `Build finished. `, j.result?.decision?.reason ?? '', ' ',
        models.map((m) => h('a', { href: `#/models/${m}`, 'data-testid': 'job-model' }, `Model #${m}`))));
      announce(`Job ${j.id} finished.`);
    }
  };
  const retry = async (j) => {
    try {
      const r = await api(`/tasks/${encodeURIComponent(j.taskId)}/builds`, { method: 'POST', body: { scope: j.scope, reason: `retry of job ${j.id}` } });
      location.hash = `#/jobs/${r.jobId}`;
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
    const type = data?.type ?? event;
    if (type === 'progress') {
      const p = data.progress ?? data;
      const frac = typeof p.fraction === 'number' ? p.fraction : typeof data.jobProgress === 'number' ? data.jobProgress : p.total ? p.done / p.total : null;
      if (frac !== null) bar.value = frac;
      const text = describe(p);
      stage.textContent = text;
      line(text);
    } else {
      line(`${type}${data?.error ? `: ${data.error}` : ''}${data?.attempt ? ` (attempt ${data.attempt})` : ''}`);
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

function modelsOf(result) {
  if (!result || typeof result !== 'object') return [];
  const ids = [];
  if (typeof result.modelId === 'number') ids.push(result.modelId);
  if (result.model?.id) ids.push(result.model.id);
  for (const m of result.models ?? []) ids.push(typeof m === 'number' ? m : m.id);
  return [...new Set(ids)];
}
