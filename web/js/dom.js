/* global document, Node */
/**
 * h(tag, attrs, ...children): builds elements without innerHTML, so email text and anything
 * else the API returns is always inserted as text, never as markup.
 * attrs: `class`, `for`, aria and data attributes and other attributes as strings; `on<event>` functions;
 * DOM properties (`value`, `checked`, `disabled`, `hidden`) set directly.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** Appends strings (as text), nodes and nested arrays; skips null/undefined/false. */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A labelled form control: a wrapper with <label for> and the control (given an id). */
export function field(labelText, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h('span', { class: 'muted', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), control, hintEl);
}

/** Formats helpers shared by pages. */
export const fmt = {
  num: (v, d = 3) => (v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(d)),
  int: (v) => (v === null || v === undefined ? '—' : Number(v).toLocaleString('en')),
  bytes: (b) => (b === null || b === undefined ? '—' : b < 1024 ? `${b} B` : b < 1048576 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1048576).toFixed(2)} MiB`),
  ms: (ms) => (ms === null || ms === undefined ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`),
  time: (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' }) : '—'),
  scope: (s) => (!s ? '—' : s.kind === 'global' ? 'global' : s.kind === 'group' ? `group:${s.groupId ?? s.owner}` : `user:${s.userId ?? s.owner}`),
  json: (o) => JSON.stringify(o ?? {}),
  /** Hyperparameters in a line: nested steps flattened to `clf.alpha=0.1 tfidf.minDf=2`. */
  params(o, prefix = '') {
    const parts = [];
    for (const [k, v] of Object.entries(o ?? {})) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) parts.push(fmt.params(v, `${prefix}${k}.`));
      else parts.push(`${prefix}${k}=${Array.isArray(v) ? v.join(',') : v}`);
    }
    return parts.filter(Boolean).join(' ');
  },
};

/** A status badge. */
export function badge(text) {
  return h('span', { class: `badge ${String(text).replace(/[^a-z-]/gi, '')}` }, text);
}
