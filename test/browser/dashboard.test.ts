import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { loadSpamCorpus } from '../../src/demo/spam-corpus.ts';
import type { BuildOutcome } from '../../src/lifecycle/index.ts';
import { GLOBAL, sha256Hex } from '../../src/store/index.ts';
import { chromiumMissing, startBrowserApp, type BrowserApp } from './browser-app.ts';

/*
 * The dashboard in a real Chromium against a real server (temp SQLite file, worker-thread
 * builds): sign in, the models table, a build followed live to its end, a promotion that
 * changes the active model, stale data after a change in another tab, an expired token, and a
 * screenshot of every page at 1280 and 390 px.
 */
const missing = chromiumMissing();

describe('dashboard in Chromium', { skip: missing || false, timeout: 240_000 }, () => {
  let app: BrowserApp;
  before(async () => {
    app = await startBrowserApp();
  });
  after(async () => {
    await app?.close();
  });

  /**
   * Starts a build of a second task (500 emails, the default candidates, 12 folds: seconds of
   * work) and waits until the build worker runs it; answers its outcome (wrapped, so awaiting the
   * start does not wait for the end).
   */
  async function occupyBuildWorker(): Promise<{ outcome: Promise<BuildOutcome> }> {
    const id = 'x-backlog';
    await app.curator.createTask({ id, labels: ['ham', 'spam'], cv: { folds: 12 } });
    const emails = loadSpamCorpus().filter((_, i) => i % 12 === 0).slice(0, 500);
    const docs = await app.curator.addDocuments(id, emails.map((r) => ({ content: r.text })));
    await app.curator.annotateMany(id, docs.map((d, i) => ({ documentId: d.id, userId: 'ana', label: emails[i]!.label })));
    const outcome = app.curator.build(id, { actor: 'ana', reason: 'keep the build worker busy' });
    const deadline = Date.now() + 30_000;
    while (!(await app.curator.store.jobs.unfinished()).some((j) => j.taskId === id && j.status === 'running')) {
      if (Date.now() > deadline) throw new Error('the backlog build did not start within 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    return { outcome };
  }

  test('a wrong token is refused on the sign-in page; a good one opens the overview with the active model', async () => {
    const page = await app.page();
    await page.goto(`${app.url}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await app.shoot(page, 'signin');
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.error-box', { hasText: 'UNAUTHENTICATED' }).waitFor();
    await app.signIn(page, app.tokens.admin);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    assert.match(await page.getByTestId('whoami').innerText(), /ana \(admin\)/);
    assert.equal(await page.getByTestId('corpus-size').innerText(), '30');
    // The global model, and ana's own (her 30 labels passed the growth rule for user scopes).
    const active = await app.curator.registry.models.list({ taskId: 'spam', status: 'active', scope: GLOBAL }, { limit: 10 });
    assert.equal(active.items.length, 1);
    await page.getByTestId('active-models').getByRole('link', { name: `#${active.items[0]!.id}` }).waitFor();
    await app.shoot(page, 'overview');
    await page.close();
  });

  test('the models table shows the registered models, sorts by score and filters by status', async () => {
    const page = await app.page();
    await app.signIn(page, app.tokens.admin);
    await page.goto(`${app.url}/#/models`);
    const table = page.getByTestId('models-table');
    await table.waitFor();
    const rows = table.locator('tbody tr');
    const count = (await app.curator.registry.models.list({ taskId: 'spam' }, { limit: 100 })).items.length;
    assert.equal(await rows.count(), count);
    const header = await table.locator('thead').innerText();
    for (const col of ['ID', 'Estimator', 'Hyperparameters', 'Build time', 'Score', 'File size', 'Scope', 'Status', 'Snapshot']) assert.ok(header.includes(col), col);
    await app.rendered(page, () => table.getByRole('button', { name: /Score/ }).click());
    assert.match(await page.evaluate('location.hash'), /orderBy=score/);
    assert.equal(await page.locator('th[aria-sort]').getAttribute('aria-sort'), 'descending');
    // Every other sortable column: a click sorts through the API (keyset, ties on id); a second click reverses.
    const shownIds = async () => (await page.getByTestId('models-table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-model-id')))));
    for (const [name, orderBy, first] of [['Build time', 'buildTimeMs', 'desc'], ['File size', 'blobSize', 'desc'], ['Estimator', 'estimator', 'asc'], ['Status', 'status', 'asc']] as const) {
      for (const direction of [first, first === 'asc' ? 'desc' : 'asc'] as const) {
        await app.rendered(page, () => page.getByTestId('models-table').getByRole('button', { name: new RegExp(`^${name}`) }).click());
        assert.match(await page.evaluate('location.hash') as string, new RegExp(`orderBy=${orderBy}&direction=${direction}|direction=${direction}&orderBy=${orderBy}|orderBy=${orderBy}.*direction=${direction}`));
        const th = page.locator('th[aria-sort]');
        assert.equal(await th.count(), 1);
        assert.equal(await th.getAttribute('aria-sort'), direction === 'asc' ? 'ascending' : 'descending');
        assert.match(await th.innerText(), new RegExp(name));
        const want = (await app.curator.registry.models.list({ taskId: 'spam' }, { orderBy, direction, limit: 50 })).items.map((m) => m.id);
        assert.deepEqual(await shownIds(), want, `${orderBy} ${direction}`);
      }
    }
    await page.getByLabel('Status').selectOption('active');
    await app.rendered(page, () => page.getByRole('button', { name: 'Apply filters' }).click());
    assert.match(await page.evaluate('location.hash'), /status=active/);
    const active = (await app.curator.registry.models.list({ taskId: 'spam', status: 'active' }, { limit: 100 })).items;
    assert.equal(await page.getByTestId('models-table').locator('tbody tr').count(), active.length);
    assert.deepEqual(await page.getByTestId('models-table').locator('tbody tr .badge').allInnerTexts(), active.map(() => 'active'));
    await app.shoot(page, 'models');
    await page.close();
  });

  test('train now: the build is followed live over SSE to its end, then its model is in the table', async () => {
    // New labels, so the build has a new snapshot to train on (an unchanged corpus is skipped).
    const more = app.spare.slice(0, 4);
    const docs = await app.curator.addDocuments('spam', more.map((r) => ({ content: r.text, authorId: 'ana' })));
    await app.curator.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'ana', label: more[i]!.label })));
    // The one build worker is first given a longer build of another task, so this job is queued
    // behind it and the page sees it before it ends however fast the machine is.
    const backlog = await occupyBuildWorker();
    const page = await app.page();
    await app.signIn(page, app.tokens.admin);
    await page.getByRole('button', { name: 'Train now' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('browser test build');
    await dialog.getByRole('button', { name: 'Train now' }).click();
    await page.waitForFunction('/^#\\/jobs\\/\\d+$/.test(location.hash)');
    await page.getByRole('heading', { name: /^Job \d+$/ }).waitFor();
    const log = page.getByTestId('job-log');
    await page.getByTestId('job-status').getByText('succeeded').waitFor({ timeout: 120_000 });
    const lines = await log.innerText();
    assert.match(lines, /job (queued|running)/, 'the log shows the job before it ended');
    assert.match(lines, /end: succeeded/);
    assert.equal(await page.locator('#job-progress').getAttribute('value'), '1');
    await page.getByTestId('job-outcome').getByText('Build finished').waitFor();
    const modelLink = page.getByTestId('job-model');
    assert.match(await modelLink.innerText(), /model #\d+/);
    await app.shoot(page, 'job-detail');
    await page.goto(`${app.url}/#/jobs`);
    await page.getByTestId('jobs-table').waitFor();
    await app.shoot(page, 'jobs');
    await page.close();
    assert.equal((await backlog.outcome).status, 'built');
  });

  test('promote a candidate after confirming: the active model changes and the history records it; roll back from the overview', async () => {
    const candidate = (await app.curator.registry.models.list({ taskId: 'spam', status: 'candidate', scope: GLOBAL }, { limit: 1 })).items[0];
    assert.ok(candidate, 'the second build left a candidate: its own model or the champion it replaced');
    const page = await app.page();
    await app.signIn(page, app.tokens.admin);
    await page.goto(`${app.url}/#/models/${candidate.id}`);
    await page.getByRole('heading', { name: `Model #${candidate.id}` }).waitFor();
    // The build's out-of-fold confusion matrix counts every document of the model's snapshot once; the live one has its own place.
    const cm = page.getByTestId('confusion');
    assert.equal(await cm.getAttribute('data-source'), 'cv');
    assert.match(await cm.locator('caption').innerText(), /out-of-fold/);
    const cells = (await cm.locator('tbody td').allInnerTexts()).map((t) => Number(t.replace(/,/g, '')));
    assert.equal(cells.reduce((a, b) => a + b, 0), (await app.curator.store.snapshots.get(candidate.snapshotId!))!.size);
    await page.getByRole('heading', { name: 'Confusion matrix (live)' }).waitFor();
    await page.getByRole('button', { name: 'Promote' }).click();
    await page.getByRole('dialog').getByLabel('Reason').fill('promoted in the browser test');
    await page.getByRole('dialog').getByRole('button', { name: 'Promote' }).click();
    await page.getByTestId('promotions').getByText('promoted in the browser test').waitFor();
    await app.shoot(page, 'model-detail');
    await page.goto(`${app.url}/#/overview`);
    await page.getByTestId('active-models').getByRole('link', { name: `#${candidate.id}` }).waitFor();
    const active = (await app.curator.registry.models.list({ taskId: 'spam', status: 'active', scope: GLOBAL }, { limit: 10 })).items;
    assert.deepEqual(active.map((m) => m.id), [candidate.id]);
    // Roll back from the overview: the former champion is active again.
    const before = (await app.curator.registry.promotions.history('spam', GLOBAL)).at(-1)!;
    await page.locator('tr[data-task="spam"][data-scope="global"]').getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('dialog').getByLabel('Reason').fill('rolled back in the browser test');
    await app.rendered(page, () => page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click());
    await page.getByTestId('active-models').getByRole('link', { name: `#${before.previousModelId}` }).waitFor();
    const after = (await app.curator.registry.models.list({ taskId: 'spam', status: 'active', scope: GLOBAL }, { limit: 10 })).items;
    assert.deepEqual(after.map((m) => m.id), [before.previousModelId]);
    await page.close();
  });

  test('stale data: a model retired in another tab gives the API message and a reload action', async () => {
    const candidate = (await app.curator.registry.models.list({ taskId: 'spam', status: 'candidate', scope: GLOBAL }, { limit: 1 })).items[0];
    assert.ok(candidate, 'the promotion left the former champion as a candidate');
    const tab1 = await app.page();
    const tab2 = await app.page();
    await app.signIn(tab1, app.tokens.admin);
    await app.signIn(tab2, app.tokens.admin);
    await tab1.goto(`${app.url}/#/models/${candidate.id}`);
    await tab2.goto(`${app.url}/#/models/${candidate.id}`);
    await tab2.bringToFront();
    await tab2.getByRole('button', { name: 'Retire' }).click();
    await tab2.getByRole('dialog').getByRole('button', { name: 'Retire' }).click();
    await tab2.locator('p', { hasText: 'retired' }).first().waitFor();
    await tab1.bringToFront();
    await tab1.getByRole('button', { name: 'Promote' }).click();
    await tab1.getByRole('dialog').getByRole('button', { name: 'Promote' }).click();
    const box = tab1.getByTestId('action-result').locator('.error-box');
    await box.waitFor();
    const text = await box.innerText();
    assert.match(text, /retired|not a candidate|INVALID_STATE|CONFLICT/i, text);
    await app.shoot(tab1, 'stale-data');
    await box.getByRole('button', { name: 'Reload' }).click();
    // the reload first empties the page (the error box goes), then draws the model again: wait for its status
    await box.waitFor({ state: 'detached' });
    await tab1.locator('main', { hasText: 'retired' }).waitFor();
    assert.equal(await tab1.getByRole('button', { name: 'Promote' }).count(), 0, 'a retired model offers no Promote');
    await tab1.close();
    await tab2.close();
  });

  test('an expired token returns to sign-in with a message; after signing in again the unsaved edit is still there', async () => {
    const short = 'tok-short-0123456789abcdef';
    await app.curator.store.corpus.createToken({ userId: 'ana', token: short, role: 'admin', label: 'short', expiresAt: new Date(Date.now() + 3600_000) });
    const page = await app.page();
    await app.signIn(page, short);
    await page.goto(`${app.url}/#/triggers`);
    await page.getByRole('heading', { name: /Trigger rules/ }).waitFor();
    // The token's hour passes (its expiry moved to the past, rather than a timed wait that a slow machine could outrun).
    const db = new BetterSqlite3(app.dbFile);
    db.pragma('busy_timeout = 20000');
    db.prepare('UPDATE api_tokens SET expires_at = ? WHERE token_hash = ?').run(Date.now() - 1000, sha256Hex(short));
    db.close();
    await page.getByLabel('New labels (N)').fill('9');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.match(await page.getByTestId('signin-notice').innerText(), /session ended.*expired/i);
    await app.shoot(page, 'expired-token');
    await page.getByLabel('API token').fill(app.tokens.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /Trigger rules/ }).waitFor();
    await page.getByText('Showing your unsaved draft.').waitFor();
    assert.equal(await page.getByLabel('New labels (N)').inputValue(), '9');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByTestId('triggers-result').getByText('Saved.').waitFor();
    const { config } = await app.curator.task('spam');
    assert.deepEqual(config.triggers.find((r) => r.kind === 'growth'), { kind: 'growth', labels: 9, scopes: ['user'] });
    await page.close();
  });

  test('a failed build shows its error with Retry, which starts a new build of the same scope', async () => {
    // carl labels 7 ham and 1 spam: enough labels for a user model, but a 2-fold split leaves a
    // fold whose training part has one class, and the build fails on it.
    await app.curator.addUser('carl');
    const ham = app.spare.filter((r) => r.label === 'ham').slice(0, 6);
    const recs = [...ham, ...app.spare.filter((r) => r.label === 'spam').slice(4, 5)];
    const extra = await app.curator.addDocuments('spam', [...recs, ham[0]!].map((r, i) => ({ content: `${r.text}\n-- carl ${i}`, authorId: 'carl' })));
    const labels = [...recs.map((r) => r.label), 'ham'];
    await app.curator.annotateMany('spam', extra.map((d, i) => ({ documentId: d.id, userId: 'carl', label: labels[i]! })));
    const page = await app.page();
    await app.signIn(page, app.tokens.admin);
    await page.goto(`${app.url}/#/users`);
    await page.getByRole('button', { name: 'Train carl' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Train now' }).click();
    await page.waitForFunction('/^#\\/jobs\\/\\d+$/.test(location.hash)');
    const firstJob = Number((await page.evaluate('location.hash') as string).split('/')[2]);
    await page.getByTestId('job-status').getByText('failed').waitFor({ timeout: 120_000 });
    const error = page.getByTestId('job-outcome').locator('.error-box');
    assert.match(await error.innerText(), /BUILD_FAILED: .*single class/);
    await app.shoot(page, 'job-failed');
    await error.getByRole('button', { name: 'Retry' }).click();
    await page.waitForFunction(`location.hash !== '#/jobs/${firstJob}'`);
    const retried = Number((await page.evaluate('location.hash') as string).split('/')[2]);
    assert.ok(retried > firstJob, `a new job (${retried} after ${firstJob})`);
    const job = await app.curator.store.listing.getJob(retried);
    assert.deepEqual(job?.scope, { kind: 'user', userId: 'carl' });
    await page.close();
  });

  test('trigger rules are edited and saved; the server names a bad field; corpus, users and groups pages render', async () => {
    const page = await app.page();
    await app.signIn(page, app.tokens.admin);
    await page.goto(`${app.url}/#/triggers`);
    await page.getByRole('heading', { name: /Trigger rules/ }).waitFor();
    await page.getByLabel('New rule kind').selectOption('schedule');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Every (hours)').fill('24');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByTestId('triggers-result').getByText('Saved.').waitFor();
    const { config } = await app.curator.task('spam');
    assert.ok(config.triggers.some((r) => r.kind === 'schedule' && r.everyMs === 24 * 3600 * 1000), JSON.stringify(config.triggers));
    await page.getByLabel('New labels (N)').fill('0');
    await page.getByRole('button', { name: 'Save rules' }).click();
    const err = page.getByTestId('triggers-result').locator('.error-box');
    await err.waitFor();
    assert.match(await err.innerText(), /labels/);
    await app.shoot(page, 'triggers');
    await page.goto(`${app.url}/#/corpus`);
    await page.getByRole('heading', { name: /Corpus of spam/ }).waitFor();
    await page.locator('.chart canvas').first().waitFor();
    // The growth chart's data table: cumulative totals per day ending at today's corpus.
    const growthRows = page.getByTestId('growth-table').locator('tbody tr');
    assert.ok(await growthRows.count() >= 1);
    const lastCells = await growthRows.last().locator('td').allTextContents(); // inside a closed <details>: no innerText
    const documents = await app.curator.store.listing.countDocuments('spam');
    assert.equal(Number(lastCells[1]!.replace(/\D/g, '')), documents);
    await app.shoot(page, 'corpus');
    await app.rendered(page, () => page.getByLabel('Bucket').selectOption('hour'));
    assert.match(await page.evaluate('location.hash') as string, /bucket=hour/);
    await page.locator('.chart canvas').first().waitFor();
    assert.match(await page.locator('figcaption').first().innerText(), /per hour/);
    await page.goto(`${app.url}/#/users`);
    await page.getByTestId('users-table').getByRole('cell', { name: 'bob', exact: true }).waitFor();
    assert.match(await page.getByTestId('groups-table').innerText(), /experts[\s\S]*ana/);
    await app.shoot(page, 'users');
    await page.close();
  });

  test('every control on every page has an accessible name, no page scrolls sideways at 390 px, and keyboard focus is visible', async () => {
    const page = await app.page();
    await app.signIn(page, app.tokens.admin);
    const model = (await app.curator.registry.models.list({ taskId: 'spam' }, { limit: 1 })).items[0]!;
    const job = (await app.curator.store.listing.jobs({ limit: 1 })).items[0]!;
    for (const route of ['overview', 'models', `models/${model.id}`, 'corpus', 'triggers', 'jobs', `jobs/${job.id}`, 'users', 'inbox']) {
      await app.rendered(page, () => page.goto(`${app.url}/#/${route}`));
      const unnamed = await page.evaluate(UNNAMED_CONTROLS) as string[];
      assert.deepEqual(unnamed, [], `#/${route}: controls without a name`);
      await page.setViewportSize({ width: 390, height: 800 });
      await page.waitForTimeout(100);
      const width = await page.evaluate('document.documentElement.scrollWidth') as number;
      assert.ok(width <= 390, `#/${route} is ${width} px wide at 390 px (wide tables scroll inside their own box)`);
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    await app.rendered(page, () => page.goto(`${app.url}/#/models`));
    await page.locator('body').focus();
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle + " " + document.activeElement.tagName');
      assert.match(outline as string, /^(solid|auto) /, `focus ${i + 1} is visible (${outline})`);
    }
    await page.close();
  });

  test('the models table pages by cursor through a second task picked in the header', async () => {
    await app.curator.createTask({ id: 'bulk', labels: ['a', 'b'], triggers: [{ kind: 'manual' }] });
    seedModels(app.dbFile, 'bulk', 120);
    const page = await app.page();
    await app.signIn(page, app.tokens.admin);
    await app.rendered(page, () => page.goto(`${app.url}/#/models`));
    await app.rendered(page, () => page.getByLabel('Task').selectOption('bulk'));
    const ids = async () => (await page.getByTestId('models-table').locator('tbody tr td:first-child').allInnerTexts()).map((t) => Number(t.replace('#', '')));
    const pages: number[][] = [await ids()];
    for (let i = 0; i < 2; i++) {
      await app.rendered(page, () => page.getByRole('button', { name: 'Next page' }).click());
      pages.push(await ids());
    }
    assert.deepEqual(pages.map((p) => p.length), [50, 50, 20]);
    const all = pages.flat();
    assert.equal(new Set(all).size, 120, 'every model once');
    assert.deepEqual(all, [...all].sort((a, b) => b - a), 'newest first');
    assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
    await app.rendered(page, () => page.getByRole('button', { name: 'Previous page' }).click());
    assert.deepEqual(await ids(), pages[1]);
    await app.shoot(page, 'models-paged');
    await page.close();
  });
});

/** In the page: the visible form controls, buttons and links with no accessible name. */
const UNNAMED_CONTROLS = `(() => {
  const bad = [];
  for (const el of document.querySelectorAll('input, select, textarea, button, a[href], progress')) {
    if (el.closest('[hidden], dialog:not([open])') || el.type === 'hidden') continue;
    const by = el.getAttribute('aria-labelledby');
    const name = [...(el.labels ?? [])].map((l) => l.textContent).join(' ') || el.getAttribute('aria-label') || (by ? document.getElementById(by)?.textContent : '')
      || (el.tagName === 'BUTTON' || el.tagName === 'A' ? el.textContent : '') || el.title || '';
    if (!name.trim()) bad.push(el.outerHTML.slice(0, 120));
  }
  return bad;
})()`;

/** Model rows straight into the file (no blobs: the table lists rows), as bench/web-paint.ts seeds them. */
function seedModels(file: string, taskId: string, n: number): void {
  const db = new BetterSqlite3(file);
  db.pragma('busy_timeout = 20000');
  const insert = db.prepare(`INSERT INTO models (task_id, scope_kind, scope_owner, estimator, hyperparameters, build_time_ms, score, score_metric,
    format_version, blob_sha256, blob_size, snapshot_id, job_id, status, parent_id, created_by, created_at, status_changed_at)
    VALUES (?, 'global', '', 'LinearSVC', '{"clf":{"C":1}}', 100, ?, 'f1_macro', 2, ?, 1000, NULL, NULL, 'retired', NULL, 'test', ?, ?)`);
  const t0 = Date.UTC(2026, 0, 1);
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(taskId, 0.5 + (i % 50) / 100, i.toString(16).padStart(64, '0'), t0 + i * 1000, t0 + i * 1000);
  })();
  db.close();
}
