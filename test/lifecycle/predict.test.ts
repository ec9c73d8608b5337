import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Curator } from '../../src/lifecycle/index.ts';
import { GLOBAL, sha256Hex } from '../../src/store/index.ts';
import { addLabelled, emails, setup } from './helpers.ts';

describe('predict', () => {
  let curator: Curator;
  const base = emails(200);
  const spamText = emails(40, base).find((r) => r.label === 'spam')!.text;
  let globalId = 0;
  before(async () => {
    curator = await setup({ selection: { floor: 0.5 } });
    await addLabelled(curator, base, 'ana');
    const outcome = await curator.build('spam');
    assert.equal(outcome.status, 'built');
    globalId = outcome.status === 'built' ? outcome.model.id : 0;
  });
  after(() => curator.close());

  it('answers with label, probabilities, model id and the deciding scope, and logs the prediction', async () => {
    const answer = await curator.predict('spam', spamText);
    assert.equal(answer.label, 'spam');
    assert.equal(answer.modelId, globalId);
    assert.deepEqual(answer.modelIds, [globalId]);
    assert.deepEqual(answer.scope, GLOBAL);
    assert.deepEqual(Object.keys(answer.probabilities).sort(), ['ham', 'spam']);
    assert.ok(Math.abs(answer.probabilities['ham']! + answer.probabilities['spam']! - 1) < 1e-9);
    assert.ok(answer.probabilities['spam']! > 0.5);
    await curator.flush();
    const [logged] = await curator.store.activity.recentPredictions('spam', 1);
    assert.equal(logged!.modelId, globalId);
    assert.equal(logged!.output, 'spam');
    assert.equal(logged!.inputRef, sha256Hex(spamText), 'the input is logged as its SHA-256');
    assert.ok(logged!.latencyMs >= 0);
    const fb = await curator.feedback('spam', { predictionId: answer.predictionId, label: 'spam', userId: 'ana' });
    assert.equal(fb.predictionId, logged!.id);
  });

  it('feedback right after predict finds the prediction still waiting in the log buffer', async () => {
    const answer = await curator.predict('spam', spamText, { userId: 'bob' });
    const fb = await curator.feedback('spam', { predictionId: answer.predictionId, label: 'ham' });
    assert.equal(fb.label, 'ham');
  });

  it('a user with enough labels gets a user-scope model that is selected for them, others keep the global one', async () => {
    const skipped = await curator.build('spam', { scope: { kind: 'user', userId: 'bob' } });
    assert.equal(skipped.status, 'skipped', 'bob has no labels yet');
    assert.match(skipped.status === 'skipped' ? skipped.reason : '', /no resolved label/);
    await addLabelled(curator, emails(60, base), 'bob');
    assert.deepEqual(await curator.eligibleScopes('spam'), [{ kind: 'user', userId: 'ana' }, { kind: 'user', userId: 'bob' }]);
    const outcome = await curator.build('spam', { scope: { kind: 'user', userId: 'bob' } });
    assert.equal(outcome.status, 'built');
    if (outcome.status !== 'built') return;
    assert.equal(outcome.promoted, true);
    assert.equal(outcome.snapshot.size, 60, "trained on bob's labels only");
    const bob = await curator.predict('spam', spamText, { userId: 'bob' });
    assert.deepEqual(bob.scope, { kind: 'user', userId: 'bob' });
    assert.equal(bob.modelId, outcome.model.id);
    const ana = await curator.predict('spam', spamText, { userId: 'ana' });
    assert.deepEqual(ana.scope, GLOBAL);
    await curator.flush();
    const [logged] = await curator.store.activity.recentPredictions('spam', 2);
    assert.ok([bob.modelId, ana.modelId].includes(logged!.modelId!));
  });

  it('no prediction fails while a promotion swaps the model', async () => {
    await addLabelled(curator, emails(30, [...base, ...emails(60, base)]), 'ana');
    const answers: Promise<unknown>[] = [];
    let building = true;
    const build = curator.build('spam', { scope: GLOBAL }).finally(() => (building = false));
    const fire = async (): Promise<void> => {
      while (building) {
        answers.push(curator.predict('spam', spamText));
        await new Promise((r) => setImmediate(r));
      }
      for (let i = 0; i < 20; i++) answers.push(curator.predict('spam', spamText));
    };
    await Promise.all([build, fire()]);
    const results = await Promise.allSettled(answers);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 0);
  });
});

describe('ensemble selection', () => {
  it('blends the available scopes by validated score and names every model', async () => {
    const curator = await setup({ selection: { policy: 'ensemble' } });
    try {
      const base = emails(160);
      await addLabelled(curator, base, 'ana');
      await addLabelled(curator, emails(50, base), 'eve');
      const g = await curator.build('spam');
      const e = await curator.build('spam', { scope: { kind: 'group', groupId: 'experts' } });
      assert.equal(g.status, 'built');
      assert.equal(e.status, 'built');
      if (g.status !== 'built' || e.status !== 'built') return;
      const answer = await curator.predict('spam', base.find((r) => r.label === 'spam')!.text, { userId: 'eve' });
      assert.equal(answer.policy, 'ensemble');
      assert.deepEqual([...answer.modelIds].sort(), [g.model.id, e.model.id].sort());
      assert.ok(answer.modelIds.includes(answer.modelId));
      assert.ok(Math.abs(answer.probabilities['ham']! + answer.probabilities['spam']! - 1) < 1e-9);
      const alone = await curator.predict('spam', 'hello', { userId: 'bob' });
      assert.deepEqual(alone.modelIds, [g.model.id], 'bob is in no group: the global model alone');
    } finally {
      await curator.close();
    }
  });
});
