/**
 * `npm run bench:store`: the registry on both backends, SQLite (a WAL file in a temp dir) and
 * PostgreSQL (a fresh schema, dropped afterwards). Prints one table and writes
 * bench/results/store-bench.json.
 *
 * 1. register and load a model: a real TfidfVectorizer + LinearSVC pipeline fitted on the
 *    SpamAssassin corpus (and MultinomialNB), timed up to "loaded from the database and ready
 *    to predict", against scikit-learn's pickle load of the same pipeline, measured in the same
 *    run by bench/sklearn_pickle.py (Debian's python3-sklearn; else the shared bench's figure,
 *    labelled as such) in the process that fitted it, as the shared bench does (the ratio the
 *    target is checked against), and in a fresh process like the load children (shown beside
 *    it: a small heap loads the same pickle 2-3x more slowly); plus a synthetic
 *    10 MB blob for the raw bytes, and on PostgreSQL the blob read paths that were compared;
 * 2. a page of 50 among 100,000 models: first page, a deep page by cursor, by score, filtered;
 * 3. 100,000 prediction-log rows written in durable batches (one transaction each).
 *
 * Load times ("ready to predict") are medians over LOAD_RUNS fresh processes x LOAD_REPEATS
 * loads (see loadChild); the bench process's own figure is shown beside them, and so is the
 * floor: the same read in the same processes with the bytes left untouched.
 *
 *   npm run bench:store                       # both backends (~2 min)
 *   npm run bench:store -- --skip-pg          # SQLite only
 *   CURATOR_BENCH_PG_URL=postgres://… npm run bench:store
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { crc32 } from 'node:zlib';
import { CompiledQuery, Kysely, type Insertable } from 'kysely';
import pg from 'pg';
import { fixedDoc, loadSpamCorpus, spamCorpusDir } from '../src/demo/spam-corpus.ts';
import { defaultCandidates } from '../src/ml/default-candidates.ts';
import { loadModel, MODEL_FILE_VERSION, saveModel } from '../src/ml/persist/model-file.ts';
import type { Pipeline } from '../src/ml/pipeline/pipeline.ts';
import { blake3OfBytes, blake3Stream, sha256OfBytes, sha256Stream } from '../src/registry/checksum.ts';
import { Registry } from '../src/registry/index.ts';
import { dialectFromUrl, openStore, type NewPrediction, type Store } from '../src/store/index.ts';
import { copyOutBytes, copyOutLargeBytes } from '../src/store/pg-copy-bytes.ts';
import { pgStream } from '../src/store/pg-copy-socket.ts';
import type { ModelRow, Tables } from '../src/store/schema.ts';
import { median, percentile, renderTable } from './bench-stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = join(HERE, 'results');
const SKLEARN_RESULTS = join(HERE, '..', '..', 'shared', 'bench', 'sklearn_baseline.results.json');
const PG_URL = process.env.CURATOR_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Debian's python3 (python3-sklearn); the python3 on PATH has no scikit-learn. */
const SYSTEM_PYTHON = '/usr/bin/python3';

const { values: opts } = parseArgs({
  options: {
    'skip-pg': { type: 'boolean', default: false },
    models: { type: 'string', default: '100000' },
    predictions: { type: 'string', default: '100000' },
    'batch-size': { type: 'string', default: '1000' },
    'load-repeats': { type: 'string', default: '21' },
    'page-repeats': { type: 'string', default: '50' },
    'load-runs': { type: 'string', default: '3' },
    'gc-settle-ms': { type: 'string', default: '20' },
    // Internal: this file re-run as a fresh process that only loads models (spec on stdin).
    'load-child': { type: 'boolean', default: false },
  },
});
const N_MODELS = Number(opts.models);
const N_PREDICTIONS = Number(opts.predictions);
const BATCH = Number(opts['batch-size']);
const LOAD_REPEATS = Number(opts['load-repeats']);
const PAGE_REPEATS = Number(opts['page-repeats']);
const LOAD_RUNS = Number(opts['load-runs']);
const SYNTHETIC_BYTES = 10 * 1024 * 1024;
/** Pause after each gc() in the load children before the timed load (see withGcTime). */
const GC_SETTLE_MS = Number(opts['gc-settle-ms']);
const PIPELINES = ['LinearSVC+tfidf', 'MultinomialNB+tfidf'] as const;

/** One measured figure: samples in ms, or a single rate. */
interface Figure {
  readonly medianMs?: number;
  readonly p99Ms?: number;
  readonly n?: number;
  readonly minMs?: number;
  readonly rowsPerS?: number;
  readonly note?: string;
}
type BackendFigures = Record<string, Figure>;

interface FittedModel {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly probe: readonly string[];
  readonly expected: readonly string[];
  /** scikit-learn's pickle load of the same pipeline: measured in this run where /usr/bin/python3 has scikit-learn, else the shared bench's figure. */
  readonly pickle: Pickle | undefined;
  /** The shared bench's figure (../shared/bench), shown beside a figure from this run. */
  readonly sharedPickleMs: number | undefined;
}

interface Pickle {
  readonly ms: number;
  readonly source: 'this run' | 'shared bench';
  /** The same pickle loaded in a fresh Python process (this run only): the load children's condition. */
  readonly freshMs?: number;
}

function summarize(samples: readonly number[]): Figure {
  return { medianMs: median(samples), p99Ms: percentile(samples, 99), n: samples.length, minMs: Math.min(...samples) };
}

/** A load figure with its ratio to scikit-learn's pickle load of the same pipeline. */
function withPickle(fig: Figure, m: FittedModel): Figure {
  const best = `fastest ${fmt(fig.minMs)} ms`;
  if (m.pickle === undefined) return { ...fig, note: best };
  const ratio = (ms: number) => `${(ms / fig.medianMs!).toFixed(1)}x`;
  const shared = m.pickle.source === 'this run' && m.sharedPickleMs !== undefined ? `; shared bench's ${m.sharedPickleMs.toFixed(1)} ms: ${ratio(m.sharedPickleMs)}` : '';
  const fresh = m.pickle.freshMs !== undefined ? `; in a fresh process ${m.pickle.freshMs.toFixed(1)} ms: ${ratio(m.pickle.freshMs)}` : '';
  return { ...fig, note: `pickle (${m.pickle.source}) ${m.pickle.ms.toFixed(1)} ms: ${ratio(m.pickle.ms)} (${best}: ${(m.pickle.ms / fig.minMs!).toFixed(1)}x)${shared}${fresh}` };
}

async function timeIt(repeats: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * scikit-learn's pickle load per pipeline, on this machine now (bench/sklearn_pickle.py: the same
 * corpus and pipelines, gc.collect() before each of 21 loads, median), in the process that fitted
 * them (the shared bench's way, the figure the target is checked against) and in a fresh process
 * (the load children's condition, shown beside it); undefined without Debian's python3-sklearn.
 */
function pickleThisRun(): Record<string, { ms: number; freshMs?: number }> | undefined {
  const run = spawnSync(SYSTEM_PYTHON, [join(HERE, 'sklearn_pickle.py'), '--corpus', spamCorpusDir(), '--repeats', '21', '--fresh-repeats', '21'], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (run.status !== 0) {
    console.warn(`(scikit-learn's pickle load not measured in this run: ${run.error?.message ?? run.stderr.trim().split('\n').pop()}; apt-get install -y python3-sklearn)`);
    return undefined;
  }
  const out = JSON.parse(run.stdout) as { sklearn: string; pipelines: Record<string, { median_ms: number; fresh?: { median_ms: number } }> };
  const fresh = (v: { fresh?: { median_ms: number } }) => (v.fresh === undefined ? '' : ` (fresh process ${v.fresh.median_ms.toFixed(1)} ms)`);
  console.log(`scikit-learn ${out.sklearn}, pickle load (this run): ${Object.entries(out.pipelines).map(([k, v]) => `${k} ${v.median_ms.toFixed(1)} ms${fresh(v)}`).join(', ')}`);
  return Object.fromEntries(Object.entries(out.pipelines).map(([k, v]) => [k, { ms: v.median_ms, ...(v.fresh === undefined ? {} : { freshMs: v.fresh.median_ms }) }]));
}

/** scikit-learn's pickle load per pipeline in the shared bench: the fastest of its runs' medians. */
function pickleBaseline(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    const data = JSON.parse(readFileSync(SKLEARN_RESULTS, 'utf8')) as { runs: { configs: Record<string, { pickle_loads_median_s?: number }> }[] };
    for (const run of data.runs) {
      for (const [name, c] of Object.entries(run.configs)) {
        if (c.pickle_loads_median_s === undefined) continue;
        const ms = c.pickle_loads_median_s * 1000;
        out[name] = Math.min(out[name] ?? Infinity, ms);
      }
    }
  } catch (error) {
    console.warn(`(no scikit-learn baseline: ${(error as Error).message})`);
  }
  return out;
}

function fitModels(): FittedModel[] {
  const records = loadSpamCorpus();
  const texts = records.map((r) => r.text);
  const y = records.map((r) => r.label);
  const probe = [fixedDoc(records).text, ...texts.slice(0, 20)];
  const shared = pickleBaseline();
  const thisRun = pickleThisRun();
  return PIPELINES.map((name) => {
    const candidate = defaultCandidates().find((c) => c.name === name)!;
    const t = performance.now();
    const pipe = candidate.make().fit(texts, y);
    const bytes = saveModel(pipe);
    console.log(`fitted ${name} in ${((performance.now() - t) / 1000).toFixed(1)} s: model file ${(bytes.byteLength / 1e6).toFixed(2)} MB`);
    const pickle: Pickle | undefined =
      thisRun?.[name] !== undefined ? { ...thisRun[name]!, source: 'this run' } : shared[name] !== undefined ? { ms: shared[name]!, source: 'shared bench' } : undefined;
    return { name, bytes, probe, expected: pipe.predict(probe), pickle, sharedPickleMs: shared[name] };
  });
}

// ---------------------------------------------------------------------------------------------
// 1. register and load

async function benchModels(store: Store, target: LoadTarget, models: readonly FittedModel[], figures: BackendFigures): Promise<void> {
  const registry = new Registry(store);
  const register = async (name: string, blob: Uint8Array, taskSuffix: string) => {
    const taskId = `bench-${taskSuffix}`;
    await store.corpus.createTask({ id: taskId, labels: ['ham', 'spam'] });
    const t = performance.now();
    const model = await registry.models.register({
      taskId,
      estimator: name,
      hyperparameters: { C: 1 },
      buildTimeMs: 1000,
      score: 0.97,
      scoreMetric: 'f1',
      formatVersion: MODEL_FILE_VERSION,
      blob,
      evaluations: ['accuracy', 'precision', 'recall', 'f1'].map((metric) => ({
        metric,
        label: null,
        mean: 0.97,
        std: 0.01,
        foldValues: Array.from({ length: 12 }, () => 0.97),
      })),
    });
    return { model, ms: performance.now() - t };
  };

  const ids = new Map<string, number>();
  for (const m of models) {
    const registers: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await register(m.name, m.bytes, `${m.name}-${i}`.replace(/[^a-zA-Z0-9-]/g, '-'));
      registers.push(r.ms);
      ids.set(m.name, r.model.id);
    }
    figures[`register ${m.name} (${(m.bytes.byteLength / 1e6).toFixed(1)} MB)`] = summarize(registers);
  }

  // Loaded from the database and ready to predict, in fresh processes (see loadChild), and
  // where that time goes.
  const child = await runLoadChildren(
    target,
    models.map((m) => ({ name: m.name, id: ids.get(m.name)!, probe: m.probe, expected: m.expected })),
  );
  for (const m of models) {
    const c = child[m.name]!;
    figures[`load ${m.name}: ready to predict`] = withPickle(summarize(c.ready), m);
    figures[`  ${m.name}: floor: the same read, bytes untouched`] = withPickle(summarize(c.bytes), m);
    const gcMean = c.gc.reduce((a, b) => a + b, 0) / c.gc.length;
    figures[`  ${m.name}: GC pauses during a load`] = { ...summarize(c.gc), note: `mean ${fmt(gcMean)} ms; in ${c.gc.filter((x) => x > 0).length} of ${c.gc.length} loads` };
    figures[`  ${m.name}: model row`] = summarize(c.row);
    figures[`  ${m.name}: read bytes (pg: with the row, BLAKE3 as they arrive)`] = summarize(c.read);
    figures[`  ${m.name}: BLAKE3 alone (pg: done while reading)`] = summarize(c.hash);
    figures[`  ${m.name}: loadModel alone (pg: encoded sections while reading)`] = summarize(c.decode);
  }

  // The same in this process (it fitted the models and has run the benches before), for
  // comparison with the fresh processes; the note gives its heap.
  for (const m of models) {
    const id = ids.get(m.name)!;
    let pipe: Pipeline | undefined;
    const loadReady = async () => {
      pipe = (await registry.models.loadEstimator(id, { expect: 'Pipeline' })).estimator;
    };
    await timeIt(3, loadReady);
    const ready = await timeIt(LOAD_REPEATS, loadReady);
    const predicted = pipe!.predict(m.probe);
    if (predicted.some((p, i) => p !== m.expected[i])) throw new Error(`${m.name}: the model loaded from the database predicts differently`);
    const heap = `heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`;
    const fig = withPickle(summarize(ready), m);
    figures[`  ${m.name}: ready, in the bench process`] = { ...fig, note: `${heap}; ${fig.note ?? ''}` };
  }

  const synthetic = new Uint8Array(randomBytes(SYNTHETIC_BYTES));
  const registers: number[] = [];
  let id = 0;
  for (let i = 0; i < 5; i++) {
    synthetic[0] = i; // a distinct blob (and checksum) each time
    const r = await register('synthetic', synthetic, `synthetic-${i}`);
    registers.push(r.ms);
    id = r.model.id;
  }
  figures['register 10 MB synthetic blob'] = summarize(registers);
  await timeIt(3, () => registry.models.load(id));
  figures['load 10 MB blob (row + bytes + BLAKE3)'] = summarize(await timeIt(LOAD_REPEATS, () => registry.models.load(id)));
  figures['  of which read bytes only'] = summarize(await timeIt(LOAD_REPEATS, () => store.models.getBlob(id)));
}

// ---------------------------------------------------------------------------------------------
// 1b. loads in fresh processes
//
// "Loaded from the database and ready to predict" is what a serving process does when it
// starts or switches models, so the headline figure comes from fresh processes (this file with
// --load-child) that open the store, load every model 3 times as warm-up, then time
// LOAD_REPEATS loads each, plus the steps one by one; LOAD_RUNS such processes run one after
// another and their samples are pooled (the medians are over all of them). As on the scikit-learn
// side, garbage is collected before each timed load, outside the timing. Every load
// allocates about twice the model file outside the JS heap, and what the collections this
// triggers cost depends on the heap: the bench process's own figure stays in the table,
// labelled, for comparison.

interface LoadTarget {
  readonly url: string;
  readonly options: { schema?: string };
}
interface LoadSpec extends LoadTarget {
  readonly repeats: number;
  readonly models: readonly { name: string; id: number; probe: readonly string[]; expected: readonly string[] }[];
}
type LoadSamples = Record<'ready' | 'gc' | 'bytes' | 'row' | 'read' | 'hash' | 'decode', number[]>;

async function runLoadChildren(target: LoadTarget, models: LoadSpec['models']): Promise<Record<string, LoadSamples>> {
  const spec: LoadSpec = { ...target, repeats: LOAD_REPEATS, models };
  const pooled: Record<string, LoadSamples> = {};
  for (let run = 0; run < LOAD_RUNS; run++) {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--load-child', '--gc-settle-ms', String(GC_SETTLE_MS)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stdin.end(JSON.stringify(spec));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`load child exited with ${code}`);
    for (const [name, samples] of Object.entries(JSON.parse(out) as Record<string, LoadSamples>)) {
      const into = (pooled[name] ??= { ready: [], gc: [], bytes: [], row: [], read: [], hash: [], decode: [] });
      for (const k of Object.keys(into) as (keyof LoadSamples)[]) into[k].push(...samples[k]);
    }
  }
  return pooled;
}

/** The child: loads each model from the store, checks its predictions, prints the samples as JSON. */
async function loadChild(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const spec = JSON.parse(input) as LoadSpec;
  const store = await openStore(spec.url, spec.options);
  const registry = new Registry(store);
  const result: Record<string, LoadSamples> = {};
  try {
    for (const m of spec.models) {
      const ready = async () => (await registry.models.loadEstimator(m.id, { expect: 'Pipeline' })).estimator;
      await timeIt(3, ready);
      const { samples: readySamples, gcMs } = await withGcTime(spec.repeats, ready);
      // The floor under that figure: the same read the load makes (the row and the bytes, in one
      // round trip on PostgreSQL), timed the same way, with nothing done to the bytes: no hash,
      // no decoding, no estimator. A load that reads this way cannot be faster than this.
      await timeIt(3, () => store.models.getWithBlob(m.id));
      const { samples: bytesOnly } = await withGcTime(spec.repeats, () => store.models.getWithBlob(m.id));
      const samples: LoadSamples = { ready: readySamples, gc: gcMs, bytes: bytesOnly, row: [], read: [], hash: [], decode: [] };
      const pipe = await ready();
      if (pipe.predict(m.probe).some((p, i) => p !== m.expected[i])) throw new Error(`${m.name}: the model loaded in a fresh process predicts differently`);
      // Where the time goes, step by step, the way loadEstimator takes them.
      const model = await registry.models.get(m.id);
      samples.row = await timeIt(spec.repeats, () => store.models.get(m.id));
      let bytes: Uint8Array | undefined;
      samples.read = await timeIt(spec.repeats, async () => {
        if (store.capabilities.streamsBytes) {
          // As loadEstimator reads on PostgreSQL: the row, then the bytes, in one round trip.
          const hash = blake3Stream();
          bytes = (await store.models.getWithBlob(m.id, { onBytes: hash.update }))?.blob;
          if (hash.hex() !== model.blobBlake3) throw new Error('streamed BLAKE3 differs');
        } else {
          bytes = await store.models.getBlob(m.id, { sizeHint: model.blobSize });
        }
      });
      samples.hash = await timeIt(spec.repeats, () => blake3OfBytes(bytes!));
      samples.decode = await timeIt(spec.repeats, () => loadModel(bytes!, { expect: 'Pipeline', checksum: 'verified' }));
      result[m.name] = samples;
    }
  } finally {
    await store.close();
  }
  process.stdout.write(JSON.stringify(result));
}

/**
 * Times `fn` like timeIt, and gives each call the garbage-collection pauses that started while
 * it ran. A load allocates about twice the model file outside the JS heap (the buffer it keeps,
 * and on PostgreSQL ~100 socket reads of 64 KiB that become garbage at once), and V8 answers
 * external memory with collections that land on later loads.
 */
async function withGcTime(repeats: number, fn: () => Promise<unknown>): Promise<{ samples: number[]; gcMs: number[] }> {
  const pauses: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => void pauses.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const spans: [number, number][] = [];
  try {
    for (let i = 0; i < repeats; i++) {
      // The scikit-learn side calls gc.collect() before each timed pickle.loads (bench/sklearn_side.py,
      // ../shared/bench/sklearn_baseline.py); so does this, outside the timed span, so each load starts
      // without the previous loads' garbage (the load child runs with --expose-gc). Collections that
      // the load itself triggers still count.
      (globalThis as { gc?: () => void }).gc?.();
      // V8 finishes a full collection's sweeping on background threads after gc() returns;
      // Python's gc.collect() leaves nothing running. Give the sweepers a moment, so the load
      // is not timed against the collector's leftover work on the other core.
      await new Promise((resolve) => setTimeout(resolve, GC_SETTLE_MS));
      const t = performance.now();
      await fn();
      spans.push([t, performance.now()]);
    }
    // GC entries are delivered after the fact.
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    observer.disconnect();
  }
  const gcMs = spans.map(([a, b]) => pauses.filter((e) => e.startTime >= a && e.startTime < b).reduce((sum, e) => sum + e.duration, 0));
  return { samples: spans.map(([a, b]) => b - a), gcMs };
}

/** The ways of reading a 10 MB bytea from PostgreSQL that were compared (the store uses binary COPY). */
async function benchPgBlobPaths(url: string, schema: string, figures: BackendFigures): Promise<void> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const blob = randomBytes(SYNTHETIC_BYTES);
    const check = (b: Buffer) => {
      if (!b.equals(blob)) throw new Error('blob read path returned other bytes');
    };
    await client.query('create table bench_blob (id int primary key, data bytea not null)');
    await client.query('create table bench_chunks (id int, seq int, data bytea not null, primary key (id, seq))');
    await client.query('alter table bench_chunks alter column data set storage external');
    await client.query('insert into bench_blob values (1, $1)', [blob]);
    const chunk = 1 << 20;
    for (let s = 0; s * chunk < blob.length; s++) await client.query('insert into bench_chunks values (1, $1, $2)', [s, blob.subarray(s * chunk, (s + 1) * chunk)]);
    const reps = 5;
    figures['pg path: one bytea, hex text (pg default)'] = summarize(
      await timeIt(reps, async () => check((await client.query('select data from bench_blob where id = 1')).rows[0].data)),
    );
    figures["pg path: one bytea, encode(data,'base64')"] = summarize(
      await timeIt(reps, async () => check(Buffer.from((await client.query(`select encode(data, 'base64') d from bench_blob where id = 1`)).rows[0].d, 'base64'))),
    );
    figures['pg path: 1 MB chunk rows, base64'] = summarize(
      await timeIt(reps, async () => {
        const rows = (await client.query(`select encode(data, 'base64') d from bench_chunks where id = 1 order by seq`)).rows as { d: string }[];
        check(Buffer.concat(rows.map((r) => Buffer.from(r.d, 'base64'))));
      }),
    );

    // Binary COPY (what the store uses), on a pool with the store's sockets (CopySocket: COPY data
    // straight from the read buffer) and on one with pg's own; and the server's share.
    const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}`, stream: pgStream as never });
    const plainPool = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` });
    try {
      const select = CompiledQuery.raw('select data from bench_blob where id = $1', [1]);
      await copyOutLargeBytes(pool, select);
      await copyOutLargeBytes(plainPool, select);
      figures['pg path: binary COPY, whole value in one message'] = summarize(
        await timeIt(reps * 3, async () => check(Buffer.from((await copyOutBytes(pool, select))![0]!))),
      );
      figures["pg path: binary COPY, 64 KiB slices, pg's own socket"] = summarize(
        await timeIt(reps * 3, async () => check(Buffer.from((await copyOutLargeBytes(plainPool, select, { sizeHint: blob.length }))!))),
      );
      figures['pg path: binary COPY, 64 KiB slices (the store)'] = summarize(
        await timeIt(reps * 3, async () => check(Buffer.from((await copyOutLargeBytes(pool, select, { sizeHint: blob.length }))!))),
      );
      // Who checks the bytes: the client hashing them as they arrive (the store: BLAKE3; before,
      // SHA-256), or PostgreSQL hashing the stored value on a second connection while the first
      // sends it, the client then checking only the file's CRC-32 (tried for issue 3, not
      // adopted: never faster).
      const digest = sha256OfBytes(blob);
      const blake3Digest = blake3OfBytes(blob);
      figures['pg path: 64 KiB slices + client BLAKE3 as they arrive (the store)'] = summarize(
        await timeIt(reps * 3, async () => {
          const hash = blake3Stream();
          await copyOutLargeBytes(pool, select, { sizeHint: blob.length, onBytes: hash.update });
          if (hash.hex() !== blake3Digest) throw new Error('streamed BLAKE3 differs');
        }),
      );
      figures['pg path: 64 KiB slices + client SHA-256 as they arrive (before)'] = summarize(
        await timeIt(reps * 3, async () => {
          const hash = sha256Stream();
          await copyOutLargeBytes(pool, select, { sizeHint: blob.length, onBytes: hash.update });
          if (hash.hex() !== digest) throw new Error('streamed SHA-256 differs');
        }),
      );
      const serverHash = async () => (await pool.query<{ h: string }>(`select encode(sha256(data), 'hex') as h from bench_blob where id = 1`)).rows[0]!.h;
      figures["pg path: the server's sha256(data) alone"] = summarize(await timeIt(reps * 3, serverHash));
      figures["pg path: 64 KiB slices || server's sha256 (2nd connection), then CRC-32"] = summarize(
        await timeIt(reps * 3, async () => {
          const [bytes, h] = await Promise.all([copyOutLargeBytes(pool, select, { sizeHint: blob.length }), serverHash()]);
          crc32(bytes!);
          if (h !== digest) throw new Error("the server's SHA-256 differs");
        }),
      );
    } finally {
      await pool.end();
      await plainPool.end();
    }
    try {
      // Needs the right to write server files (a superuser, or pg_write_server_files).
      const toNull = async () => void (await client.query(`copy (select data from bench_blob where id = 1) to '/dev/null' (format binary)`));
      await toNull();
      figures['pg path: server alone (same COPY into /dev/null)'] = summarize(await timeIt(reps * 3, toNull));
    } catch (error) {
      console.log(`  (server-only COPY not measured: ${(error as Error).message})`);
    }
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. a page of 50 among 100,000 models

const TASKS = 10;
const ESTIMATORS = ['MultinomialNB', 'LinearSVC', 'LogisticRegression', 'KNeighborsClassifier', 'SGDClassifier'];

async function seedModels(url: string, options: { schema?: string }): Promise<void> {
  // Seeding is not what is measured: straight multi-row INSERTs through a second connection.
  const dialect = dialectFromUrl(url, options);
  const db = new Kysely<Tables>({ dialect: dialect.kysely });
  try {
    const now = Date.UTC(2026, 0, 1);
    await db
      .insertInto('tasks')
      .values(Array.from({ length: TASKS }, (_, t) => ({ id: `page-${t}`, description: '', labels: '["ham","spam"]', input_kind: 'text', config: '{}', created_at: now })))
      .execute();
    let seed = 42;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const perStatement = Math.floor(Math.min(1000, dialect.capabilities.maxBindParameters / 18));
    const perTransaction = 10_000;
    for (let start = 0; start < N_MODELS; start += perTransaction) {
      await db.transaction().execute(async (trx) => {
        for (let s = start; s < Math.min(N_MODELS, start + perTransaction); s += perStatement) {
          const rows: Insertable<ModelRow>[] = [];
          for (let i = s; i < Math.min(N_MODELS, start + perTransaction, s + perStatement); i++) {
            const r = rand();
            const status = r < 0.8 ? 'candidate' : r < 0.95 ? 'retired' : 'failed';
            rows.push({
              task_id: `page-${i % TASKS}`,
              scope_kind: 'global',
              scope_owner: '',
              estimator: ESTIMATORS[Math.floor(i / TASKS) % ESTIMATORS.length]!,
              hyperparameters: '{"alpha":1}',
              build_time_ms: 100 + rand() * 1000,
              score: status === 'failed' ? null : 0.5 + rand() * 0.5,
              score_metric: 'f1',
              format_version: 1,
              blob_sha256: i.toString(16).padStart(64, '0'),
              blob_size: 0,
              snapshot_id: null,
              job_id: null,
              status,
              parent_id: null,
              created_by: 'bench',
              created_at: now + i * 1000,
              status_changed_at: now + i * 1000,
            });
          }
          await trx.insertInto('models').values(rows).execute();
        }
      });
    }
  } finally {
    await db.destroy();
  }
}

async function benchPaging(store: Store, figures: BackendFigures): Promise<void> {
  const registry = new Registry(store);
  const total = await registry.models.count({});
  const measure = async (label: string, fn: () => Promise<{ items: readonly unknown[] }>) => {
    for (let i = 0; i < 3; i++) await fn();
    let size = 0;
    const samples = await timeIt(PAGE_REPEATS, async () => (size = (await fn()).items.length));
    if (size !== 50 && N_MODELS >= 10_000) throw new Error(`${label}: got ${size} models, not 50`);
    figures[label] = summarize(samples);
  };
  // The cursor of the 50,000th model, reached by walking pages of 500.
  const deepCursor = async (filter: Parameters<typeof registry.models.list>[0], orderBy: 'createdAt' | 'score') => {
    let cursor: string | null = null;
    for (let seen = 0; seen < Math.min(50_000, Math.floor(total / 2)); seen += 500) {
      cursor = (await registry.models.list(filter, { orderBy, limit: 500, cursor })).nextCursor;
    }
    return cursor;
  };
  await measure(`page: first 50 of all ${total}, newest first`, () => registry.models.list({}, { limit: 50 }));
  const deep = await deepCursor({}, 'createdAt');
  await measure('page: 50 at row 50,000 by cursor, newest first', () => registry.models.list({}, { limit: 50, cursor: deep }));
  await measure('page: first 50 by score (all tasks)', () => registry.models.list({}, { orderBy: 'score', limit: 50 }));
  const deepScore = await deepCursor({}, 'score');
  await measure('page: 50 at row 50,000 by score cursor', () => registry.models.list({}, { orderBy: 'score', limit: 50, cursor: deepScore }));
  await measure('page: task + candidate + score 0.8-0.9, by score', () =>
    registry.models.list({ taskId: 'page-3', status: 'candidate', minScore: 0.8, maxScore: 0.9 }, { orderBy: 'score', limit: 50 }),
  );
  await measure('page: task + status + estimator, newest first', () =>
    registry.models.list({ taskId: 'page-7', status: ['candidate', 'retired'], estimator: 'LinearSVC' }, { limit: 50 }),
  );
}

// ---------------------------------------------------------------------------------------------
// 3. prediction log

async function benchPredictions(store: Store, figures: BackendFigures): Promise<void> {
  await store.corpus.createTask({ id: 'predict', labels: ['ham', 'spam'] });
  const start = Date.now();
  const batchOf = (b: number): NewPrediction[] =>
    Array.from({ length: BATCH }, (_, j) => ({
      taskId: 'predict',
      modelId: null,
      modelIds: [],
      userId: 'user-1',
      inputRef: `doc-${b * BATCH + j}`,
      output: (b + j) % 3 === 0 ? 'spam' : 'ham',
      probabilities: { ham: 0.25, spam: 0.75 },
      latencyMs: 0.4,
      createdAt: new Date(start + b * BATCH + j),
    }));
  const batches = Math.ceil(N_PREDICTIONS / BATCH);
  const commits: number[] = [];
  const t = performance.now();
  for (let b = 0; b < batches; b++) {
    const rows = batchOf(b);
    const c = performance.now();
    await store.transaction((tx) => tx.activity.logPredictions(rows));
    commits.push(performance.now() - c);
  }
  const seconds = (performance.now() - t) / 1000;
  const stored = await store.activity.countPredictions('predict');
  if (stored !== batches * BATCH) throw new Error(`prediction log holds ${stored} rows, not ${batches * BATCH}`);
  figures[`predictions: ${stored} rows, batches of ${BATCH}`] = { rowsPerS: stored / seconds, note: 'durable: one commit per batch' };
  figures[`  one batch of ${BATCH} (build rows + commit)`] = summarize(commits);
}

// ---------------------------------------------------------------------------------------------

async function runBackend(label: string, url: string, options: { schema?: string }, models: readonly FittedModel[]): Promise<BackendFigures> {
  const figures: BackendFigures = {};
  const store = await openStore(url, options);
  try {
    console.log(`\n${label}: ${store.label}`);
    await benchModels(store, { url, options }, models, figures);
    if (options.schema !== undefined) await benchPgBlobPaths(url, options.schema, figures);
    let t = performance.now();
    await seedModels(url, options);
    console.log(`  seeded ${N_MODELS} models in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await benchPaging(store, figures);
    t = performance.now();
    await benchPredictions(store, figures);
    console.log(`  wrote ${N_PREDICTIONS} predictions in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } finally {
    await store.close();
  }
  return figures;
}

async function pgReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

const fmt = (ms: number | undefined) => (ms === undefined ? '' : ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));

function targetOf(key: string, fig: Figure): string {
  if (key.startsWith('page:')) return '<= 20 ms';
  if (key.startsWith('predictions:')) return '>= 50,000 rows/s (SQLite)';
  if (key.includes('ready to predict')) return fig.note === undefined ? '' : '5x pickle';
  return '';
}

async function main(): Promise<void> {
  const wall = performance.now();
  const loadAtStart = loadavg();
  mkdirSync(OUT_DIR, { recursive: true });
  const models = fitModels();
  const results: Record<string, BackendFigures> = {};

  const dir = mkdtempSync(join(tmpdir(), 'curator-store-bench-'));
  try {
    results.sqlite = await runBackend('SQLite', `sqlite:${join(dir, 'curator.db')}`, {}, models);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (opts['skip-pg']) {
    console.log('\nPostgreSQL: skipped (--skip-pg)');
  } else {
    const problem = await pgReachable();
    if (problem !== undefined) {
      console.log(`\nPostgreSQL: skipped, ${PG_URL.replace(/\/\/[^@/]*@/, '//…@')} does not answer (${problem})`);
    } else {
      const schema = `curator_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
      try {
        results.postgres = await runBackend('PostgreSQL', PG_URL, { schema }, models);
      } finally {
        await dropSchema(schema);
      }
    }
  }

  const keys = [...new Set(Object.values(results).flatMap((f) => Object.keys(f)))];
  const cell = (f: Figure | undefined, what: 'median' | 'p99') =>
    f === undefined ? '-' : f.rowsPerS !== undefined ? (what === 'median' ? `${Math.round(f.rowsPerS).toLocaleString('en-US')}/s` : '') : fmt(what === 'median' ? f.medianMs : f.p99Ms);
  const rows = keys.map((k) => {
    const s = results.sqlite?.[k];
    const p = results.postgres?.[k];
    const note = [s?.note && `sqlite ${s.note}`, p?.note && `pg ${p.note}`].filter(Boolean).join('; ');
    return [k, cell(s, 'median'), cell(s, 'p99'), cell(p, 'median'), cell(p, 'p99'), targetOf(k, s ?? p ?? {}), note.replace(/durable: one commit per batch; pg durable: one commit per batch/, 'durable: one commit per batch')];
  });
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');
  console.log(`\nTimes in ms (median and p99 of repeated calls in this run); rates in rows/s.`);
  console.log(`Load average (1/5/15 min) at the start ${load(loadAtStart)}, at the end ${load(loadavg())}, on ${cpus().length} cores.\n`);
  console.log(renderTable(['measure', 'sqlite med', 'p99', 'postgres med', 'p99', 'target', 'note'], rows));
  const wallS = (performance.now() - wall) / 1000;
  console.log(`\nwall ${wallS.toFixed(0)} s`);

  writeFileSync(
    join(OUT_DIR, 'store-bench.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        loadAverage: { start: loadAtStart, end: loadavg() },
        settings: { loadRuns: LOAD_RUNS, models: N_MODELS, predictions: N_PREDICTIONS, batchSize: BATCH, loadRepeats: LOAD_REPEATS, pageRepeats: PAGE_REPEATS },
        modelFiles: Object.fromEntries(models.map((m) => [m.name, { bytes: m.bytes.byteLength, pickleLoadMs: m.pickle?.ms ?? null, pickleSource: m.pickle?.source ?? null, sharedPickleMs: m.sharedPickleMs ?? null }])),
        results,
        wallS,
      },
      null,
      1,
    )}\n`,
  );
}

if (opts['load-child']) await loadChild();
else await main();
