import { api, session, ApiError } from '../api.js';
import { h, field } from '../dom.js';
import { errorBox, title } from '../ui.js';
import { signedIn } from '../app.js';

/** Sign-in: paste an API token; it is checked against /v1/me and kept in sessionStorage. */
export async function render(main) {
  const notice = session.takeNotice();
  const input = h('textarea', { id: 'token', name: 'token', required: true, autocomplete: 'off', spellcheck: 'false', rows: 2 });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'signin', onsubmit: async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    out.replaceChildren();
    if (!token) {
      out.append(errorBox(new ApiError(0, 'REQUIRED', 'Paste a token first.', 'token')));
      input.focus();
      return;
    }
    session.set(token);
    try {
      await api('/me', { keepSession: true });
      signedIn();
    } catch (err) {
      session.clear();
      out.append(errorBox(err));
      input.focus();
    }
  } },
  field('API token', input, 'An admin or editor token opens the dashboard; a user token opens the inbox. It stays in this tab only.'),
  h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Sign in')),
  out,
  );
  main.append(title('Sign in'), notice ? h('div', { class: 'error-box', role: 'alert', 'data-testid': 'signin-notice' }, notice) : null, form);
  input.focus();
}
