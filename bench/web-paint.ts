/**
 * First paint of every dashboard page in Debian's Chromium (headless), against a real server on
 * a SQLite file holding the small browser-test task plus 100,000 seeded model rows, so the
 * models table pages through a registry of that size. Target: first paint < 1 s.
 *
 *   npx tsx bench/web-paint.ts [--runs 5] [--models 100000]
 *
 * Per page and run: a full load (about:blank → the page's URL), then from the page's own
 * Performance API: first-contentful-paint (the shell) and the `curator:ready:<page>` mark (the
 * page's data fetched and drawn). Also the models table's "Next page" (click → rows drawn).
 * Prints a table and writes bench/results/web-paint.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { chromiumMissing, startBrowserApp } from '../test/browser/browser-app.ts';
import { median, renderTable } from './bench-stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' }, models: { type: 'string', default: '100000' } } });
const RUNS = Number(args.runs);
const N_MODELS = Number(args.models);

/** Seeding is not measured: model rows straight into the file (no blobs: the table lists rows). */
function seedModels(file: string, n: number): void {
  const db = new BetterSqlite3(file);
  db.pragma('busy_timeout = 20000');
  const insert = db.prepare(`INSERT INTO models (task_id, scope_kind, scope_owner, estimator, hyperparameters, build_time_ms, score, score_metric,
    format_version, blob_sha256, blob_size, snapshot_id, job_id, status, parent_id, created_by, created_at, status_changed_at)
    VALUES ('spam', 'global', '', ?, ?, ?, ?, 'f1_macro', 2, ?, 1000, NULL, NULL, ?, NULL, 'bench', ?, ?)`);
  const estimators = ['MultinomialNB', 'LinearSVC', 'LogisticRegression', 'KNeighborsClassifier', 'SGDClassifier'];
  let seed = 42;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const t0 = Date.UTC(2026, 0, 1);
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const r = rand();
      const status = r < 0.8 ? 'candidate' : r < 0.95 ? 'retired' : 'failed';
      insert.run(estimators[i % 5], `{"clf":{"alpha":${(rand() * 2).toFixed(2)}}}`, 100 + rand() * 1000, status === 'failed' ? null : 0.5 + rand() * 0.5,
        i.toString(16).padStart(64, '0'), status, t0 + i * 1000, t0 + i * 1000);
    }
  })();
  db.close();
}

const missing = chromiumMissing();
if (missing) {
  console.log(missing);
  process.exit(0);
}
const app = await startBrowserApp();
try {
  console.log(`seeding ${N_MODELS.toLocaleString('en')} model rows…`);
  seedModels(app.dbFile, N_MODELS);
  const model = (await app.curator.registry.models.list({ taskId: 'spam', status: 'active' }, { limit: 1 })).items[0]!;
  const job = (await app.curator.store.listing.jobs({ limit: 1 })).items[0]!;
  const page = await app.page();
  await app.signIn(page, app.tokens.admin);
  const routes: [string, string][] = [
    ['overview', 'overview'], ['models', 'models'], ['models?orderBy=score&direction=desc', 'models'], ['models?status=retired&estimator=LinearSVC', 'models'],
    [`models/${model.id}`, 'model'], ['corpus', 'corpus'], ['triggers', 'triggers'], ['jobs', 'jobs'], [`jobs/${job.id}`, 'job'], ['users', 'users'], ['inbox', 'inbox'],
  ];
  const rows: string[][] = [];
  const results: Record<string, { fcpMs: number[]; readyMs: number[] }> = {};
  for (const [route, name] of routes) {
    const fcp: number[] = [];
    const ready: number[] = [];
    for (let r = 0; r < RUNS + 1; r++) {
      await page.goto('about:blank');
      await page.goto(`${app.url}/#/${route}`);
      await page.waitForFunction(`performance.getEntriesByName('curator:ready:${name}').length > 0 && performance.getEntriesByName('first-contentful-paint').length > 0`, undefined, { timeout: 30_000 });
      const t = await page.evaluate(`[performance.getEntriesByName('first-contentful-paint')[0].startTime, performance.getEntriesByName('curator:ready:${name}')[0].startTime]`) as [number, number];
      if (r === 0) continue; // the first load warms the server's caches and Chromium's module cache
      fcp.push(t[0]);
      ready.push(t[1]);
    }
    results[route] = { fcpMs: fcp, readyMs: ready };
    rows.push([`#/${route}`, median(fcp).toFixed(0), Math.max(...fcp).toFixed(0), median(ready).toFixed(0), Math.max(...ready).toFixed(0)]);
  }
  // Paging: click "Next page" and wait for the next render.
  await page.goto(`${app.url}/#/models`);
  await page.getByTestId('models-table').waitFor();
  const next: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = Date.now();
    await app.rendered(page, () => page.getByRole('button', { name: 'Next page' }).click());
    next.push(Date.now() - t0);
  }
  rows.push(['models: Next page (click → rows)', '', '', median(next).toFixed(0), Math.max(...next).toFixed(0)]);
  console.log(`\nDashboard pages, ${RUNS} loads each (after one warm-up), ${N_MODELS.toLocaleString('en')} models in the registry; Chromium ${app.browser.browser()?.version() ?? ''}`);
  console.log(renderTable(['page', 'FCP median ms', 'FCP max', 'ready median ms', 'ready max'], rows));
  mkdirSync(join(HERE, 'results'), { recursive: true });
  writeFileSync(join(HERE, 'results', 'web-paint.json'), JSON.stringify({ at: new Date().toISOString(), runs: RUNS, models: N_MODELS, pages: results, nextPageMs: next }, null, 2));
} finally {
  await app.close();
}
