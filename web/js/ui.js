/* global document, setTimeout, clearTimeout */
import { h, replace } from './dom.js';

let statusTimer = null;

/** Says something politely to screen readers and shows it in the status bar for a while. */
export function announce(text) {
  const el = document.getElementById('status');
  replace(el, text);
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => replace(el), 8000);
}

/** Clears the page-level alert. */
export function clearAlert() {
  replace(document.getElementById('alert'));
}

/**
 * Shows an API error in the page-level alert (role=alert) with actions, e.g.
 * `{ label: 'Reload', run: reload }` for stale data or `{ label: 'Retry', run: again }`.
 */
export function showError(err, actions = []) {
  const el = document.getElementById('alert');
  replace(el, errorBox(err, actions, false));
}

/** An error panel to place inline (with its own code, message, field and actions). */
export function errorBox(err, actions = [], boxed = true) {
  const code = err?.code ? `${err.code}: ` : '';
  const field = err?.field ? ` (field: ${err.field})` : '';
  return h('div', { class: boxed ? 'error-box' : '', 'data-error-code': err?.code ?? '' },
    h('span', {}, `${code}${err?.message ?? String(err)}${field}`), ' ',
    actions.map((a) => h('button', { type: 'button', class: 'secondary', onclick: () => { clearAlert(); a.run(); } }, a.label)),
  );
}

/**
 * Asks for confirmation in the modal dialog; resolves with `{ reason }` or null when cancelled.
 * The dialog keeps focus inside itself and gives it back to the opener afterwards.
 */
export function confirmAction(title, text, okLabel = 'Confirm') {
  const dialog = document.getElementById('confirm');
  const opener = document.activeElement;
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  const reason = document.getElementById('confirm-reason');
  reason.value = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (opener && typeof opener.focus === 'function') opener.focus();
      resolve(dialog.returnValue === 'ok' ? { reason: reason.value.trim() } : null);
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    reason.focus();
  });
}

/** A heading that takes focus after navigation, so screen readers hear where they are. */
export function title(text) {
  return h('h1', { tabindex: '-1', id: 'page-title' }, text);
}
