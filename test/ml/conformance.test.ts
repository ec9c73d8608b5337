/**
 * The estimator conformance suite: every estimator kind a model file can hold goes through the
 * same checks (scikit-learn's check_estimator, Hono's runTest): clone round trip, the not-fitted
 * contract, determinism with a seed, a model-file round trip, and unknown params. A kind added
 * to model-kinds without a recipe here fails the coverage test.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseEstimator } from '../../src/ml/base/base-estimator.ts';
import type { Estimator } from '../../src/ml/base/types.ts';
import { DenseMatrix } from '../../src/ml/dense/dense-matrix.ts';
import { VotingClassifier } from '../../src/ml/ensemble/voting-classifier.ts';
import { CuratorError } from '../../src/ml/errors.ts';
import { LinearSVC } from '../../src/ml/linear/linear-svc.ts';
import { LogisticRegression } from '../../src/ml/linear/logistic-regression.ts';
import { SGDClassifier } from '../../src/ml/linear/sgd-classifier.ts';
import { ComplementNB } from '../../src/ml/naive-bayes/complement-nb.ts';
import { MultinomialNB } from '../../src/ml/naive-bayes/multinomial-nb.ts';
import { KNeighborsClassifier } from '../../src/ml/neighbors/k-neighbors-classifier.ts';
import { loadModel, saveModel } from '../../src/ml/persist/model-file.ts';
import { MODEL_KINDS } from '../../src/ml/persist/model-kinds.ts';
import { Pipeline } from '../../src/ml/pipeline/pipeline.ts';
import { CsrMatrix } from '../../src/ml/sparse/csr-matrix.ts';
import { CountVectorizer } from '../../src/ml/text/count-vectorizer.ts';
import { HashingVectorizer } from '../../src/ml/text/hashing-vectorizer.ts';
import { TfidfTransformer } from '../../src/ml/text/tfidf-transformer.ts';
import { TfidfVectorizer } from '../../src/ml/text/tfidf-vectorizer.ts';
import { docsByKey, readFixture } from '../helpers/fixtures.ts';
import { loadInputs, type InputSet } from '../helpers/inputs.ts';

type Check = 'clone' | 'notFitted' | 'determinism' | 'fileRoundTrip' | 'loadIsolation' | 'unknownParam';

/** How to exercise one estimator. */
interface ConformanceSpec<E extends Estimator = Estimator> {
  /** Shown in test names; `kind` must be a model-kinds key. */
  name: string;
  kind: string;
  /** A fresh, unfitted estimator (seeded where it has a seed). */
  create(): E;
  /** Fits it on the recipe's data. */
  fit(e: E): void;
  /** Named outputs after fit (predictions, probabilities, a transformed matrix...), each a thunk. */
  outputs(e: E): Record<string, () => unknown>;
  /** Checks that do not apply, each with the reason. */
  skip?: Partial<Record<Check, string>>;
  /** Checks that still fail because of a known bug (run as node:test `todo`), each with the issue. */
  knownIssues?: Partial<Record<Check, string>>;
}

const binary = loadInputs('binary');
const multi = loadInputs('multiclass');

/** The raw emails behind an input set, split like its matrices. */
function texts(set: 'binary' | 'multiclass') {
  const raw = readFixture<Record<string, { keys: string[]; y: string[]; train: number[]; test: number[] }>>('inputs.json')[set]!;
  const docs = docsByKey(raw.keys).map((r) => r.text);
  return { train: raw.train.map((i) => docs[i]!), ytrain: raw.train.map((i) => raw.y[i]!), test: raw.test.map((i) => docs[i]!) };
}
const binaryTexts = texts('binary');
const multiTexts = texts('multiclass');
const counts = new CountVectorizer().fit(binaryTexts.train);
const trainCounts = counts.transform(binaryTexts.train);
const testCounts = counts.transform(binaryTexts.test);

type TextTransformer = Estimator & { fit(x: unknown): unknown; transform(x: unknown): CsrMatrix };

/** A transformer spec: fit on the train part, outputs = transform of the test part. */
function transformer(name: string, kind: string, create: () => Estimator, train: unknown, test: unknown, skip?: ConformanceSpec['skip']): ConformanceSpec {
  return {
    name,
    kind,
    create,
    fit: (e) => void (e as TextTransformer).fit(train),
    outputs: (e) => ({ transform: () => (e as TextTransformer).transform(test) }),
    ...(skip ? { skip } : {}),
  };
}

/** A classifier on raw texts (a pipeline, or an ensemble of pipelines). */
function textClassifier(name: string, kind: string, create: () => Estimator, data: ReturnType<typeof texts>, methods: readonly string[]): ConformanceSpec {
  type TextClf = Record<string, (x: readonly string[], y?: readonly string[]) => unknown>;
  return {
    name,
    kind,
    create,
    fit: (e) => void (e as unknown as TextClf)['fit']!.call(e, data.train, data.ytrain),
    outputs: (e) => Object.fromEntries(methods.map((m) => [m, () => (e as unknown as TextClf)[m]!.call(e, data.test)])),
  };
}

function classifierOutputs(data: InputSet, methods: readonly ('predict' | 'predictProba' | 'decisionFunction')[]) {
  return (e: Estimator): Record<string, () => unknown> => {
    const c = e as unknown as Record<string, (X: unknown) => unknown>;
    return Object.fromEntries(methods.map((m) => [m, () => c[m]!.call(e, data.Xtest)]));
  };
}

/** Classifier specs on both the binary and the 5-class inputs. */
function classifier(kind: string, create: () => Estimator, methods: readonly ('predict' | 'predictProba' | 'decisionFunction')[], skip?: ConformanceSpec['skip'], knownIssues?: ConformanceSpec['knownIssues']): ConformanceSpec[] {
  return ([['binary', binary], ['multiclass', multi]] as const).map(([set, data]) => ({
    name: `${kind} (${set})`,
    kind,
    create,
    fit: (e) => void (e as unknown as { fit(X: CsrMatrix, y: string[]): unknown }).fit(data.Xtrain, data.ytrain),
    outputs: classifierOutputs(data, methods),
    ...(skip ? { skip } : {}),
    ...(knownIssues ? { knownIssues } : {}),
  }));
}

const SPECS: ConformanceSpec[] = [
  ...classifier('MultinomialNB', () => new MultinomialNB({ alpha: 0.5 }), ['predict', 'predictProba']),
  ...classifier('ComplementNB', () => new ComplementNB({ norm: true }), ['predict', 'predictProba']),
  ...classifier('KNeighborsClassifier', () => new KNeighborsClassifier({ nNeighbors: 3, weights: 'distance', metric: 'cosine' }), ['predict', 'predictProba']),
  ...classifier('LinearSVC', () => new LinearSVC({ C: 0.5, randomState: 3 }), ['predict', 'decisionFunction']),
  ...classifier('LogisticRegression', () => new LogisticRegression({ C: 2 }), ['predict', 'predictProba', 'decisionFunction']),
  ...classifier('SGDClassifier', () => new SGDClassifier({ loss: 'log_loss', randomState: 7 }), ['predict', 'predictProba', 'decisionFunction']),
  ...classifier('Pipeline', () => new Pipeline([['clf', new MultinomialNB()]]), ['predict', 'predictProba']),
  transformer('CountVectorizer (texts)', 'CountVectorizer', () => new CountVectorizer({ ngramRange: [1, 2], minDf: 2 }), binaryTexts.train, binaryTexts.test),
  transformer('TfidfVectorizer (texts)', 'TfidfVectorizer', () => new TfidfVectorizer({ sublinearTf: true, maxDf: 0.9 }), binaryTexts.train, binaryTexts.test),
  transformer('TfidfVectorizer (AnalyzedDocs)', 'TfidfVectorizer', () => new TfidfVectorizer(), new TfidfVectorizer().analyze(binaryTexts.train), new TfidfVectorizer().analyze(binaryTexts.test)),
  transformer('TfidfTransformer (counts)', 'TfidfTransformer', () => new TfidfTransformer({ smoothIdf: false }), trainCounts, testCounts),
  transformer('HashingVectorizer (texts)', 'HashingVectorizer', () => new HashingVectorizer({ nFeatures: 4096 }), binaryTexts.train, binaryTexts.test, {
    notFitted: 'stateless, like scikit-learn\'s HashingVectorizer: transform works without fit (toState is still guarded)',
  }),
  textClassifier('Pipeline tfidf + LinearSVC (binary texts)', 'Pipeline', () => new Pipeline([['tfidf', new TfidfVectorizer()], ['clf', new LinearSVC()]]), binaryTexts, ['predict', 'decisionFunction']),
  textClassifier('Pipeline counts + tfidf + LogisticRegression (5-class texts)', 'Pipeline', () => new Pipeline([['counts', new CountVectorizer({ minDf: 2 })], ['tfidf', new TfidfTransformer({ sublinearTf: true })], ['clf', new LogisticRegression()]]), multiTexts, ['predict', 'predictProba', 'decisionFunction']),
  textClassifier('Pipeline hashing + SGD (binary texts)', 'Pipeline', () => new Pipeline([['hash', new HashingVectorizer({ nFeatures: 2 ** 14 })], ['clf', new SGDClassifier({ randomState: 5 })]]), binaryTexts, ['predict', 'decisionFunction']),
  textClassifier(
    'VotingClassifier of text pipelines (5-class texts)',
    'VotingClassifier',
    () => new VotingClassifier([
      ['nb', new Pipeline([['tfidf', new TfidfVectorizer()], ['clf', new MultinomialNB({ alpha: 0.1 })]])],
      ['knn', new Pipeline([['tfidf', new TfidfVectorizer({ sublinearTf: true })], ['clf', new KNeighborsClassifier({ metric: 'cosine' })]])],
      ['svc', new Pipeline([['tfidf', new TfidfVectorizer()], ['clf', new LinearSVC()]])],
    ], { voting: 'hard', weights: [1, 1, 1.5] }),
    multiTexts,
    ['predict'],
  ),
  ...classifier(
    'VotingClassifier',
    () => new VotingClassifier([['nb', new MultinomialNB()], ['lr', new LogisticRegression()], ['sgd', new SGDClassifier({ loss: 'modified_huber', randomState: 1 })]], { voting: 'soft', weights: [1, 2, 1] }),
    ['predict', 'predictProba'],
  ),
];

/** Outputs as comparable plain data; floats by their bits, so -0 and NaN count. */
function plain(v: unknown): unknown {
  // a byte view compares fast and exactly (deepEqual on Float64Array would treat -0 as 0)
  const bits = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (v instanceof DenseMatrix) return { shape: [v.nRows, v.nCols], data: bits(v.data) };
  if (v instanceof CsrMatrix) return { shape: [v.nRows, v.nCols], indptr: bits(v.indptr), indices: bits(v.indices), data: bits(v.data) };
  if (ArrayBuffer.isView(v)) return bits(v);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

const evaluate = (outs: Record<string, () => unknown>) => Object.fromEntries(Object.entries(outs).map(([k, f]) => [k, plain(f())]));

/** Params without sub-estimator objects (composites list them; clones hold different instances). */
function comparableParams(e: Estimator): string {
  return JSON.stringify(e.getParams(), (_k, v: unknown) => (v !== null && typeof v === 'object' && 'kind' in v && 'toState' in v ? `<${(v as Estimator).kind}>` : v));
}

const isCode = (code: string) => (e: unknown) => e instanceof CuratorError && e.code === code;

/** Registers the conformance checks of one estimator. */
function runConformance(spec: ConformanceSpec): void {
  const run = (check: Check, title: string, body: () => void) => {
    const reason = spec.skip?.[check];
    const issue = spec.knownIssues?.[check];
    test(title, reason ? { skip: reason } : issue ? { todo: issue } : {}, body);
  };
  describe(`conformance: ${spec.name}`, () => {
    run('clone', 'clone has equal params, is unfitted, and is independent', () => {
      const e = spec.create();
      assert.equal(e.kind, spec.kind);
      spec.fit(e);
      assert.equal(e.isFitted, true);
      const c = e.clone();
      assert.equal(c.kind, e.kind);
      assert.equal(c.isFitted, false);
      assert.notEqual(c, e);
      assert.equal(comparableParams(c), comparableParams(e));
      assert.equal(comparableParams(spec.create()), comparableParams(e), 'fit must not change params');
    });

    run('notFitted', 'before fit, every output and toState throw NotFittedError (NOT_FITTED)', () => {
      const e = spec.create();
      assert.equal(e.isFitted, false);
      for (const [name, f] of Object.entries(spec.outputs(e))) {
        assert.throws(f, (err: unknown) => isCode('NOT_FITTED')(err) && /not fitted yet/.test((err as Error).message), name);
      }
      assert.throws(() => e.toState(), isCode('NOT_FITTED'));
      assert.throws(() => saveModel(e), isCode('NOT_FITTED'));
    });

    run('determinism', 'two fits with the same params and seed give identical outputs', () => {
      const a = spec.create();
      const b = spec.create();
      spec.fit(a);
      spec.fit(b);
      assert.deepEqual(evaluate(spec.outputs(a)), evaluate(spec.outputs(b)));
      const c = a.clone();
      spec.fit(c);
      assert.deepEqual(evaluate(spec.outputs(c)), evaluate(spec.outputs(a)), 'a fitted clone matches too');
    });

    run('fileRoundTrip', 'saveModel -> loadModel gives bit-identical outputs, params and bytes', () => {
      const e = spec.create();
      spec.fit(e);
      const bytes = saveModel(e);
      const loaded = loadModel(bytes, { expect: spec.kind as keyof typeof MODEL_KINDS });
      assert.equal(loaded.kind, spec.kind);
      assert.equal(loaded.constructor, e.constructor);
      assert.equal(loaded.isFitted, true);
      assert.equal(comparableParams(loaded), comparableParams(e));
      assert.deepEqual(evaluate(spec.outputs(loaded as Estimator)), evaluate(spec.outputs(e)));
      assert.deepEqual(saveModel(loaded), bytes, 'saving the loaded model gives the same bytes');
      const copied = loadModel(bytes, { copy: true });
      assert.deepEqual(evaluate(spec.outputs(copied as Estimator)), evaluate(spec.outputs(e)));
    });

    run('loadIsolation', 'refitting a loaded model (fit, and partialFit where offered) leaves the file bytes untouched', () => {
      const e = spec.create();
      spec.fit(e);
      const bytes = saveModel(e);
      const pristine = bytes.slice();
      const loaded = loadModel(bytes) as Estimator & { partialFit?(...args: unknown[]): unknown };
      if (typeof loaded.partialFit === 'function') {
        const data = spec.name.includes('multiclass') ? multi : binary;
        loaded.partialFit(data.Xtest, data.ytest);
      }
      spec.fit(loaded);
      assert.ok(Buffer.from(bytes).equals(Buffer.from(pristine)), 'the loaded model wrote into the bytes it was loaded from (zero-copy views): fromState must copy arrays it later updates in place');
    });

    run('unknownParam', 'an unknown param is UNKNOWN_PARAM naming it', () => {
      const e = spec.create();
      const named = (err: unknown) => isCode('UNKNOWN_PARAM')(err) && (err as CuratorError).field === 'noSuchParam' && /noSuchParam/.test((err as Error).message);
      assert.throws(() => e.setParams({ noSuchParam: 1 }), named);
      if (e instanceof BaseEstimator) {
        const Ctor = e.constructor as new (p: Record<string, unknown>) => Estimator;
        assert.throws(() => new Ctor({ noSuchParam: 1 }), named);
      }
      assert.equal(comparableParams(e), comparableParams(spec.create()), 'a rejected setParams changes nothing');
    });
  });
}

for (const spec of SPECS) runConformance(spec);

test('every kind in model-kinds has a conformance recipe', () => {
  assert.deepEqual([...new Set(SPECS.map((s) => s.kind))].sort(), Object.keys(MODEL_KINDS).sort());
});
