import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pipeline } from '../../../src/ml/pipeline/pipeline.ts';
import { CuratorError } from '../../../src/ml/errors.ts';
import { decodeModelState, encodeModelState } from '../../../src/ml/persist/model-file.ts';
import { CharCounter, NearestCentroid, restoreToy, TOY_LABELS, TOY_NEW, TOY_TEXTS } from './toy-estimators.ts';

const make = () => new Pipeline([['chars', new CharCounter()], ['clf', new NearestCentroid()]]);
const code = (c: string) => (e: unknown) => e instanceof CuratorError && e.code === c;

test('fit runs the transformer then the classifier; predict equals the steps run by hand', () => {
  const pipe = make().fit(TOY_TEXTS, TOY_LABELS);
  const chars = new CharCounter().fit(TOY_TEXTS);
  const clf = new NearestCentroid().fit(chars.transform(TOY_TEXTS), TOY_LABELS);
  const Xnew = chars.transform(TOY_NEW);
  assert.deepEqual(pipe.predict(TOY_NEW), clf.predict(Xnew));
  assert.deepEqual(pipe.predictProba(TOY_NEW).data, clf.predictProba(Xnew).data);
  assert.deepEqual(pipe.decisionFunction(TOY_NEW).data, clf.decisionFunction(Xnew).data);
  assert.deepEqual(pipe.classes, ['ham', 'spam']);
  assert.equal(pipe.predict(['hello, how are you']).at(0), 'ham');
  assert.equal(pipe.isFitted, true);
});

test('a pipeline ending in a transformer transforms, and fitTransform equals fit then transform', () => {
  const pipe = new Pipeline([['chars', new CharCounter({ scale: 2 })]]);
  const X = pipe.fitTransform(TOY_TEXTS);
  assert.deepEqual(X.toDense(), pipe.transform(TOY_TEXTS).toDense());
  assert.deepEqual(X.toDense(), new CharCounter({ scale: 2 }).fit(TOY_TEXTS).transform(TOY_TEXTS).toDense());
  assert.throws(() => pipe.predict(TOY_TEXTS), (e: unknown) => code('INVALID_ARGUMENT')(e) && /final step 'chars' \(CharCounter\) has no predict/.test((e as Error).message));
  assert.throws(() => make().fit(TOY_TEXTS, TOY_LABELS).transform(TOY_TEXTS), /final step 'clf' \(NearestCentroid\) has no transform/);
});

test('using a pipeline before fit throws NotFittedError naming Pipeline and the method', () => {
  const pipe = make();
  assert.equal(pipe.isFitted, false);
  for (const call of [() => pipe.predict(TOY_NEW), () => pipe.predictProba(TOY_NEW), () => pipe.decisionFunction(TOY_NEW), () => pipe.classes, () => pipe.toState()]) {
    assert.throws(call, (e: unknown) => code('NOT_FITTED')(e) && /This Pipeline instance is not fitted yet/.test((e as Error).message));
  }
  // one step fitted is not enough
  pipe.namedSteps['chars']!.setParams({});
  (pipe.namedSteps['chars'] as CharCounter).fit(TOY_TEXTS);
  assert.equal(pipe.isFitted, false);
});

test('getParams shows steps, each step, and step__param; setParams reaches into steps', () => {
  const pipe = make();
  const p = pipe.getParams();
  assert.equal(p['chars'], pipe.namedSteps['chars']);
  assert.equal(p['chars__lowercase'], true);
  assert.equal(p['clf__temperature'], 1);
  assert.deepEqual((p['steps'] as unknown[]).map((s) => (s as [string])[0]), ['chars', 'clf']);
  pipe.setParams({ clf__temperature: 3, chars__scale: 0.5 });
  assert.equal(pipe.namedSteps['clf']!.getParams()['temperature'], 3);
  assert.equal(pipe.getParams()['chars__scale'], 0.5);
  const replacement = new NearestCentroid({ temperature: 9 });
  pipe.setParams({ clf: replacement });
  assert.equal(pipe.namedSteps['clf'], replacement);
  pipe.setParams({ steps: [['c2', new CharCounter()], ['m', new NearestCentroid()]], m__temperature: 4 });
  assert.deepEqual(Object.keys(pipe.namedSteps), ['c2', 'm']);
  assert.equal(pipe.getParams()['m__temperature'], 4);
});

test('nested pipelines take outer__inner__param', () => {
  const inner = new Pipeline([['chars', new CharCounter()]]);
  const outer = new Pipeline([['feat', inner], ['clf', new NearestCentroid()]]);
  outer.setParams({ feat__chars__scale: 7 });
  assert.equal(outer.getParams()['feat__chars__scale'], 7);
  outer.fit(TOY_TEXTS, TOY_LABELS);
  assert.deepEqual(outer.predict(TOY_NEW), make().setParams({ chars__scale: 7 }).fit(TOY_TEXTS, TOY_LABELS).predict(TOY_NEW));
});

test('bad params are rejected with the key in the message and nothing changes', () => {
  const pipe = make();
  assert.throws(() => pipe.setParams({ nope: 1 }), (e: unknown) => code('UNKNOWN_PARAM')(e) && (e as CuratorError).field === 'nope' && /Pipeline has no parameter 'nope'. Known parameters: steps, chars, clf/.test((e as Error).message));
  assert.throws(() => pipe.setParams({ other__alpha: 1 }), (e: unknown) => code('UNKNOWN_PARAM')(e) && (e as CuratorError).field === 'other__alpha');
  assert.throws(() => pipe.setParams({ clf__alpha: 1 }), (e: unknown) => code('UNKNOWN_PARAM')(e) && (e as CuratorError).field === 'clf__alpha' && /step 'clf': NearestCentroid has no parameter 'alpha'/.test((e as Error).message));
  // the first value is fine, the second is out of range: neither is applied
  assert.throws(() => pipe.setParams({ chars__scale: 5, clf__temperature: -1 }), (e: unknown) => code('INVALID_PARAM')(e) && (e as CuratorError).field === 'clf__temperature' && /The 'temperature' parameter of NearestCentroid must be a float > 0. Got -1 instead./.test((e as Error).message));
  assert.equal(pipe.getParams()['chars__scale'], 1);
});

test('invalid steps are rejected with the reason', () => {
  const cases: [unknown, RegExp][] = [
    [[], /non-empty list/],
    [[['a', new CharCounter()], ['a', new NearestCentroid()]], /unique step names; 'a' appears twice/],
    [[['a__b', new NearestCentroid()]], /must not use '__'/],
    [[['clf', new NearestCentroid()], ['chars', new CharCounter()]], /'clf' \(NearestCentroid\) has no transform\(\)/],
    [[['x', { fit: 1 }]], /step 'x' is not one/],
    [[['steps', new NearestCentroid()]], /must not name a step 'steps'/],
  ];
  for (const [steps, re] of cases) {
    assert.throws(() => new Pipeline(steps as never), (e: unknown) => code('INVALID_PARAM')(e) && (e as CuratorError).field === 'steps' && re.test((e as Error).message), String(re));
  }
});

test('clone clones every step: same params, unfitted, independent', () => {
  const pipe = make().setParams({ clf__temperature: 2 }).fit(TOY_TEXTS, TOY_LABELS);
  const c = pipe.clone();
  assert.equal(c.isFitted, false);
  assert.notEqual(c.namedSteps['clf'], pipe.namedSteps['clf']);
  assert.equal(c.getParams()['clf__temperature'], 2);
  c.setParams({ clf__temperature: 5 });
  assert.equal(pipe.getParams()['clf__temperature'], 2);
});

test('analyze delegates to the first step when it can, else returns the texts', () => {
  const pipe = make();
  const chars = pipe.namedSteps['chars'] as CharCounter;
  assert.deepEqual(pipe.analyze(TOY_TEXTS), TOY_TEXTS);
  assert.equal(chars.analyzeCalls, 1);
  const bare = new Pipeline([['clf', new NearestCentroid()]]);
  assert.equal(bare.analyze(TOY_TEXTS), TOY_TEXTS);
});

test('saved and loaded, a pipeline predicts bit-identically', () => {
  const pipe = make().setParams({ chars__scale: 0.3, clf__temperature: 0.7 }).fit(TOY_TEXTS, TOY_LABELS);
  const bytes = encodeModelState(pipe.toState());
  const loaded = restoreToy(decodeModelState(bytes)) as Pipeline;
  assert.ok(loaded instanceof Pipeline);
  assert.deepEqual(Object.keys(loaded.namedSteps), ['chars', 'clf']);
  assert.deepEqual(loaded.getParams()['chars__scale'], 0.3);
  assert.deepEqual(loaded.predict(TOY_NEW), pipe.predict(TOY_NEW));
  assert.deepEqual(loaded.predictProba(TOY_NEW).data, pipe.predictProba(TOY_NEW).data);
  assert.deepEqual(loaded.decisionFunction(TOY_NEW).data, pipe.decisionFunction(TOY_NEW).data);
  // the state tree is flattened into sections named by the child path
  const names = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + new DataView(bytes.buffer).getUint32(12, true)))).sections.map((s: { name: string }) => s.name);
  assert.deepEqual(names, ['steps.0.alphabet', 'steps.1.centroids']);
});

test('fromState rejects a damaged pipeline state as MODEL_FILE_CORRUPT', () => {
  const state = make().fit(TOY_TEXTS, TOY_LABELS).toState();
  assert.throws(() => Pipeline.fromState({ ...state, meta: { names: ['a'] } }, restoreToy), code('MODEL_FILE_CORRUPT'));
  assert.throws(() => Pipeline.fromState({ ...state, meta: {} }, restoreToy), code('MODEL_FILE_CORRUPT'));
  assert.throws(() => Pipeline.fromState({ ...state, kind: 'X' }, restoreToy), code('MODEL_FILE_CORRUPT'));
});
