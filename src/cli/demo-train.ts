/**
 * The training demo (`npm start` until the service exists): loads the SpamAssassin corpus, runs
 * every default candidate through 12-fold stratified cross-validation, fits each on the whole
 * corpus, and prints the model table — ID, model, hyperparameters, build time, score.
 *
 *   npm start                          # all 6,046 emails
 *   npm start -- --limit 1500 --folds 5
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadSpamCorpus } from '../demo/spam-corpus.ts';
import { defaultCandidates } from '../ml/default-candidates.ts';
import { crossValidateCandidates } from '../ml/model-selection/cross-validate-candidates.ts';
import { StratifiedKFold } from '../ml/model-selection/stratified-k-fold.ts';
import { getScorer, makeScorer } from '../ml/metrics/scorer.ts';
import { f1Score } from '../ml/metrics/precision-recall-f.ts';
import { saveModel } from '../ml/persist/model-file.ts';
import { TfidfVectorizer } from '../ml/text/tfidf-vectorizer.ts';

const { values: opts } = parseArgs({
  options: {
    limit: { type: 'string' },
    folds: { type: 'string', default: '12' },
    seed: { type: 'string', default: '42' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log('Usage: npm start -- [--limit N] [--folds K] [--seed S] [--json]\n' +
    'Trains the ten default candidates on the SpamAssassin demo corpus with K-fold CV and prints the model table.');
  process.exit(0);
}

const nFolds = Number(opts.folds);
if (!Number.isInteger(nFolds) || nFolds < 2) {
  console.error(`--folds must be an integer ≥ 2, got ${opts.folds}`);
  process.exit(2);
}

let records = loadSpamCorpus();
if (opts.limit !== undefined) {
  const n = Number(opts.limit);
  if (!Number.isInteger(n) || n < nFolds * 2) {
    console.error(`--limit must be an integer ≥ ${nFolds * 2}, got ${opts.limit}`);
    process.exit(2);
  }
  // every k-th email keeps both classes and all five groups represented
  const step = records.length / n;
  records = Array.from({ length: n }, (_, i) => records[Math.floor(i * step)]!);
}
const texts = records.map((r) => r.text);
const y = records.map((r) => r.label);
const candidates = defaultCandidates();
const folds = [...new StratifiedKFold({ nSplits: nFolds, shuffle: true, randomState: Number(opts.seed) }).split(texts, y)];
const scoring = {
  accuracy: getScorer('accuracy'),
  f1: makeScorer(f1Score, { posLabel: 'spam', zeroDivision: 0 }),
};

// A terminal gets a live bar; a log (CI, a pipe) gets a line every 10 %; --json output gets neither.
const quiet = opts.json || !process.stdout.isTTY;
const logLines = !opts.json && !process.stdout.isTTY;
let lastLogged = -1;
const progress = (value: number, total: number, what: string) => {
  if (!quiet) bar.update(value, { candidate: what });
  const pct = Math.floor((value / total) * 10) * 10;
  if (logLines && pct > lastLogged) {
    lastLogged = pct;
    console.log(`progress ${String(pct).padStart(3)}% (${value}/${total} steps) ${what}`);
  }
};
const bar = new cliProgress.SingleBar(
  { format: ' {bar} {percentage}% | {value}/{total} steps | {candidate}', hideCursor: true, noTTYOutput: false },
  cliProgress.Presets.shades_classic,
);
if (!opts.json) console.log(`Training ${candidates.length} candidates on ${texts.length} emails with ${nFolds}-fold stratified CV`);
if (!quiet) bar.start(candidates.length * (nFolds + 1), 0, { candidate: 'tokenizing' });

// Tokenize once; each fold's vectorizer still learns its vocabulary from that fold's training part.
const analyzed = new TfidfVectorizer().analyze(texts);
const cvRun = crossValidateCandidates(candidates, analyzed, y, {
  cv: folds,
  scoring,
  onProgress: (done, _total, name) => {
    progress(done, candidates.length * (nFolds + 1), name);
  },
});
let fitted = 0;
const rows = candidates.map((c) => {
  const cv = cvRun.results[c.name]!;
  const cvS = [...cv.fitTime, ...cv.scoreTime].reduce((a, b) => a + b, 0);
  const model = c.make();
  const t1 = performance.now();
  model.fit(texts, y);
  const fitS = (performance.now() - t1) / 1000;
  progress(candidates.length * nFolds + ++fitted, candidates.length * (nFolds + 1), `fitting ${c.name}`);
  const bytes = saveModel(model);
  const f1 = cv.testScores['f1']!;
  const acc = cv.testScores['accuracy']!;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  return {
    id: createHash('sha256').update(bytes).digest('hex').slice(0, 12),
    model: c.name,
    hyperparameters: c.hyperparameters,
    buildTimeS: cvS + fitS,
    cvTimeS: cvS,
    fitTimeS: fitS,
    f1Mean: mean(f1),
    f1Std: std(f1),
    accuracyMean: mean(acc),
    fileBytes: bytes.length,
  };
});
if (!quiet) bar.stop();

if (opts.json) {
  console.log(JSON.stringify(rows, null, 1));
} else {
  rows.sort((a, b) => b.f1Mean - a.f1Mean);
  const head = ['ID', 'Model', 'Hyperparameters', 'Build time', 'Score (F1 spam)', 'Accuracy', 'File'];
  const table = rows.map((r) => [
    r.id, r.model, compact(r.hyperparameters), `${r.buildTimeS.toFixed(2)} s`,
    `${r.f1Mean.toFixed(4)} ± ${r.f1Std.toFixed(4)}`, r.accuracyMean.toFixed(4), `${(r.fileBytes / 1e6).toFixed(1)} MB`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}`);
  console.log(`\n${nFolds}-fold stratified CV (seed ${opts.seed}) on ${texts.length} emails; build time = CV + fit on all emails; ID = SHA-256 of the model file.`);
}

function compact(h: { tfidf: Record<string, unknown>; clf: Record<string, unknown> }): string {
  const clf = Object.entries(h.clf).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  const vec = Object.entries(h.tfidf).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  return vec ? `${vec} | ${clf}` : clf;
}
