/* global sessionStorage, crypto, TextEncoder, setInterval, clearInterval */
import { api, qs } from '../api.js';
import { h, fmt, badge, replace } from '../dom.js';
import { announce, errorBox, title } from '../ui.js';
import { itemsOf, taskDetail } from '../shapes.js';

/**
 * The demo application's inbox: the signed-in user's emails (their documents), the prediction
 * made for each (label, model and scope that decided), buttons to mark each email with a label
 * (an annotation, and feedback on the prediction), and the user's own model once they have
 * labelled enough for one.
 */
export async function render(main, ctx) {
  const t = encodeURIComponent(ctx.taskId);
  const me = ctx.me.userId;
  main.append(title('Inbox'));
  if (!ctx.taskId) {
    main.append(h('p', {}, 'No task to show.'));
    return;
  }
  const [detail, docsPage, predsPage] = await Promise.all([
    api(`/tasks/${t}`, { signal: ctx.signal }).then(taskDetail),
    api(`/tasks/${t}/documents${qs({ authorId: me, limit: 50 })}`, { signal: ctx.signal }),
    api(`/tasks/${t}/predictions${qs({ userId: me, limit: 500 })}`, { signal: ctx.signal }).catch(() => ({ items: [] })),
  ]);
  const labels = detail.task.labels ?? [];
  const need = detail.config?.minLabels?.user ?? 50;
  const docs = itemsOf(docsPage);
  const cacheKey = `curator.inbox.${ctx.taskId}.${me}`;
  const cache = JSON.parse(sessionStorage.getItem(cacheKey) ?? '{}');
  const saveCache = () => sessionStorage.setItem(cacheKey, JSON.stringify(cache));
  // The prediction log names its input by the SHA-256 of the text: match emails to their predictions.
  const logged = new Map();
  for (const p of itemsOf(predsPage)) if (p.inputRef && !logged.has(p.inputRef)) logged.set(p.inputRef, p);

  const own = h('section', { 'aria-labelledby': 'own-model', 'aria-live': 'polite', 'data-testid': 'own-model' });
  const list = h('div', { 'data-testid': 'inbox-list' });
  main.append(own, h('h2', {}, `Emails (${docs.length})`), list);
  let labelled = docs.filter((d) => labelOf(d)).length;

  const showOwn = async () => {
    let mine = [];
    try {
      mine = itemsOf(await api(`/models${qs({ task: ctx.taskId, scopeKind: 'user', scopeOwner: me, status: 'active', limit: 1 })}`, { signal: ctx.signal }));
    } catch (err) {
      if (err?.name === 'AbortError') return false;
    }
    const m = mine[0];
    replace(own, h('h2', { id: 'own-model' }, 'Your own model'),
      m ? h('p', { class: 'ok-box' }, 'Your own model ', h('a', { href: `#/models/${m.id}` }, `#${m.id}`), ` (${m.estimator}, ${fmt.scope(m.scope)}, score ${fmt.num(m.score)}) is active: it decides your new emails when it is good enough.`)
        : h('p', {}, `You have labelled ${labelled} email${labelled === 1 ? '' : 's'}; your own model is built once you have labelled ${need}. `,
          h('progress', { max: String(need), value: String(Math.min(labelled, need)), 'aria-label': 'Labels towards your own model' })));
    return Boolean(m);
  };
  let hasOwn = await showOwn();

  // Predictions for emails that have none yet are asked for at once, then shown in inbox order.
  list.append(...(await Promise.all(docs.map(mail))));

  async function mail(d) {
    const hash = d.contentHash ?? (await sha256(d.content ?? ''));
    const box = h('article', { class: 'mail', 'data-document-id': d.id, 'aria-labelledby': `mail-${d.id}` });
    const verdict = h('p', { 'data-testid': 'verdict' });
    const out = h('div', { 'aria-live': 'polite' });
    let prediction = cache[hash] ?? logged.get(hash) ?? null;
    const showVerdict = () => {
      if (!prediction) return replace(verdict, h('span', { class: 'muted' }, 'No prediction yet.'));
      const scope = prediction.scope ? fmt.scope(prediction.scope) : '';
      const label = prediction.label ?? prediction.output;
      const p = prediction.probabilities?.[label];
      replace(verdict, 'Predicted ', badge(label), p === undefined ? '' : ` (${Math.round(p * 100)} %)`, ` by model `,
        h('a', { href: `#/models/${prediction.modelId}` }, `#${prediction.modelId}`), scope ? ` (${scope} scope)` : '');
    };
    if (!prediction) {
      try {
        const a = await api(`/tasks/${t}/predict`, { method: 'POST', body: { text: d.content ?? '' }, signal: ctx.signal });
        prediction = { predictionId: a.predictionId, label: a.label, probabilities: a.probabilities, modelId: a.modelId, scope: a.scope };
        cache[hash] = prediction;
        saveCache();
      } catch (err) {
        if (err?.name === 'AbortError') throw err;
        out.append(errorBox(err));
      }
    }
    showVerdict();
    const buttons = labels.map((l) => h('button', { type: 'button', class: labelOf(d) === l ? '' : 'secondary', 'aria-pressed': String(labelOf(d) === l), 'data-label': l, onclick: async () => {
      buttons.forEach((b) => { b.disabled = true; });
      try {
        const first = !labelOf(d);
        await api(`/tasks/${t}/annotations`, { method: 'POST', body: { documentId: d.id, label: l } });
        const pid = prediction?.predictionId ?? prediction?.ref;
        if (pid) await api(`/tasks/${t}/feedback`, { method: 'POST', body: { predictionId: pid, label: l } });
        d.annotation = { label: l };
        if (first) labelled += 1;
        buttons.forEach((b) => { const on = b.dataset.label === l; b.className = on ? '' : 'secondary'; b.setAttribute('aria-pressed', String(on)); });
        replace(out, h('span', { 'data-testid': 'feedback-saved' }, `Marked ${l}${pid ? '; feedback recorded for the prediction' : ''}.`));
        announce(`Email marked ${l}.`);
        if (!hasOwn) hasOwn = await showOwn();
      } catch (err) {
        replace(out, errorBox(err, [{ label: 'Retry', run: () => buttons.find((b) => b.dataset.label === l)?.click() }]));
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    } }, `Mark ${l}`));
    const { subject, from, body } = parseEmail(d.content ?? '');
    box.append(h('header', {}, h('h3', { id: `mail-${d.id}` }, subject || `(no subject) #${d.id}`), h('span', { class: 'muted' }, from)),
      h('pre', {}, body.slice(0, 600)), verdict, h('div', { class: 'row', role: 'group', 'aria-label': `Label email ${d.id}` }, buttons), out);
    return box;
  }

  // While the user's own model is being built (a growth trigger fired), look for it now and then.
  const timer = setInterval(async () => { if (!hasOwn && labelled >= need) hasOwn = await showOwn(); }, 3000);
  return () => clearInterval(timer);
}

function labelOf(d) {
  return d.annotation?.label ?? d.label ?? d.myLabel ?? null;
}

async function sha256(text) {
  const buf = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Subject and sender from the raw email's headers, and the text after them. */
function parseEmail(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split >= 0 ? raw.slice(0, split) : '';
  const body = split >= 0 ? raw.slice(split).trim() : raw;
  const header = (name) => head.match(new RegExp(`^${name}:\\s*(.*)$`, 'im'))?.[1]?.trim() ?? '';
  return { subject: header('Subject'), from: header('From'), body };
}
