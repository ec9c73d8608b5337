/**
 * `npm run bench:lifecycle`: the life cycle's three targets on the whole SpamAssassin corpus,
 * through `createCurator` on a SQLite file (embedded jobs: durable job table + worker threads).
 * Prints one table and writes bench/results/lifecycle-bench.json.
 *
 * 1. event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) of the main thread
 *    while a full build runs in the worker pool: 12-fold CV of the ten default candidates,
 *    fit of the winner, full-dataset evaluation, registration, promotion — target p99 ≤ 20 ms;
 * 2. in-process `predict` with selection (user → group → global) and logging, on the fixed
 *    ~2 KB email — target median ≤ 50 µs;
 * 3. the full build's wall time against scikit-learn's cross-validation of the same ten
 *    pipelines (the sum of their `cv.wall_s` in ../shared/bench/sklearn_baseline.results.json,
 *    per run; the fastest run is the reference) — target ≥ 10× faster.
 *
 *   npm run bench:lifecycle
 *   npm run bench:lifecycle -- --in-process   # also the same build on the main thread, for contrast
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fixedDoc, loadSpamCorpus, type SpamRecord } from '../src/demo/spam-corpus.ts';
import { createCurator, type BuildOutcome, type Curator } from '../src/lifecycle/index.ts';
import { median, percentile, renderTable } from './bench-stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = join(HERE, 'results');
const SKLEARN_RESULTS = join(HERE, '..', '..', 'shared', 'bench', 'sklearn_baseline.results.json');
const PREDICT_WARMUP = 200;
const PREDICT_N = 5000;

const { values: args } = parseArgs({ options: { 'in-process': { type: 'boolean', default: false } } });

interface BuildFigure {
  engine: 'worker' | 'in-process';
  wallS: number;
  buildWallS: number;
  loopDelayMs: { p50: number; p99: number; max: number; mean: number; samples: number };
  /** Longest wait of a 1 ms interval timer (catches a loop blocked the whole time, which the histogram cannot sample). */
  longestTimerGapMs: number;
  progressEvents: number;
  winner: string;
  winnerF1: number;
  folds: number;
  candidates: number;
}

async function setup(url: string, records: readonly SpamRecord[], engine: 'worker' | 'in-process'): Promise<Curator> {
  const curator = await createCurator({ store: url, jobs: { engine } });
  await curator.addUser('ana');
  await curator.addUser('eve');
  await curator.addGroup('experts', { expert: true });
  await curator.addMember('eve', 'experts');
  await curator.createTask({ id: 'spam', labels: ['ham', 'spam'] });
  const docs = await curator.addDocuments('spam', records.map((r) => ({ content: r.text, externalId: r.key })));
  await curator.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'ana', label: records[i]!.label })));
  return curator;
}

async function timedBuild(curator: Curator, engine: 'worker' | 'in-process'): Promise<{ figure: BuildFigure; outcome: BuildOutcome }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let events = 0;
  let lastFold = 0;
  let lastTick = performance.now();
  let longestGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - lastTick);
    lastTick = now;
  }, 1);
  h.enable();
  const t0 = performance.now();
  const outcome = await curator.build('spam', {
    reason: 'benchmark',
    onProgress: (p) => {
      events++;
      if (p.stage === 'cv' && p.fold !== lastFold) {
        lastFold = p.fold ?? 0;
        process.stdout.write(`\r  ${engine}: fold ${p.fold}/${p.folds}, candidate ${p.candidate}            `);
      }
    },
  });
  const end = performance.now();
  const wallS = (end - t0) / 1000;
  h.disable();
  clearInterval(tick);
  longestGap = Math.max(longestGap, end - lastTick);
  process.stdout.write('\n');
  if (outcome.status !== 'built') throw new Error(`benchmark build did not build: ${outcome.reason}`);
  const ms = (ns: number): number => ns / 1e6;
  return {
    outcome,
    figure: {
      engine,
      wallS,
      buildWallS: outcome.wallMs / 1000,
      loopDelayMs: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), samples: h.count },
      longestTimerGapMs: longestGap,
      progressEvents: events,
      winner: outcome.candidates[0]!.name,
      winnerF1: outcome.candidates[0]!.mean,
      folds: outcome.folds,
      candidates: outcome.candidates.length,
    },
  };
}

function sklearnCvSums(): number[] {
  const j = JSON.parse(readFileSync(SKLEARN_RESULTS, 'utf8')) as { runs: { configs: Record<string, { cv: { wall_s: number } }> }[] };
  return j.runs.map((r) => Object.values(r.configs).reduce((s, c) => s + c.cv.wall_s, 0));
}

async function main(): Promise<void> {
  const records = loadSpamCorpus();
  const doc = fixedDoc(records);
  const dir = mkdtempSync(join(tmpdir(), 'curator-lifecycle-bench-'));
  const builds: BuildFigure[] = [];
  let predict: { medianUs: number; p99Us: number; internalMedianUs: number; n: number; label: string; logged: number } | undefined;
  try {
    console.log(`corpus: ${records.length} emails; fixed doc ${doc.key} (${Buffer.byteLength(doc.text)} B)`);
    const curator = await setup(`sqlite:${join(dir, 'worker.db')}`, records, 'worker');
    try {
      builds.push((await timedBuild(curator, 'worker')).figure);

      for (let i = 0; i < PREDICT_WARMUP; i++) await curator.predict('spam', doc.text, { userId: 'ana' });
      const wall: number[] = [];
      const internal: number[] = [];
      let label = '';
      for (let i = 0; i < PREDICT_N; i++) {
        const t = performance.now();
        const a = await curator.predict('spam', doc.text, { userId: i % 2 === 0 ? 'ana' : 'eve' });
        wall.push((performance.now() - t) * 1000);
        internal.push(a.latencyMs * 1000);
        label = a.label;
      }
      await curator.flush();
      predict = { medianUs: median(wall), p99Us: percentile(wall, 99), internalMedianUs: median(internal), n: PREDICT_N, label, logged: await curator.store.activity.countPredictions('spam') };
    } finally {
      await curator.close();
    }

    if (args['in-process']) {
      const c2 = await setup(`sqlite:${join(dir, 'in-process.db')}`, records, 'in-process');
      try {
        builds.push((await timedBuild(c2, 'in-process')).figure);
      } finally {
        await c2.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const sk = sklearnCvSums();
  const skBest = Math.min(...sk);
  const w = builds[0]!;
  const f = (x: number, d = 1): string => x.toFixed(d);
  const rows: string[][] = [];
  for (const b of builds) {
    // In process the build never yields to the loop, so the histogram gets no sample at all; the timer wait tells.
    const value = b.loopDelayMs.samples === 0 ? `blocked ${f(b.longestTimerGapMs / 1000)} s` : `${f(b.loopDelayMs.p99)} ms`;
    rows.push([`event-loop delay p99 during the build (${b.engine})`, value, b.engine === 'worker' ? '≤ 20 ms' : '(contrast)', `p50 ${f(b.loopDelayMs.p50)}, max ${f(b.loopDelayMs.max)} ms (${b.loopDelayMs.samples} samples); longest 1 ms-timer wait ${f(b.longestTimerGapMs)} ms`]);
  }
  rows.push(['predict median, fixed 2 KB email', `${f(predict!.medianUs)} µs`, '≤ 50 µs', `p99 ${f(predict!.p99Us)} µs; in-call latencyMs median ${f(predict!.internalMedianUs)} µs; ${predict!.logged} logged`]);
  rows.push([`full build wall (${w.candidates} candidates × ${w.folds} folds, worker)`, `${f(w.wallS)} s`, '', `inside the worker ${f(w.buildWallS)} s; winner ${w.winner} (F1 ${f(w.winnerF1, 4)})`]);
  rows.push(['scikit-learn CV of the ten pipelines', `${f(skBest)} s`, '', `sum of cv.wall_s, fastest of ${sk.length} runs (${sk.map((s) => f(s)).join(', ')})`]);
  rows.push(['speed-up vs scikit-learn', `${f(skBest / w.wallS)}×`, '≥ 10×', 'whole build (CV + fit + evaluate + register) vs CV alone']);
  console.log();
  console.log(renderTable(['measure', 'value', 'target', 'note'], rows));

  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(
    join(OUT_DIR, 'lifecycle-bench.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        corpus: { docs: records.length, fixedDoc: doc.key, fixedDocBytes: Buffer.byteLength(doc.text) },
        builds,
        predict,
        sklearn: { cvWallSumPerRunS: sk, referenceS: skBest },
        speedup: skBest / w.wallS,
        targets: { loopDelayP99Ms: 20, predictMedianUs: 50, speedup: 10 },
        met: { loopDelay: w.loopDelayMs.p99 <= 20, predict: predict!.medianUs <= 50, speedup: skBest / w.wallS >= 10 },
      },
      null,
      1,
    )}\n`,
  );
}

await main();
