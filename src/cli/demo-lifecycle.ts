/**
 * The life-cycle demo (`npm run demo:lifecycle`): the whole SpamAssassin corpus arrives release
 * by release (2002, then 2003; by Date header within a release) in a spam-filter data product.
 * A seed set builds the first model; simulated people (two experts who are always right,
 * ordinary users who are sometimes wrong) label the stream and read predictions, reporting the
 * truth as feedback; growth triggers rebuild global, group and user models; the 2003 spam makes
 * the 2002 model decay, the monitor's alarm fires the decay rule, and its rebuild restores
 * recall. Builds run on the worker-thread job engine over a SQLite file. Prints the figures as
 * tables: corpus, people, triggers, models, live precision/recall per window, the alarm and the
 * recovery.
 *
 *   npm run demo:lifecycle                              # all 6,046 emails, 5 candidates, 12 folds
 *   npm run demo:lifecycle -- --limit 1500 --folds 5    # a spread sample, quicker
 *   npm run demo:lifecycle -- --workers 2               # builds of different scopes side by side
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadSpamCorpus } from '../demo/spam-corpus.ts';
import { deliver, type Delivery } from '../demo/spam-stream.ts';
import { Crowd, figuresFor, spread, timeline, type SimulatedAnnotator } from '../demo/spam-timeline.ts';
import type { JobEvent } from '../jobs/job-engine.ts';
import { createCurator, type CandidateSpec, type Curator } from '../lifecycle/index.ts';
import { loadModel } from '../ml/persist/model-file.ts';
import { GLOBAL, type Model, type Scope } from '../store/index.ts';

const { values: opts } = parseArgs({
  options: {
    limit: { type: 'string' },
    folds: { type: 'string', default: '12' },
    candidates: { type: 'string', default: 'standard' },
    seed: { type: 'string', default: '600' },
    window: { type: 'string', default: '250' },
    db: { type: 'string' },
    workers: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log(
    'Usage: npm run demo:lifecycle -- [--limit N] [--folds K] [--candidates quick|standard|default] [--seed N] [--window N] [--db FILE] [--workers N]\n' +
      'Streams the SpamAssassin corpus through a curator (seed build, crowd labels, growth triggers,\n' +
      'user/group models, 2003 decay alarm and rebuild) and prints the figures as tables.\n' +
      '  --limit N       a spread sample of N emails instead of all 6,046\n' +
      '  --folds K       cross-validation folds per build (default 12)\n' +
      '  --candidates    quick (2), standard (5, default) or default (the ten benchmark pipelines)\n' +
      '  --seed N        emails in the labelled seed set (default 600)\n' +
      '  --window N      emails per live-figures window (default 250)\n' +
      '  --db FILE       keep the SQLite database here (default: a temporary file, removed at the end)\n' +
      '  --workers N     build worker threads (default 1: builds of different scopes queue behind each other)',
  );
  process.exit(0);
}

function intOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer ≥ ${min}; got ${value}`);
    process.exit(2);
  }
  return n;
}

const folds = intOption('folds', opts.folds, 2)!;
const seedSize = intOption('seed', opts.seed, 50)!;
const windowSize = intOption('window', opts.window, 20)!;
const limit = intOption('limit', opts.limit, seedSize + 100);
const workers = intOption('workers', opts.workers, 1)!;
const CANDIDATE_SETS: Record<string, () => CandidateSpec[]> = {
  quick: (): CandidateSpec[] => [
    { name: 'nb', estimator: 'MultinomialNB', params: { alpha: 1 } },
    { name: 'svm', estimator: 'LinearSVC', params: { C: 1 }, vectorizer: { sublinearTf: true } },
  ],
  standard: (): CandidateSpec[] => [
    { name: 'nb', estimator: 'MultinomialNB', params: { alpha: 0.1 }, vectorizer: { sublinearTf: true, minDf: 2 } },
    { name: 'svm', estimator: 'LinearSVC', params: { C: 1 }, vectorizer: { sublinearTf: true, minDf: 2 }, grid: { clf__C: [0.3, 1, 3] } },
    { name: 'logreg', estimator: 'LogisticRegression', params: { C: 10, maxIter: 1000 }, vectorizer: { sublinearTf: true, minDf: 2 } },
  ],
  default: () => [],
};
if (!(opts.candidates in CANDIDATE_SETS)) {
  console.error(`--candidates must be quick, standard or default; got ${opts.candidates}`);
  process.exit(2);
}
const candidates = opts.candidates === 'default' ? undefined : CANDIDATE_SETS[opts.candidates]!();

// ── the corpus and the people ───────────────────────────────────────────────────────────────

const all = timeline(loadSpamCorpus());
const corpus = limit === undefined ? all : [...spread(all.filter((r) => r.release === 2002), Math.round(limit * 0.54)), ...spread(all.filter((r) => r.release === 2003), limit - Math.round(limit * 0.54))];
const y2002 = corpus.filter((r) => r.release === 2002);
const y2003 = corpus.filter((r) => r.release === 2003);
const seed = y2002.slice(0, seedSize);
const stream = [...y2002.slice(seedSize), ...y2003];

const ANNOTATORS: (SimulatedAnnotator & { role: string; groups: string[] })[] = [
  { userId: 'eve', share: 4, errorRate: 0, role: 'expert', groups: ['experts'] },
  { userId: 'dan', share: 2, errorRate: 0, role: 'expert', groups: ['experts'] },
  { userId: 'ana', share: 2, errorRate: 0.1, role: 'user', groups: [] },
  { userId: 'bob', share: 2, errorRate: 0.2, role: 'user', groups: [] },
];
/** Who reads the predictions, in turn: carl and ana get the global model, eve her own, dan the experts'. */
const READERS = ['carl', 'ana', 'eve', 'dan'];
const crowd = new Crowd({ annotators: ANNOTATORS, expert: 'eve', reviewRate: 0.3, labels: ['ham', 'spam'], seed: 2002 });
const n = corpus.length;
const MIN = { global: 50, group: Math.max(100, Math.round(n * 0.1)), user: Math.max(80, Math.round(n * 0.06)) };
// Above the seed for global and group, so the first model comes from the explicit seed build.
const GROWTH = { global: Math.max(seedSize + 1, Math.round(n * 0.15)), group: Math.max(seedSize + 1, Math.round(n * 0.15)), user: Math.max(80, Math.round(n * 0.1)) };

// ── progress ────────────────────────────────────────────────────────────────────────────────

const tty = process.stdout.isTTY === true;
const bars = tty ? new cliProgress.MultiBar({ format: ' {label} {bar} {value}/{total} {detail}', hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic) : undefined;
const streamBar = bars?.create(stream.length, 0, { label: 'emails', detail: '' });
const buildBar = bars?.create(1, 0, { label: 'build ', detail: 'waiting for the first build' });
let loggedStream = -1;
function showStream(done: number, detail: string): void {
  streamBar?.update(done, { detail });
  const pct = Math.floor((done / stream.length) * 10) * 10;
  if (!tty && pct > loggedStream) {
    loggedStream = pct;
    console.log(`progress ${String(pct).padStart(3)}% emails (${done}/${stream.length}) ${detail}`);
  }
}
const lastLoggedStage = new Map<number, string>();
function showJob(e: JobEvent): void {
  const where = scopeText(e.scope);
  if (e.type === 'progress') {
    const p = e.progress;
    const detail = p.stage === 'cv' ? `job #${e.jobId} ${where}: fold ${p.fold}/${p.folds}, candidate ${p.candidateIndex}/${p.candidates} ${p.candidate ?? ''}` : `job #${e.jobId} ${where}: ${p.stage}`;
    buildBar?.setTotal(Math.max(1, p.total));
    buildBar?.update(p.done, { detail });
    // Without a terminal: a line when the CV starts, every quarter of its folds, and at fit and the end.
    const key = p.stage === 'cv' ? `cv${p.fold}` : p.stage;
    const quarter = p.stage === 'cv' && p.fold !== undefined && p.folds !== undefined && (p.fold === 1 || p.fold % Math.max(1, Math.round(p.folds / 4)) === 0);
    if (!tty && lastLoggedStage.get(e.jobId) !== key && (quarter ? p.candidateIndex === 1 : p.stage === 'fit')) {
      lastLoggedStage.set(e.jobId, key);
      console.log(`  build ${detail}`);
    }
  } else if (e.type === 'succeeded' || e.type === 'failed') {
    const o = e.type === 'succeeded' ? e.outcome : undefined;
    const what = o === undefined ? `failed: ${(e as { error: string }).error}` : o.status === 'built' ? `model #${o.model.id} ${o.promoted ? 'promoted' : 'kept as candidate'} (${(o.wallMs / 1000).toFixed(1)} s)` : `skipped: ${o.reason}`;
    buildBar?.update({ detail: `job #${e.jobId} ${where}: ${what}` });
    if (!tty) console.log(`  build job #${e.jobId} ${where}: ${what}`);
  }
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────

async function run(c: Curator): Promise<void> {
  const stopJobs = c.subscribeJobs(showJob);
  for (const a of ANNOTATORS) await c.addUser(a.userId);
  await c.addUser('carl');
  await c.addGroup('experts', { expert: true, description: 'always right; their labels win' });
  for (const a of ANNOTATORS) for (const g of a.groups) await c.addMember(a.userId, g);
  await c.createTask({
    id: 'spam', labels: ['ham', 'spam'], description: 'SpamAssassin demo', ...(candidates === undefined ? {} : { candidates }), cv: { folds },
    minLabels: MIN, selection: { policy: 'fallback', floor: 0.8 },
    triggers: [
      { kind: 'growth', labels: GROWTH.global, scopes: ['global'] },
      { kind: 'growth', labels: GROWTH.group, scopes: ['group'] },
      { kind: 'growth', labels: GROWTH.user, scopes: ['user'] },
      { kind: 'decay', minSamples: 50, window: 200, alpha: 0.01, margin: 0.05 },
      { kind: 'manual' },
    ],
  });

  printCorpus();
  console.log(`\nSeed: the first ${seed.length} emails of 2002, labelled by eve (expert); building the first model (${folds}-fold CV)…`);
  const docs = await c.addDocuments('spam', seed.map((r) => ({ content: r.text, externalId: r.key, ...(r.sent ? { createdAt: r.sent } : {}) })));
  await c.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'eve', label: seed[i]!.label })));
  const first = await c.build('spam', { actor: 'eve', reason: 'seed set' });
  if (first.status !== 'built') throw new Error(`the seed build did not build: ${first.status === 'skipped' ? first.reason : ''}`);

  const delivered: Delivered[] = [];
  const boundaries: number[] = [];
  let pressedAt = -1;
  let global2002: number | undefined;
  for (const [i, email] of stream.entries()) {
    if (email.release === 2003 && pressedAt < 0) {
      pressedAt = i;
      const r = await c.trigger('spam', { actor: 'eve', reason: '2002 release complete' });
      await r.outcome;
      global2002 = (await c.registry.promotions.activeAt('spam', GLOBAL))?.id;
    }
    if (i % windowSize === 0) boundaries.push(Date.now());
    const reader = READERS[i % READERS.length]!;
    const d = await deliver(c, 'spam', email, crowd, { reader });
    delivered.push({ ...d, release: email.release, reader });
    if (i % 25 === 0 || i === stream.length - 1) showStream(i + 1, `${email.release} ${email.group}`);
  }
  boundaries.push(Date.now() + 1);
  await c.idle();
  await c.flush();
  stopJobs?.();
  bars?.stop();
  await report(c, delivered, boundaries, global2002, first.model.id);
}

/** One streamed email: what happened, its release and who read the prediction. */
type Delivered = Delivery & { readonly release: number; readonly reader: string };

// ── the tables ──────────────────────────────────────────────────────────────────────────────

function table(title: string, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  console.log(`\n${title}\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}`);
}

function scopeText(s: Scope): string {
  return s.kind === 'global' ? 'global' : s.kind === 'user' ? `user ${s.userId}` : `group ${s.groupId}`;
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '—');

function printCorpus(): void {
  const groups = [...new Set(corpus.map((r) => r.group))];
  const rows = groups.map((g) => {
    const of = corpus.filter((r) => r.group === g);
    const dates = of.flatMap((r) => (r.sent ? [r.sent.getTime()] : [])).sort((a, b) => a - b);
    const day = (t: number | undefined): string => (t === undefined ? '—' : new Date(t).toISOString().slice(0, 10));
    return [g, String(of[0]!.release), of[0]!.label, String(of.length), `${day(dates[0])} … ${day(dates.at(-1))}`, String(of.length - dates.length)];
  });
  rows.push(['total', '', '', String(corpus.length), '', String(corpus.filter((r) => r.sent === null).length)]);
  table(`Corpus: ${corpus.length} emails of the SpamAssassin public corpus, arriving by release, then by Date header`, ['group', 'release', 'label', 'emails', 'Date headers', 'no usable date'], rows);
}

async function report(c: Curator, delivered: readonly Delivered[], boundaries: readonly number[], global2002: number | undefined, seedModelId: number): Promise<void> {
  const wallS = (performance.now() - t0) / 1000;
  // People.
  const given = new Map<string, { n: number; wrong: number; reviews: number }>();
  for (const d of delivered) {
    for (const l of d.labels) {
      const g = given.get(l.userId) ?? { n: 0, wrong: 0, reviews: 0 };
      g.n++;
      if (l.label !== d.truth) g.wrong++;
      if (l.review) g.reviews++;
      given.set(l.userId, g);
    }
  }
  given.get('eve')!.n += seed.length;
  const answers = delivered.filter((d) => d.answer !== undefined);
  table('People', ['user', 'role', 'groups', 'error rate', 'labels', 'wrong', 'expert reviews', 'predictions read', 'answered by'], [...ANNOTATORS, { userId: 'carl', role: 'reader', groups: [], errorRate: 0 }].map((a) => {
    const g = given.get(a.userId) ?? { n: 0, wrong: 0, reviews: 0 };
    const read = answers.filter((d) => d.reader === a.userId);
    const scopes = [...new Set(read.map((d) => scopeText(d.answer!.scope)))].join(', ');
    return [a.userId, a.role, a.groups.join(',') || '—', pct(a.errorRate), String(g.n), String(g.wrong), String(g.reviews), String(read.length), scopes || '—'];
  }));

  // Triggers.
  const windowOf = (t: Date): string => {
    const k = boundaries.findIndex((b) => b > t.getTime());
    return k <= 0 ? 'seed' : `w${k}`;
  };
  const events = (await c.triggerEvents('spam', { limit: 1000 })).reverse();
  const jobRows = new Map<number, Awaited<ReturnType<typeof c.store.jobs.get>>>();
  for (const e of events) if (e.jobId !== null && !jobRows.has(e.jobId)) jobRows.set(e.jobId, await c.store.jobs.get(e.jobId));
  table(`Triggers fired (${events.length})`, ['#', 'window', 'rule', 'scope', 'job', 'result', 'reason'], events.map((e, i) => {
    const job = e.jobId === null ? undefined : jobRows.get(e.jobId);
    const r = job?.result as { modelId?: number; promoted?: boolean; skipped?: string } | null | undefined;
    const result = job === undefined ? '—' : r?.modelId !== undefined ? `model #${r.modelId}${r.promoted ? ' promoted' : ' not promoted'}` : r?.skipped !== undefined ? 'skipped' : (job?.status ?? '—');
    return [String(i + 1), windowOf(e.createdAt), e.rule, scopeText(e.scope), e.jobId === null ? '—' : `#${e.jobId}`, result, e.reason.length > 120 ? `${e.reason.slice(0, 117)}…` : e.reason];
  }));

  // Models: the poster's table.
  const models = [...(await c.registry.models.list({ taskId: 'spam' }, { limit: 500 })).items].sort((a, b) => a.id - b.id);
  const wall = new Map<number, number>();
  for (const m of models) {
    if (m.jobId === null) continue;
    const job = await c.store.jobs.get(m.jobId);
    const w = (job?.result as { wallMs?: number } | null)?.wallMs;
    if (w !== undefined) wall.set(m.id, w);
  }
  const snapshotSize = new Map<number, number>();
  for (const m of models) if (m.snapshotId !== null) snapshotSize.set(m.id, (await c.registry.snapshots.get(m.snapshotId)).size);
  table(`Models built (${models.length})`, ['ID', 'estimator', 'hyperparameters', 'build time', 'score (f1_macro, CV)', 'scope', 'status', 'trained on', 'parent'], models.map((m) => [
    `#${m.id}`, m.estimator, hyper(m), `${(m.buildTimeMs / 1000).toFixed(2)} s fit / ${((wall.get(m.id) ?? NaN) / 1000).toFixed(1)} s build`,
    m.score === null ? '—' : m.score.toFixed(4), scopeText(m.scope), m.status, `${snapshotSize.get(m.id) ?? '—'} labels`, m.parentId === null ? '—' : `#${m.parentId}`,
  ]));

  // Live figures per window.
  const alarms = (await c.alarms('spam')).reverse();
  const rows: string[][] = [];
  for (let k = 0; k * windowSize < delivered.length; k++) {
    const part = delivered.slice(k * windowSize, (k + 1) * windowSize).filter((d) => d.answer !== undefined);
    const f = figuresFor(part.map((d) => ({ label: d.answer!.label, truth: d.truth })), 'spam');
    const acc = part.filter((d) => d.answer!.label === d.truth).length / part.length;
    const byGlobal = part.filter((d) => d.answer!.scope.kind === 'global');
    const g = figuresFor(byGlobal.map((d) => ({ label: d.answer!.label, truth: d.truth })), 'spam');
    const used = [...new Set(byGlobal.map((d) => d.answer!.modelId))].map((id) => `#${id}`).join(' ');
    const inWindow = events.filter((e) => windowOf(e.createdAt) === `w${k + 1}`).map((e) => (e.rule === 'decay' ? 'ALARM' : e.rule === 'manual' ? 'train now' : `growth ${scopeText(e.scope)}`));
    const releases = [...new Set(delivered.slice(k * windowSize, (k + 1) * windowSize).map((d) => d.release))].join('/');
    rows.push([`w${k + 1}`, releases, String(part.length), String(f.support), pct(f.precision), pct(f.recall), pct(acc), pct(g.recall), used, inWindow.join('; ')]);
  }
  table(`Live figures per window of ${windowSize} emails (spam = positive; every email read by one of ${READERS.join(', ')})`,
    ['window', 'release', 'predictions', 'spam', 'precision', 'recall', 'accuracy', 'global recall', 'global model(s)', 'events'], rows);

  // The alarm and the recovery.
  console.log('\nDecay alarms');
  for (const a of alarms) {
    const d = a.detail ?? {};
    console.log(`  ${windowOf(a.createdAt)} ${scopeText(a.scope)} model #${String(d['modelId'])}: ${d['metric']} of ${d['label'] ?? 'all'} live ${Number(d['live']).toFixed(3)} vs CV ${Number(d['cv']).toFixed(3)} over n=${String(d['n'])} feedbacks, p=${Number(d['pValue']).toExponential(2)} → job #${a.jobId ?? '—'}`);
  }
  if (alarms.length === 0) console.log('  none');
  const in2003 = delivered.flatMap((d, i) => (d.release === 2003 && d.answer?.scope.kind === 'global' ? [{ d, text: stream[i]!.text }] : []));
  const byModel = (pred: (id: number) => boolean): ReturnType<typeof figuresFor> => figuresFor(in2003.filter(({ d }) => pred(d.answer!.modelId)).map(({ d }) => ({ label: d.answer!.label, truth: d.truth })), 'spam');
  if (global2002 !== undefined) {
    const before = byModel((id) => id === global2002);
    const after = byModel((id) => id !== global2002);
    // Paired: the 2002 model on the very emails its successors answered.
    const later = in2003.filter(({ d }) => d.answer!.modelId !== global2002);
    const old = loadModel((await c.registry.models.load(global2002)).bytes, { expect: 'Pipeline' });
    const oldLabels = later.length === 0 ? [] : old.predict(later.map((x) => x.text));
    const paired = figuresFor(later.map(({ d }, i) => ({ label: oldLabels[i]!, truth: d.truth })), 'spam');
    const successors = [...new Set(later.map(({ d }) => `#${d.answer!.modelId}`))].join(' ');
    table('Recovery on the 2003 stream (global model, predictions read by carl and ana)', ['model', 'emails', 'spam', 'precision', 'recall'], [
      [`#${global2002}, trained on 2002, until its rebuild was promoted`, String(before.n), String(before.support), pct(before.precision), pct(before.recall)],
      [`${successors || '—'}, rebuilt after the alarm (and later growth)`, String(after.n), String(after.support), pct(after.precision), pct(after.recall)],
      [`#${global2002} on those same emails (paired)`, String(paired.n), String(paired.support), pct(paired.precision), pct(paired.recall)],
    ]);
  }

  // What the monitor holds for the models serving now.
  const monitor = (await c.monitor('spam')).filter((m) => m.status === 'active');
  const live = (x: number | undefined, n: number): string => (n === 0 || x === undefined ? '—' : pct(x));
  table('Monitor: active models, count window (last 200 feedbacks)', ['model', 'scope', 'n', 'precision spam', 'recall spam', 'CV recall spam', 'accuracy', 'decay test'], monitor.map((m) => {
    const spam = m.count.perLabel['spam'];
    return [
      `#${m.modelId}`, scopeText(m.scope), String(m.count.n), live(spam?.precision, m.count.n), live(spam?.recall, spam?.support ?? 0),
      pct(m.cv['recall:spam'] ?? NaN), live(m.count.accuracy, m.count.n), m.tests.some((t) => t.significant) ? 'significant drop' : m.tests.length === 0 ? 'too few feedbacks' : 'no significant drop',
    ];
  }));
  console.log(`\n${corpus.length} emails (${seed.length} seed + ${delivered.length} streamed), ${answers.length} predictions with feedback, ${events.length} trigger firings, ${models.length} models; seed model #${seedModelId}; ${folds}-fold CV; wall time ${wallS.toFixed(0)} s.`);
}

function hyper(m: Model): string {
  const h = m.hyperparameters as { candidate?: string; tfidf?: Record<string, unknown>; clf?: Record<string, unknown> };
  const kv = (o: Record<string, unknown> | undefined): string => Object.entries(o ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  return `${h.candidate ?? ''}: ${kv(h.clf)}${h.tfidf && Object.keys(h.tfidf).length > 0 ? ` | ${kv(h.tfidf)}` : ''}`;
}

// ── main ────────────────────────────────────────────────────────────────────────────────────

const dir = opts.db === undefined ? mkdtempSync(join(tmpdir(), 'curator-demo-')) : undefined;
const file = opts.db ?? join(dir!, 'curator.db');
const curator = await createCurator({ store: `sqlite:${file}`, jobs: { workers }, triggers: { scheduleCheckMs: 0 }, monitor: { persistEvery: 100 } });
const t0 = performance.now();
try {
  await run(curator);
} finally {
  await curator.close();
  bars?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}
