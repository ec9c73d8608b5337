import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossValidateCandidates } from '../../../src/ml/model-selection/cross-validate-candidates.ts';
import { crossValidate } from '../../../src/ml/model-selection/cross-validate.ts';
import { StratifiedKFold } from '../../../src/ml/model-selection/stratified-k-fold.ts';
import { Pipeline } from '../../../src/ml/pipeline/pipeline.ts';
import { TfidfVectorizer } from '../../../src/ml/text/tfidf-vectorizer.ts';
import { MultinomialNB } from '../../../src/ml/naive-bayes/multinomial-nb.ts';
import { ComplementNB } from '../../../src/ml/naive-bayes/complement-nb.ts';
import { LinearSVC } from '../../../src/ml/linear/linear-svc.ts';
import { CuratorError } from '../../../src/ml/errors.ts';
import { docsByKey, readFixture } from '../../helpers/fixtures.ts';

const keys = readFixture<{ binary: { keys: string[] } }>('inputs.json').binary.keys;
const all = docsByKey(keys);
const docs = [...all.filter((d) => d.label === 'ham').slice(0, 100), ...all.filter((d) => d.label === 'spam').slice(0, 50)];
const texts = docs.map((d) => d.text);
const y = docs.map((d) => d.label);

const candidates = [
  { name: 'nb', make: () => new Pipeline([['tfidf', new TfidfVectorizer()], ['clf', new MultinomialNB({ alpha: 0.5 })]]) },
  { name: 'cnb', make: () => new Pipeline([['tfidf', new TfidfVectorizer()], ['clf', new ComplementNB()]]) },
  { name: 'svc-sub', make: () => new Pipeline([['tfidf', new TfidfVectorizer({ sublinearTf: true, minDf: 2 })], ['clf', new LinearSVC()]]) },
];

test('sharing fold features across candidates gives the same scores as cross-validating each alone', () => {
  const folds = new StratifiedKFold({ nSplits: 4, shuffle: true, randomState: 3 }).split(texts, y);
  const analyzed = new TfidfVectorizer().analyze(texts);
  const progress: string[] = [];
  const shared = crossValidateCandidates(candidates, analyzed, y, {
    cv: folds, scoring: ['accuracy', 'f1'], onProgress: (_d, _t, name) => progress.push(name),
  });
  assert.equal(progress.length, 4 * candidates.length);
  assert.deepEqual(Object.keys(shared.sharedFeatureS).sort(), ['nb, cnb', 'svc-sub']);
  for (const c of candidates) {
    const alone = crossValidate(c.make(), texts, y, { cv: folds, scoring: ['accuracy', 'f1'] });
    assert.deepEqual(shared.results[c.name]!.testScores, alone.testScores, c.name);
    assert.equal(shared.results[c.name]!.fitTime.length, 4);
  }
});

test('crossValidateCandidates rejects duplicate names and non-pipelines with coded errors', () => {
  assert.throws(() => crossValidateCandidates([candidates[0]!, candidates[0]!], texts, y, { cv: 3 }),
    (e: unknown) => e instanceof CuratorError && e.code === 'INVALID_ARGUMENT' && /named "nb"/.test(e.message));
  assert.throws(() => crossValidateCandidates([{ name: 'bare', make: () => new MultinomialNB() as unknown as Pipeline }], texts, y, { cv: 3 }),
    (e: unknown) => e instanceof CuratorError && /must make a Pipeline/.test(e.message));
  assert.throws(() => crossValidateCandidates(candidates, texts, y.slice(1), { cv: 3 }),
    (e: unknown) => e instanceof CuratorError && e.code === 'SHAPE_MISMATCH');
});
