/* global sessionStorage, structuredClone */
import { api } from '../api.js';
import { h, field, replace } from '../dom.js';
import { announce, errorBox, title } from '../ui.js';
import { itemsOf } from '../shapes.js';
import { firings } from './corpus.js';

const KINDS = ['growth', 'schedule', 'decay', 'manual'];
const SCOPES = ['global', 'group', 'user'];
// Number fields per kind: [key, label, step, hint].
const FIELDS = {
  growth: [['labels', 'New labels (N)', '1', 'build after N new labels'], ['percent', 'Growth (%)', 'any', 'or after P % more labels']],
  schedule: [['everyMs', 'Every (hours)', 'any', 'time between builds']],
  decay: [['floor', 'Floor (0–1)', 'any', 'alarm below this live score; empty: none'], ['alpha', 'Alpha', 'any', 'level of the binomial test'],
    ['margin', 'Margin', 'any', 'tolerated drop below CV'], ['minSamples', 'Minimum feedbacks', '1', ''], ['window', 'Window (feedbacks)', '1', '']],
  manual: [],
};

/**
 * Trigger rules, editable: one fieldset per rule, saved with PUT (the server validates and
 * answers with the field at fault). The draft is kept in sessionStorage until saved, so an
 * expired token or a reload loses nothing.
 */
export async function render(main, ctx) {
  const t = encodeURIComponent(ctx.taskId);
  const draftKey = `curator.triggers-draft.${ctx.taskId}`;
  main.append(title(`Trigger rules of ${ctx.taskId}`));
  const data = await api(`/tasks/${t}/triggers`, { signal: ctx.signal });
  const saved = data.rules ?? [];
  const draft = sessionStorage.getItem(draftKey);
  let rules = draft ? JSON.parse(draft) : structuredClone(saved);
  const list = h('div', {});
  const out = h('div', { 'aria-live': 'polite', 'data-testid': 'triggers-result' });
  const keep = () => sessionStorage.setItem(draftKey, JSON.stringify(rules));
  const draw = () => replace(list, rules.map((r, i) => ruleEditor(r, i, () => { keep(); }, () => { rules.splice(i, 1); keep(); draw(); })));
  draw();
  const kindSel = h('select', {}, KINDS.map((k) => h('option', { value: k }, k)));
  const form = h('form', { onsubmit: async (e) => {
    e.preventDefault();
    try {
      const body = { rules: rules.map(clean) };
      const r = await api(`/tasks/${t}/triggers`, { method: 'PUT', body });
      sessionStorage.removeItem(draftKey);
      rules = structuredClone(r?.rules ?? body.rules);
      draw();
      replace(out, h('div', { class: 'ok-box' }, 'Saved.'));
      announce('Trigger rules saved.');
    } catch (err) {
      replace(out, errorBox(err, [{ label: 'Reload saved rules', run: () => { sessionStorage.removeItem(draftKey); ctx.reload(); } }]));
    }
  } },
  draft ? h('p', { class: 'muted' }, 'Showing your unsaved draft.') : null,
  list,
  h('div', { class: 'row' }, field('New rule kind', kindSel), h('button', { type: 'button', class: 'secondary', onclick: () => { rules.push({ kind: kindSel.value }); keep(); draw(); } }, 'Add rule')),
  h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Save rules'), h('button', { type: 'button', class: 'secondary', onclick: () => { sessionStorage.removeItem(draftKey); ctx.reload(); } }, 'Discard changes')),
  out);
  main.append(form, h('h2', {}, 'Firing history'), firings(itemsOf(data.events ?? data.history ?? [])));
}

/** Drops empty values; hours back to milliseconds for schedules. */
function clean(r) {
  const out = { kind: r.kind };
  for (const [k, v] of Object.entries(r)) {
    if (k === 'kind' || v === '' || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

function ruleEditor(rule, i, changed, remove) {
  const inputs = (FIELDS[rule.kind] ?? []).map(([key, label, step, hint]) => {
    const hours = key === 'everyMs';
    const value = rule[key] === undefined || rule[key] === null ? '' : hours ? rule[key] / 3600000 : rule[key];
    const input = h('input', { type: 'number', step, min: '0', value: String(value), name: `${key}-${i}`, oninput: (e) => {
      const v = e.target.value;
      if (v === '') delete rule[key];
      else rule[key] = hours ? Math.round(Number(v) * 3600000) : Number(v);
      changed();
    } });
    return field(label, input, hint || undefined);
  });
  const scopes = rule.kind === 'manual' ? null : h('fieldset', { class: 'field' }, h('legend', {}, 'Scopes (none checked: the default)'),
    h('div', { class: 'row' }, SCOPES.map((s) => {
      const id = `scope-${i}-${s}`;
      return h('span', {}, h('input', { type: 'checkbox', id, checked: (rule.scopes ?? []).includes(s), onchange: (e) => {
        const set = new Set(rule.scopes ?? []);
        if (e.target.checked) set.add(s);
        else set.delete(s);
        if (set.size) rule.scopes = SCOPES.filter((x) => set.has(x));
        else delete rule.scopes;
        changed();
      } }), ' ', h('label', { for: id }, s));
    })));
  return h('fieldset', { class: 'rule', 'data-rule-kind': rule.kind },
    h('legend', {}, `Rule ${i + 1}: ${rule.kind}`),
    h('div', { class: 'filters' }, inputs, scopes),
    h('button', { type: 'button', class: 'secondary', onclick: remove, 'aria-label': `Remove rule ${i + 1} (${rule.kind})` }, 'Remove'));
}
