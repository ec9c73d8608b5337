/* global document, window, location, sessionStorage, performance, AbortController, URLSearchParams */
/**
 * The dashboard shell: a hash router (works behind any static file server), the header with
 * navigation, the task picker and the session, and one module per page loaded on demand.
 * Plain ES modules, no build step: the browser loads these files as they are in web/.
 */
import { api, session, signOut } from './api.js';
import { h, replace, field } from './dom.js';
import { clearAlert, errorBox, showError } from './ui.js';

const PAGES = {
  signin: () => import('./pages/signin.js'),
  overview: () => import('./pages/overview.js'),
  models: () => import('./pages/models.js'),
  model: () => import('./pages/model-detail.js'),
  corpus: () => import('./pages/corpus.js'),
  triggers: () => import('./pages/triggers.js'),
  jobs: () => import('./pages/jobs.js'),
  job: () => import('./pages/job-detail.js'),
  users: () => import('./pages/users.js'),
  inbox: () => import('./pages/inbox.js'),
};

const ADMIN_NAV = [['overview', 'Overview'], ['models', 'Models'], ['corpus', 'Corpus'], ['triggers', 'Triggers'], ['jobs', 'Jobs'], ['users', 'Users & groups'], ['inbox', 'Inbox']];
const USER_NAV = [['inbox', 'Inbox']];
const TASK = 'curator.task';

let me = null;
let tasks = [];
let cleanup = null;
let controller = null;
let renders = 0;

/** Parses `#/models/12?status=active` into { page, params, query }. */
function parseRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, search = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const query = Object.fromEntries(new URLSearchParams(search));
  const [first = '', id] = parts;
  if (first === 'models' && id) return { page: 'model', params: { id }, query };
  if (first === 'jobs' && id) return { page: 'job', params: { id }, query };
  return { page: PAGES[first] ? first : '', params: {}, query };
}

/** The task pages work on: the one picked in the header, else the first. */
export function currentTask() {
  const picked = sessionStorage.getItem(TASK);
  return tasks.find((t) => t.id === picked)?.id ?? tasks[0]?.id ?? null;
}

function isStaff() {
  return me && (me.role === 'admin' || me.role === 'editor');
}

function renderHeader(page) {
  const nav = document.getElementById('nav');
  const items = isStaff() ? ADMIN_NAV : me ? USER_NAV : [];
  replace(nav, h('ul', {}, items.map(([p, label]) => h('li', {}, h('a', { href: `#/${p}`, 'aria-current': p === page || (page === 'model' && p === 'models') || (page === 'job' && p === 'jobs') ? 'page' : null }, label)))));
  const box = document.getElementById('session');
  if (!me) return replace(box);
  const picker = h('select', { id: 'task-picker', onchange: (e) => { sessionStorage.setItem(TASK, e.target.value); route(); } },
    tasks.map((t) => h('option', { value: t.id, selected: t.id === currentTask() }, t.name || t.id)));
  replace(box,
    tasks.length > 1 ? field('Task', picker) : null,
    h('span', { class: 'muted', 'data-testid': 'whoami' }, `${me.userId} (${me.role})`),
    h('button', { type: 'button', class: 'secondary', onclick: () => signOut('You signed out.') }, 'Sign out'),
  );
}

async function loadSession() {
  const raw = await api('/me');
  const user = raw.user;
  me = { userId: typeof user === 'string' ? user : user?.id, user, role: raw.role, groups: (raw.groups ?? []).map((g) => (typeof g === 'string' ? g : g.id)) };
  const list = await api('/tasks');
  tasks = Array.isArray(list) ? list : list.items ?? [];
}

/** Renders the page of the current hash; pages get a context and may return a cleanup. */
export async function route() {
  if (cleanup) cleanup();
  cleanup = null;
  controller?.abort();
  controller = new AbortController();
  const signal = controller.signal;
  clearAlert();
  let { page, params, query } = parseRoute();
  const main = document.getElementById('main');
  if (!session.token()) page = 'signin';
  if (page !== 'signin' && !me) {
    try {
      await loadSession();
    } catch (err) {
      if (err.status === 401) return; // signOut already moved us to #/signin
      replace(main, errorBox(err, [{ label: 'Retry', run: route }]));
      return;
    }
  }
  if (page === 'signin') me = null;
  if (page === '') page = isStaff() ? 'overview' : 'inbox';
  if (!isStaff() && page !== 'inbox' && page !== 'signin') page = 'inbox';
  renderHeader(page);
  try {
    const mod = await PAGES[page]();
    if (signal.aborted) return;
    const ctx = { params, query, me, taskId: currentTask(), tasks, signal, reload: route, main };
    replace(main);
    const done = await mod.render(main, ctx);
    if (signal.aborted) {
      if (typeof done === 'function') done();
      return;
    }
    cleanup = typeof done === 'function' ? done : null;
    const heading = document.getElementById('page-title');
    if (heading && document.activeElement?.closest?.('main') == null) heading.focus({ preventScroll: true });
    performance.mark(`curator:ready:${page}`);
    document.body.dataset.page = page;
    document.body.dataset.ready = `${performance.timeOrigin}:${++renders}`; // unique per render and document: tests wait for it to change
  } catch (err) {
    if (err?.name === 'AbortError' || signal.aborted) return;
    if (err?.status === 401) return;
    replace(main, h('h1', { tabindex: '-1', id: 'page-title' }, 'Could not load this page'), errorBox(err, [{ label: 'Reload', run: route }]));
  }
}

/** Called by the sign-in page once the token works. */
export function signedIn() {
  me = null;
  const target = session.takeReturn() || '#/';
  if (location.hash === target) route();
  else location.hash = target;
}

window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason?.name === 'AbortError') return;
  showError(e.reason, [{ label: 'Reload', run: route }]);
});
route();
