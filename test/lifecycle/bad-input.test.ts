import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Curator } from '../../src/lifecycle/index.ts';
import { CuratorError } from '../../src/ml/errors.ts';
import { addLabelled, emails, QUICK, setup } from './helpers.ts';

const fails = (code: string, field: RegExp | string, message: RegExp) => (e: unknown) => {
  assert.ok(e instanceof CuratorError, String(e));
  assert.equal(e.code, code, e.message);
  if (typeof field === 'string') assert.equal(e.field, field);
  else assert.match(e.field ?? '', field);
  assert.match(e.message, message);
  return true;
};

describe('bad input: coded errors, nothing stored changes', () => {
  let curator: Curator;
  let docId = 0;
  before(async () => {
    curator = await setup();
    [docId] = await addLabelled(curator, emails(30), 'ana');
  });
  after(() => curator.close());

  const annotationCount = async (): Promise<number> => (await curator.store.corpus.taskAnnotations('spam')).length;

  it('unknown task', async () => {
    await assert.rejects(curator.addDocuments('nope', [{ content: 'x' }]), fails('NOT_FOUND', 'taskId', /no task 'nope'/));
    await assert.rejects(curator.predict('nope', 'x'), fails('NOT_FOUND', 'taskId', /no task 'nope'/));
    await assert.rejects(curator.build('nope'), fails('NOT_FOUND', 'taskId', /no task 'nope'/));
  });

  it('unknown label, unknown user, unknown or foreign document: no annotation stored, even for the valid ones of a batch', async () => {
    const n = await annotationCount();
    await assert.rejects(curator.annotate('spam', { documentId: docId, userId: 'bob', label: 'eggs' }), fails('UNKNOWN_LABEL', 'label', /"eggs" is not a label of task 'spam'/));
    await assert.rejects(curator.annotate('spam', { documentId: docId, userId: 'mallory', label: 'spam' }), fails('INVALID_REFERENCE', 'userId', /no user 'mallory'/));
    await assert.rejects(curator.annotate('spam', { documentId: 999999, userId: 'bob', label: 'spam' }), fails('NOT_FOUND', 'documentId', /no document 999999/));
    await assert.rejects(
      curator.annotateMany('spam', [{ documentId: docId, userId: 'bob', label: 'spam' }, { documentId: docId, userId: 'mallory', label: 'ham' }]),
      fails('INVALID_REFERENCE', 'userId', /mallory/),
    );
    await curator.createTask({ id: 'other', labels: ['a', 'b'], candidates: QUICK });
    const [foreign] = await curator.addDocuments('other', [{ content: 'elsewhere' }]);
    await assert.rejects(curator.annotate('spam', { documentId: foreign!.id, userId: 'bob', label: 'spam' }), fails('INVALID_REFERENCE', 'documentId', /belongs to task 'other'/));
    assert.equal(await annotationCount(), n);
  });

  it('documents without text, or by an unknown author: none of the batch is stored', async () => {
    const before = (await curator.store.corpus.taskAnnotations('spam')).length;
    await assert.rejects(curator.addDocuments('spam', [{ content: 'ok' }, { content: '' }]), fails('INVALID_ARGUMENT', 'docs[1].content', /non-empty string/));
    await assert.rejects(curator.addDocuments('spam', [{ content: 'ok', externalId: 'fresh-1' }, { content: 'x', authorId: 'mallory' }]), fails('INVALID_REFERENCE', /.*/, /mallory/));
    const [d] = await curator.addDocuments('spam', [{ content: 'ok', externalId: 'fresh-1' }]);
    assert.ok(d!.id > 0, 'the rolled-back external id is free again');
    assert.equal((await curator.store.corpus.taskAnnotations('spam')).length, before);
  });

  it('feedback for an unknown prediction, with an unknown label or by an unknown user', async () => {
    await assert.rejects(curator.feedback('spam', { predictionId: 'no-such-id', label: 'spam' }), fails('NOT_FOUND', 'predictionId', /no prediction "no-such-id"/));
    await assert.rejects(curator.feedback('spam', { predictionId: 'x', label: 'eggs' }), fails('UNKNOWN_LABEL', 'label', /eggs/));
    await assert.rejects(curator.feedback('spam', { predictionId: 'x', label: 'spam', userId: 'mallory' }), fails('INVALID_REFERENCE', 'userId', /mallory/));
  });

  it('predict before any model, for an unknown user; build for an unknown user or group', async () => {
    await assert.rejects(curator.predict('spam', 'hello'), fails('INVALID_STATE', 'taskId', /no active model yet/));
    await assert.rejects(curator.build('spam', { scope: { kind: 'user', userId: 'mallory' } }), fails('INVALID_REFERENCE', 'scope.userId', /no user 'mallory'/));
    await assert.rejects(curator.build('spam', { scope: { kind: 'group', groupId: 'cabal' } }), fails('INVALID_REFERENCE', 'scope.groupId', /no group 'cabal'/));
    await curator.build('spam');
    await assert.rejects(curator.predict('spam', 'hello', { userId: 'mallory' }), fails('INVALID_REFERENCE', 'userId', /no user "mallory"/));
  });

  it('task definitions with nonsense settings are refused before anything is stored', async () => {
    const cases: [Record<string, unknown>, string | RegExp, RegExp, string?][] = [
      [{ labels: ['only'] }, 'labels', /at least two labels/],
      [{ cv: { folds: 1 } }, 'cv.folds', /integer ≥ 2/],
      [{ primaryMetric: 'roc_auc' }, 'primaryMetric', /one of accuracy/],
      [{ selection: { policy: 'random' } }, 'selection.policy', /'fallback' or 'ensemble'/],
      [{ promotion: { margin: -1 } }, 'promotion.margin', /number in \[0, 1\]/],
      [{ candidates: [{ name: 'x', estimator: 'RandomForest' }] }, 'candidates[0].estimator', /one of MultinomialNB/],
      [{ candidates: [{ name: 'x', estimator: 'LinearSVC', params: { C: -1 } }] }, /candidates\[0\]/, /'C' parameter of LinearSVC/, 'INVALID_PARAM'],
      [{ candidates: [{ name: 'x', estimator: 'LinearSVC', grid: { C: [1] } }] }, 'candidates[0].grid', /'clf__<param>'/],
      [{ triggers: [{ kind: 'growth' }] }, 'triggers[0]', /labels \(N new labels\) or percent/],
      [{ triggers: [{ kind: 'growth', labels: 0 }] }, 'triggers[0].labels', /integer ≥ 1/],
      [{ triggers: [{ kind: 'schedule', everyMs: 5 }] }, 'triggers[0].everyMs', /integer ≥ 1000/],
      [{ triggers: [{ kind: 'decay', scopes: ['planet'] }] }, 'triggers[0].scopes', /'global', 'group', 'user'/],
      [{ triggers: [{ kind: 'whim' }] }, 'triggers[0].kind', /'growth', 'schedule', 'decay' or 'manual'/],
    ];
    for (const [patch, field, message, code] of cases) {
      await assert.rejects(curator.createTask({ id: 'bad', labels: ['a', 'b'], ...patch } as never), fails(code ?? 'INVALID_ARGUMENT', field, message));
    }
    await assert.rejects(curator.task('bad'), fails('NOT_FOUND', 'taskId', /no task 'bad'/));
    await assert.rejects(curator.createTask({ id: 'spam', labels: ['ham', 'spam'] }), fails('ALREADY_EXISTS', 'id', /already exists/));
  });

  it('defaults: ten candidates, 12 stratified folds seeded, F1 macro, growth and manual triggers', async () => {
    await curator.createTask({ id: 'defaults', labels: ['ham', 'spam'] });
    const { config } = await curator.task('defaults');
    assert.equal(config.candidates.length, 10);
    assert.deepEqual(config.cv, { folds: 12, seed: 42 });
    assert.equal(config.primaryMetric, 'f1_macro');
    assert.deepEqual(config.selection, { policy: 'fallback', floor: null });
    assert.deepEqual(config.triggers.map((t) => t.kind), ['growth', 'manual']);
  });
});
