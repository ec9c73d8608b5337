/**
 * `npm run bench:ml`: Curator's learning core against scikit-learn, side by side in one run, on
 * the full SpamAssassin corpus and the SAME 12-fold assignment (written to a file the Python side
 * reads). Prints one table with ratios and writes bench/results/ml-bench.json.
 *
 *   npm run bench:ml                       # both sides, all ten pipelines (~10 min, mostly scikit-learn)
 *   npm run bench:ml -- --only LinearSVC   # a subset
 *   npm run bench:ml -- --skip-sklearn     # Curator only (no ratios)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { corpusFingerprint, fixedDoc, loadSpamCorpus, SPAM_CORPUS_SHA256, spamCorpusDir } from '../src/demo/spam-corpus.ts';
import { defaultCandidates } from '../src/ml/default-candidates.ts';
import { crossValidateCandidates } from '../src/ml/model-selection/cross-validate-candidates.ts';
import type { CrossValidateResult } from '../src/ml/model-selection/cross-validate.ts';
import { StratifiedKFold } from '../src/ml/model-selection/stratified-k-fold.ts';
import { makeScorer } from '../src/ml/metrics/scorer.ts';
import { accuracyScore } from '../src/ml/metrics/accuracy.ts';
import { f1Score, precisionScore, recallScore } from '../src/ml/metrics/precision-recall-f.ts';
import { TfidfVectorizer } from '../src/ml/text/tfidf-vectorizer.ts';
import { loadModel, saveModel } from '../src/ml/persist/model-file.ts';
import type { Pipeline } from '../src/ml/pipeline/pipeline.ts';
import { median, percentile, renderTable } from './bench-stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = join(HERE, 'results');

const { values: opts } = parseArgs({
  options: {
    only: { type: 'string' },
    'skip-sklearn': { type: 'boolean', default: false },
    'latency-n': { type: 'string', default: '1000' },
    'knn-latency-n': { type: 'string', default: '200' },
  },
});
const latencyN = Number(opts['latency-n']);
const knnLatencyN = Number(opts['knn-latency-n']);

interface SideResult {
  cvWallS: number;
  perFold: Record<string, number[]>;
  mean: Record<string, number>;
  fullFitS: number;
  nFeatures: number;
  fileBytes: number;
  loadMs: number;
  latency: { n: number; medianMs: number; p99Ms: number };
  fixedPrediction: string;
  batchDocsPerS: number;
}

const posSpam = { posLabel: 'spam', zeroDivision: 0 } as const;
const scoring = {
  accuracy: makeScorer(accuracyScore),
  precision: makeScorer(precisionScore, posSpam),
  recall: makeScorer(recallScore, posSpam),
  f1: makeScorer(f1Score, posSpam),
};

function main(): void {
  mkdirSync(OUT_DIR, { recursive: true });
  const records = loadSpamCorpus();
  const texts = records.map((r) => r.text);
  const y = records.map((r) => r.label);
  const fp = corpusFingerprint(records);
  console.log(`corpus: ${records.length} emails, fingerprint ${fp} (${fp === SPAM_CORPUS_SHA256 ? 'equals' : 'DIFFERS FROM'} ../shared/bench/README.md)`);
  if (fp !== SPAM_CORPUS_SHA256) process.exitCode = 1;
  const fixed = fixedDoc(records);
  console.log(`fixed document: ${fixed.key} (${Buffer.byteLength(fixed.text)} bytes)`);

  // One fold assignment for both sides: each document's test fold, written for the Python side.
  const folds = [...new StratifiedKFold({ nSplits: 12, shuffle: true, randomState: 42 }).split(texts, y)];
  const testFold = new Array<number>(texts.length).fill(-1);
  folds.forEach((f, k) => f.test.forEach((i) => (testFold[i] = k)));
  const foldsFile = join(OUT_DIR, 'folds.json');
  writeFileSync(foldsFile, JSON.stringify({ corpusDir: spamCorpusDir(), fingerprint: fp, fixedDocKey: fixed.key, testFold }));

  // Tokenize once; both tf-idf variants share the analyzer (they differ in weighting and min_df).
  const t0 = performance.now();
  const analyzed = new TfidfVectorizer().analyze(texts);
  const analyzeS = (performance.now() - t0) / 1000;
  console.log(`tokenized the corpus once in ${analyzeS.toFixed(2)} s (${analyzed.terms.length} distinct terms); folds and pipelines share it`);

  const candidates = defaultCandidates().filter((c) => !opts.only || c.name.includes(opts.only));
  console.log(`cross-validating ${candidates.length} pipelines on 12 folds (fold features built once per tf-idf variant and shared) ...`);
  const cvRun = crossValidateCandidates(candidates, analyzed, y, { cv: folds, scoring });
  const ours: Record<string, SideResult> = {};
  for (const c of candidates) {
    ours[c.name] = runOurs(c.name, c.make, cvRun.results[c.name]!, texts, y, fixed.text, c.classifier.startsWith('KNN') ? knnLatencyN : latencyN);
  }
  const cvTotalS = cvRun.wallS + analyzeS;

  let theirs: Record<string, SideResult> = {};
  if (!opts['skip-sklearn']) {
    const skOut = join(OUT_DIR, 'sklearn.json');
    const args = [join(HERE, 'sklearn_side.py'), '--folds', foldsFile, '--out', skOut, '--latency-n', String(latencyN), '--knn-latency-n', String(knnLatencyN)];
    if (opts.only) args.push('--only', opts.only);
    console.log('\nscikit-learn side (same folds, single-threaded) ...');
    const r = spawnSync('/usr/bin/python3', args, { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error('scikit-learn side failed (is python3-sklearn installed? apt-get install -y python3-sklearn)');
      process.exit(1);
    }
    theirs = fromSklearn(JSON.parse(readFileSync(skOut, 'utf8')) as SkDoc);
  }

  report(ours, theirs, analyzeS, cvTotalS);
  writeFileSync(join(OUT_DIR, 'ml-bench.json'), JSON.stringify({ date: new Date().toISOString(), fingerprint: fp, analyzeS, cvTotalS, curator: ours, sklearn: theirs }, null, 1));
  console.log(`\nfigures written to ${join('bench', 'results', 'ml-bench.json')}`);
}

function runOurs(name: string, make: () => Pipeline, cv: CrossValidateResult, texts: string[], y: string[], fixedText: string, nLatency: number): SideResult {
  // this pipeline's share of the shared CV run: its fits (with its share of fold features) and scoring
  const cvWallS = [...cv.fitTime, ...cv.scoreTime].reduce((a, b) => a + b, 0);
  const perFold: Record<string, number[]> = {};
  const mean: Record<string, number> = {};
  for (const k of Object.keys(scoring)) {
    perFold[k] = cv.testScores[k]!;
    mean[k] = perFold[k]!.reduce((a, b) => a + b, 0) / perFold[k]!.length;
  }

  const pipe = make();
  let t = performance.now();
  pipe.fit(texts, y);
  const fullFitS = (performance.now() - t) / 1000;
  const bytes = saveModel(pipe);
  const loads: number[] = [];
  let loaded = loadModel(bytes) as Pipeline;
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    loaded = loadModel(bytes) as Pipeline;
    loads.push(performance.now() - t);
  }
  const sample = texts.slice(0, 300);
  const same = loaded.predict(sample).every((p, i) => p === pipe.predict([sample[i]!])[0]);
  if (!same) console.warn(`  WARNING ${name}: the loaded model predicts differently`);

  for (let i = 0; i < 20; i++) loaded.predict([fixedText]);
  const lat: number[] = [];
  for (let i = 0; i < nLatency; i++) {
    t = performance.now();
    loaded.predict([fixedText]);
    lat.push(performance.now() - t);
  }
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    t = performance.now();
    loaded.predict(texts);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  const r: SideResult = {
    cvWallS, perFold, mean, fullFitS,
    nFeatures: (pipe.namedSteps['tfidf'] as TfidfVectorizer).vocabularySize,
    fileBytes: bytes.length,
    loadMs: median(loads),
    latency: { n: nLatency, medianMs: median(lat), p99Ms: percentile(lat, 99) },
    fixedPrediction: loaded.predict([fixedText])[0]!,
    batchDocsPerS: texts.length / best,
  };
  console.log(`  curator ${name.padEnd(32)} acc ${mean['accuracy']!.toFixed(4)} cv ${cvWallS.toFixed(1)}s fit ${fullFitS.toFixed(2)}s ` +
    `file ${(r.fileBytes / 1e6).toFixed(1)}MB load ${r.loadMs.toFixed(1)}ms p50 ${r.latency.medianMs.toFixed(3)}ms batch ${r.batchDocsPerS.toFixed(0)}/s`);
  return r;
}

interface SkDoc {
  pipelines: Record<string, { cv_wall_s: number; per_fold: Record<string, number[]>; mean: Record<string, number>; full_fit_s: number; n_features: number; file_bytes: number; load_ms: number; latency: { n: number; median_ms: number; p99_ms: number }; fixed_prediction: string; batch_docs_per_s: number }>;
}

function fromSklearn(doc: SkDoc): Record<string, SideResult> {
  const out: Record<string, SideResult> = {};
  for (const [name, r] of Object.entries(doc.pipelines)) {
    out[name] = {
      cvWallS: r.cv_wall_s, perFold: r.per_fold, mean: r.mean, fullFitS: r.full_fit_s, nFeatures: r.n_features,
      fileBytes: r.file_bytes, loadMs: r.load_ms, latency: { n: r.latency.n, medianMs: r.latency.median_ms, p99Ms: r.latency.p99_ms },
      fixedPrediction: r.fixed_prediction, batchDocsPerS: r.batch_docs_per_s,
    };
  }
  return out;
}

function report(ours: Record<string, SideResult>, theirs: Record<string, SideResult>, analyzeS: number, cvTotalS: number): void {
  const pts = (a: number, b: number | undefined) => (b === undefined ? '' : `${((a - b) * 100 >= 0 ? '+' : '')}${((a - b) * 100).toFixed(2)}`);
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '' : `${(a / b).toFixed(1)}×`);
  const rows = Object.entries(ours).map(([name, o]) => {
    const s = theirs[name];
    return [
      name,
      o.mean['accuracy']!.toFixed(4), s ? s.mean['accuracy']!.toFixed(4) : '', pts(o.mean['accuracy']!, s?.mean['accuracy']),
      o.mean['f1']!.toFixed(4), s ? s.mean['f1']!.toFixed(4) : '', pts(o.mean['f1']!, s?.mean['f1']),
      o.cvWallS.toFixed(2), s ? s.cvWallS.toFixed(1) : '', ratio(s?.cvWallS, o.cvWallS),
      o.fullFitS.toFixed(2), ratio(s?.fullFitS, o.fullFitS),
      (o.fileBytes / 1e6).toFixed(2), s ? (s.fileBytes / 1e6).toFixed(2) : '',
      o.loadMs.toFixed(2), s ? s.loadMs.toFixed(1) : '', ratio(s?.loadMs, o.loadMs),
      `${o.latency.medianMs.toFixed(3)}/${o.latency.p99Ms.toFixed(3)}`, s ? `${s.latency.medianMs.toFixed(3)}/${s.latency.p99Ms.toFixed(3)}` : '', ratio(s?.latency.medianMs, o.latency.medianMs),
      o.batchDocsPerS.toFixed(0), s ? s.batchDocsPerS.toFixed(0) : '', ratio(o.batchDocsPerS, s?.batchDocsPerS),
    ];
  });
  console.log('\nCurator (ours) vs scikit-learn (sk), same machine, same run, same 12 folds, single-threaded. Ratios: how many times Curator is faster/better.');
  console.log(renderTable(
    ['pipeline', 'acc ours', 'acc sk', 'Δ pts', 'F1 ours', 'F1 sk', 'Δ pts', 'CV s ours', 'CV s sk', 'CV ×', 'fit s', 'fit ×', 'file MB', 'pkl MB', 'load ms', 'sk ms', 'load ×', 'p50/p99 ms', 'sk p50/p99', 'p50 ×', 'batch/s', 'sk /s', 'batch ×'],
    rows,
  ));
  const ourCv = cvTotalS;
  const names = Object.keys(ours).filter((n) => theirs[n]);
  const skCv = names.reduce((s, n) => s + theirs[n]!.cvWallS, 0);
  console.log(`\nAll pipelines' 12-fold CV: Curator ${ourCv.toFixed(1)} s wall (incl. ${analyzeS.toFixed(2)} s one-time tokenizing)` +
    (names.length ? ` vs scikit-learn ${skCv.toFixed(1)} s → ${(skCv / ourCv).toFixed(1)}× faster` : ''));
}

main();
