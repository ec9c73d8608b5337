import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VotingClassifier } from '../../../src/ml/ensemble/voting-classifier.ts';
import { CuratorError } from '../../../src/ml/errors.ts';
import { decodeModelState, encodeModelState } from '../../../src/ml/persist/model-file.ts';
import { Pipeline } from '../../../src/ml/pipeline/pipeline.ts';
import { CsrMatrix } from '../../../src/ml/sparse/csr-matrix.ts';
import { CharCounter, FixedVote, NearestCentroid, restoreToy, TOY_LABELS, TOY_NEW, TOY_TEXTS } from '../pipeline/toy-estimators.ts';

const code = (c: string, re?: RegExp) => (e: unknown) => e instanceof CuratorError && e.code === c && (re === undefined || re.test(e.message));
const X1 = CsrMatrix.fromDense([[1]]);
const fixed = (...labels: string[]) => labels.map((l, i) => [`m${i}`, new FixedVote({ label: l })] as const);
const pipe = (temperature: number, scale = 1) => new Pipeline([['chars', new CharCounter({ scale })], ['clf', new NearestCentroid({ temperature })]]);

test('hard voting: weighted majority, ties go to the first class in sorted order', () => {
  const vote = (labels: string[], weights: number[] | null = null) => new VotingClassifier(fixed(...labels), { weights }).fit(X1, ['a', 'b']).predict(X1)[0];
  assert.equal(vote(['b', 'c', 'c']), 'c');
  assert.equal(vote(['a', 'b']), 'a');
  assert.equal(vote(['b', 'a']), 'a', 'a tie is broken by class order, not member order');
  assert.equal(vote(['c', 'b']), 'b');
  assert.equal(vote(['a', 'b'], [1, 2]), 'b');
  assert.equal(vote(['a', 'b', 'c'], [1, 1, 1]), 'a');
  assert.equal(vote(['a', 'b', 'c'], [0, 0, 1]), 'c');
  // weights add in member order, as np.bincount does: 0.1 + 0.2 > 0.3 in float64
  assert.equal(vote(['b', 'b', 'a'], [0.1, 0.2, 0.3]), 'b');
  assert.equal(vote(['a', 'b', 'b'], [0.3, 0.1, 0.2]), 'b');
});

test('soft voting: the weighted mean of predictProba, and predict is its argmax', () => {
  const members = [pipe(1), pipe(0.2, 2), pipe(5)];
  const weights = [1, 2, 0.5];
  const vote = new VotingClassifier(members.map((p, i) => [`p${i}`, p] as const), { voting: 'soft', weights }).fit(TOY_TEXTS, TOY_LABELS);
  const probas = members.map((p) => p.clone().fit(TOY_TEXTS, TOY_LABELS).predictProba(TOY_NEW));
  const got = vote.predictProba(TOY_NEW);
  for (let t = 0; t < got.data.length; t++) {
    const want = (probas[0]!.data[t]! * 1 + probas[1]!.data[t]! * 2 + probas[2]!.data[t]! * 0.5) / 3.5;
    assert.equal(got.data[t], want);
  }
  assert.deepEqual(vote.predict(TOY_NEW), Array.from({ length: got.nRows }, (_, i) => (got.get(i, 1) > got.get(i, 0) ? 'spam' : 'ham')));
  assert.deepEqual(vote.classes, ['ham', 'spam']);
  const unweighted = new VotingClassifier(members.map((p, i) => [`p${i}`, p.clone()] as const), { voting: 'soft' }).fit(TOY_TEXTS, TOY_LABELS).predictProba(TOY_NEW);
  for (let t = 0; t < got.data.length; t++) assert.equal(unweighted.data[t], (probas[0]!.data[t]! + probas[1]!.data[t]! + probas[2]!.data[t]!) / 3);
});

test('fit trains clones: the member templates stay unfitted', () => {
  const template = pipe(1);
  const vote = new VotingClassifier([['p', template], ['q', pipe(2)]]).fit(TOY_TEXTS, TOY_LABELS);
  assert.equal(template.isFitted, false);
  assert.equal(vote.namedEstimators['p']!.isFitted, true);
  assert.notEqual(vote.namedEstimators['p'], template);
});

test('soft voting needs predictProba from every member; hard voting has no predictProba', () => {
  const vote = new VotingClassifier([['a', pipe(1)], ['b', new Pipeline([['c', new CharCounter()], ['clf', new NearestCentroid({ withProba: false })]])]], { voting: 'soft' });
  assert.throws(() => vote.fit(TOY_TEXTS, TOY_LABELS), code('INVALID_PARAM', /voting='soft' needs predictProba, but estimator 'b' \(Pipeline\) has none/));
  const hard = new VotingClassifier([['a', pipe(1)], ['b', pipe(2)]]).fit(TOY_TEXTS, TOY_LABELS);
  assert.throws(() => hard.predictProba(TOY_NEW), code('INVALID_ARGUMENT', /not available when voting='hard'/));
  assert.equal(hard.hasPredictProba, false);
  // a hard-voting ensemble cannot be a soft member
  assert.throws(() => new VotingClassifier([['inner', hard.clone()], ['p', pipe(1)]], { voting: 'soft' }).fit(TOY_TEXTS, TOY_LABELS), code('INVALID_PARAM', /'inner' \(VotingClassifier\)/));
});

test('members must agree on the classes', () => {
  const a = new FixedVote({ classes: ['a', 'b'] }).fit();
  const b = new FixedVote({ classes: ['a', 'b', 'c'] }).fit();
  assert.throws(() => VotingClassifier.fromFitted([['a', a], ['b', b]]), code('INVALID_ARGUMENT', /estimator 'b' has classes \["a","b","c"\] but 'a' has \["a","b"\]/));
  assert.throws(() => new VotingClassifier([['a', a], ['b', b]]).fit(X1, ['a', 'b']), code('INVALID_ARGUMENT', /every estimator must have the same classes/));
});

test('fromFitted blends already fitted members without refitting', () => {
  const p1 = pipe(1).fit(TOY_TEXTS, TOY_LABELS);
  const p2 = pipe(3).fit(TOY_TEXTS.slice(2), TOY_LABELS.slice(2));
  const vote = VotingClassifier.fromFitted([['global', p1], ['user', p2]], { voting: 'soft', weights: [1, 3] });
  assert.equal(vote.isFitted, true);
  assert.equal(vote.namedEstimators['user'], p2);
  const want = p1.predictProba(TOY_NEW).data.map((v, t) => (v * 1 + p2.predictProba(TOY_NEW).data[t]! * 3) / 4);
  assert.deepEqual(vote.predictProba(TOY_NEW).data, want);
  assert.throws(() => VotingClassifier.fromFitted([['a', p1], ['b', pipe(2)]]), code('INVALID_ARGUMENT', /'b' \(Pipeline\) is not fitted/));
});

test('weights and voting are checked with the usual message', () => {
  const cases: [unknown, RegExp][] = [
    [{ weights: [1] }, /must have one weight per estimator \(2\). Got 1 instead/],
    [{ weights: [1, -1] }, /The 'weights' parameter of VotingClassifier must be null or a list of finite numbers ≥ 0, not all zero. Got \[1,-1\] instead./],
    [{ weights: [0, 0] }, /not all zero/],
    [{ weights: [1, NaN] }, /Got \[1,null\] instead/],
    [{ voting: 'average' }, /The 'voting' parameter of VotingClassifier must be one of "hard", "soft". Got "average" instead./],
  ];
  for (const [params, re] of cases) assert.throws(() => new VotingClassifier(fixed('a', 'b'), params as never), code('INVALID_PARAM', re), String(re));
  assert.throws(() => new VotingClassifier(fixed('a', 'b'), { tie: 1 } as never), code('UNKNOWN_PARAM', /VotingClassifier has no parameter 'tie'/));
  assert.throws(() => new VotingClassifier([]), code('INVALID_PARAM', /non-empty list/));
  assert.throws(() => new VotingClassifier([['weights', new FixedVote()]]), code('INVALID_PARAM', /must not name an estimator 'weights'/));
  assert.throws(() => new VotingClassifier([['x', new CharCounter() as never]]), code('INVALID_PARAM', /'x' has no fit\(\) and predict\(\)/));
});

test('getParams/setParams reach members by name__param, atomically', () => {
  const vote = new VotingClassifier([['a', pipe(1)], ['b', pipe(2)]], { voting: 'soft' });
  const p = vote.getParams();
  assert.equal(p['voting'], 'soft');
  assert.equal(p['weights'], null);
  assert.equal(p['b__clf__temperature'], 2);
  vote.setParams({ a__clf__temperature: 4, weights: [1, 3] });
  assert.equal(vote.getParams()['a__clf__temperature'], 4);
  assert.deepEqual(vote.getParams()['weights'], [1, 3]);
  assert.throws(() => vote.setParams({ a__clf__temperature: 9, weights: [1] }), code('INVALID_PARAM'));
  assert.equal(vote.getParams()['a__clf__temperature'], 4, 'nothing applied after a failed setParams');
  assert.throws(() => vote.setParams({ c__x: 1 }), (e: unknown) => code('UNKNOWN_PARAM')(e) && (e as CuratorError).field === 'c__x');
  assert.throws(() => vote.setParams({ b__clf__zeta: 1 }), (e: unknown) => code('UNKNOWN_PARAM', /estimator 'b': Pipeline step 'clf': NearestCentroid has no parameter 'zeta'/)(e) && (e as CuratorError).field === 'b__clf__zeta');
  vote.setParams({ estimators: [['only', pipe(1)]], weights: null });
  assert.deepEqual(vote.estimators.map(([n]) => n), ['only']);
});

test('clone gives an unfitted ensemble with equal params; not-fitted calls throw NOT_FITTED', () => {
  const vote = new VotingClassifier([['a', pipe(1)], ['b', pipe(2)]], { voting: 'soft', weights: [2, 1] }).fit(TOY_TEXTS, TOY_LABELS);
  const c = vote.clone();
  assert.equal(c.isFitted, false);
  assert.deepEqual(c.getParams()['weights'], [2, 1]);
  assert.equal(c.getParams()['b__clf__temperature'], 2);
  for (const call of [() => c.predict(TOY_NEW), () => c.predictProba(TOY_NEW), () => c.classes, () => c.toState()]) {
    assert.throws(call, code('NOT_FITTED', /This VotingClassifier instance is not fitted yet/));
  }
});

test('saved and loaded, an ensemble of text pipelines predicts bit-identically', () => {
  for (const voting of ['hard', 'soft'] as const) {
    const vote = new VotingClassifier([['a', pipe(1)], ['b', pipe(0.3, 2)], ['c', pipe(4)]], { voting, weights: [1, 0.5, 2] }).fit(TOY_TEXTS, TOY_LABELS);
    const bytes = encodeModelState(vote.toState());
    const loaded = restoreToy(decodeModelState(bytes)) as VotingClassifier;
    assert.ok(loaded instanceof VotingClassifier);
    assert.deepEqual(loaded.getParams()['weights'], [1, 0.5, 2]);
    assert.deepEqual(loaded.predict(TOY_NEW), vote.predict(TOY_NEW));
    if (voting === 'soft') assert.deepEqual(loaded.predictProba(TOY_NEW).data, vote.predictProba(TOY_NEW).data);
    const names = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + new DataView(bytes.buffer).getUint32(12, true)))).sections.map((s: { name: string }) => s.name);
    assert.ok(names.includes('estimators.1.steps.1.centroids'), names.join());
  }
  const state = new VotingClassifier([['a', pipe(1)], ['b', pipe(2)]]).fit(TOY_TEXTS, TOY_LABELS).toState();
  assert.throws(() => VotingClassifier.fromState({ ...state, meta: { ...state.meta, classes: ['x'] } }, restoreToy), code('MODEL_FILE_CORRUPT'));
  assert.throws(() => VotingClassifier.fromState({ ...state, meta: { ...state.meta, names: ['a'] } }, restoreToy), code('MODEL_FILE_CORRUPT'));
});
