import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createCurator, type Curator, type TaskDefinition } from '../../src/lifecycle/index.ts';
import { createServer } from '../../src/server/index.ts';
import { loadSpamCorpus, type SpamRecord } from '../../src/demo/spam-corpus.ts';

/** Debian's Chromium: the only browser these tests drive (never a downloaded one); CURATOR_CHROMIUM overrides the path. */
export const CHROMIUM = process.env.CURATOR_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];
/** Where screenshots go (gitignored). */
export const SHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');

/** Skips the test file's tests without Chromium locally; under CI a missing browser is a failure. */
export function chromiumMissing(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI) throw new Error(`browser tests need ${CHROMIUM} (bash .ci/run installs Debian's chromium)`);
  return `${CHROMIUM} is missing: browser tests skipped (apt-get install chromium)`;
}

/** A real server on a temp SQLite file with a small spam task, tokens, and a headless Chromium. */
export interface BrowserApp {
  readonly curator: Curator;
  readonly server: FastifyInstance;
  readonly url: string;
  /** The SQLite file behind the server. */
  readonly dbFile: string;
  readonly browser: BrowserContext;
  readonly tokens: { readonly admin: string; readonly bob: string };
  /** Emails kept out of the corpus, for the inbox user. */
  readonly spare: readonly SpamRecord[];
  /** A new tab (its own sessionStorage), 1280 px wide. */
  page(): Promise<Page>;
  /** Signs a tab in with a token and waits for the first page. */
  signIn(page: Page, token: string): Promise<void>;
  /** Runs an action that re-renders the page and waits for the new render. */
  rendered(page: Page, action: () => Promise<unknown>): Promise<void>;
  /** Saves `<name>-1280.png` and `<name>-390.png`. */
  shoot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** The small task: two candidates, 3 folds, own models from 8 labels (a growth rule for user scopes). */
export const TASK: TaskDefinition = {
  id: 'spam',
  labels: ['ham', 'spam'],
  cv: { folds: 3 },
  candidates: [
    { name: 'nb', estimator: 'MultinomialNB', params: { alpha: 0.1 } },
    { name: 'svm', estimator: 'LinearSVC', params: { C: 1 } },
  ],
  minLabels: { global: 20, group: 20, user: 8 },
  triggers: [{ kind: 'growth', labels: 8, scopes: ['user'] }, { kind: 'manual' }],
};

/** Balanced emails: `n` of each label from the two ends of the corpus. */
function pick(all: readonly SpamRecord[], n: number, skip = 0): SpamRecord[] {
  const ham = all.filter((r) => r.label === 'ham' && r.text.length < 4000).slice(skip, skip + n);
  const spam = all.filter((r) => r.label === 'spam' && r.text.length < 4000).slice(skip, skip + n);
  return ham.flatMap((h, i) => [h, spam[i]!]);
}

/** Starts everything; `build` trains the first global model before the browser opens. */
export async function startBrowserApp(options: { build?: boolean } = {}): Promise<BrowserApp> {
  const dir = await mkdtemp(join(tmpdir(), 'curator-browser-'));
  const dbFile = join(dir, 'curator.db');
  const curator = await createCurator({ store: `sqlite:${dbFile}` });
  const all = loadSpamCorpus();
  await curator.createTask(TASK);
  await curator.addUser('ana', 'Ana (admin)');
  await curator.addUser('bob', 'Bob');
  await curator.addGroup('experts', { expert: true });
  await curator.addMember('ana', 'experts');
  const corpus = pick(all, 15);
  const docs = await curator.addDocuments('spam', corpus.map((r) => ({ content: r.text, authorId: 'ana', externalId: r.key })));
  await curator.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'ana', label: corpus[i]!.label })));
  if (options.build !== false) await curator.build('spam', { actor: 'ana', reason: 'initial model' });
  const tokens = { admin: 'tok-admin-0123456789abcdef', bob: 'tok-bob-0123456789abcdef' };
  await curator.store.corpus.createToken({ userId: 'ana', token: tokens.admin, role: 'admin', label: 'browser tests' });
  await curator.store.corpus.createToken({ userId: 'bob', token: tokens.bob, role: 'user', label: 'browser tests' });
  const server = await createServer({ curator, rateLimit: false, tokenCacheMs: 0, jobPollMs: 100 });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const profile = join(dir, 'chromium-profile');
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 },
  });
  await mkdir(SHOTS, { recursive: true });
  const app: BrowserApp = {
    curator, server, url, dbFile, browser, tokens, spare: pick(all, 6, 15),
    async page() {
      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      return page;
    },
    async signIn(page, token) {
      await page.goto(`${url}/#/signin`);
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('body[data-ready]').waitFor();
      await page.waitForFunction("document.body.dataset.page !== 'signin'");
    },
    async rendered(page, action) {
      const before = await page.evaluate('document.body.dataset.ready ?? ""');
      await action();
      await page.waitForFunction(`!!document.body.dataset.ready && document.body.dataset.ready !== ${JSON.stringify(before)}`);
    },
    async shoot(page, name) {
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await page.waitForTimeout(150); // let charts follow the resize
        await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
      }
      await page.setViewportSize({ width: 1280, height: 900 });
    },
    async close() {
      await browser.close().catch(() => {});
      await server.close();
      await curator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return app;
}

/** Skips (or throws under CI) before a browser test starts. */
export function needChromium(t: TestContext): boolean {
  const missing = chromiumMissing();
  if (missing) t.skip(missing);
  return !missing;
}
