import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emails } from '../lifecycle/helpers.ts';
import { startWithModel, type TestServer } from './helpers.ts';

/** Happy paths of tasks, documents, annotations, predictions and feedback, answers checked against their schemas. */

let s: TestServer & { docIds: number[] };

before(async () => {
  s = await startWithModel();
});

after(async () => {
  await s?.close();
});

describe('tasks', () => {
  it('an editor creates a task with settings; anyone lists it and reads its detail', async () => {
    const created = await s.call('POST', '/v1/tasks', s.tokens.editor, {
      id: 'topics', labels: ['a', 'b', 'c'], name: 'Topics', config: { cv: { folds: 3 }, triggers: [{ kind: 'manual' }], selection: { policy: 'ensemble' } },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().description, 'Topics');
    const list = await s.call('GET', '/v1/tasks', s.tokens.ana);
    assert.deepEqual((list.json() as { items: { id: string }[] }).items.map((t) => t.id), ['spam', 'topics']);
    const detail = await s.call('GET', '/v1/tasks/topics', s.tokens.ana);
    assert.equal(detail.statusCode, 200, detail.body);
    const d = detail.json() as { config: { cv: { folds: number }; selection: { policy: string }; candidates: unknown[] }; corpus: { documents: number }; active: unknown[] };
    assert.equal(d.config.cv.folds, 3);
    assert.equal(d.config.selection.policy, 'ensemble');
    assert.equal(d.config.candidates.length, 10, 'default candidates filled in');
    assert.deepEqual([d.corpus.documents, d.active.length], [0, 0]);
  });

  it("the spam task's detail names its corpus size and active global model", async () => {
    const d = (await s.call('GET', '/v1/tasks/spam', s.tokens.ana)).json() as { corpus: { documents: number }; active: { scope: { kind: string }; model: { status: string; createdAt: string } }[] };
    assert.equal(d.corpus.documents, 12);
    assert.equal(d.active.length, 1);
    assert.equal(d.active[0]!.scope.kind, 'global');
    assert.equal(d.active[0]!.model.status, 'active');
    assert.ok(!Number.isNaN(Date.parse(d.active[0]!.model.createdAt)), 'times are ISO strings');
  });
});

describe('documents and annotations', () => {
  it('a user adds documents (author = self), labels them, and lists only their own with their label', async () => {
    const records = emails(3, emails(12));
    const added = await s.call('POST', '/v1/tasks/spam/documents', s.tokens.ana, { documents: records.map((r, i) => ({ content: r.text, externalId: `ana-${i}`, metadata: { i } })) });
    assert.equal(added.statusCode, 201, added.body);
    const docs = (added.json() as { items: { id: number; authorId: string; externalId: string; metadata: { i: number } }[] }).items;
    assert.deepEqual(docs.map((d) => [d.authorId, d.externalId, d.metadata.i]), [['ana', 'ana-0', 0], ['ana', 'ana-1', 1], ['ana', 'ana-2', 2]]);
    const ann = await s.call('POST', '/v1/tasks/spam/annotations', s.tokens.ana, { documentId: docs[1]!.id, label: 'spam' });
    assert.equal(ann.statusCode, 201, ann.body);
    assert.deepEqual([ann.json().userId, ann.json().label], ['ana', 'spam']);
    const again = await s.call('POST', '/v1/tasks/spam/annotations', s.tokens.ana, { documentId: docs[1]!.id, label: 'ham' });
    assert.equal(again.json().label, 'ham', 'a second label by the same user replaces the first');

    const page1 = await s.call('GET', '/v1/tasks/spam/documents?limit=2', s.tokens.ana);
    assert.equal(page1.statusCode, 200, page1.body);
    const p1 = page1.json() as { items: { id: number; authorId: string; annotation: { label: string } | null }[]; nextCursor: string | null };
    assert.deepEqual(p1.items.map((d) => d.id), [docs[2]!.id, docs[1]!.id], 'newest first');
    assert.equal(p1.items[1]!.annotation?.label, 'ham');
    assert.equal(p1.items[0]!.annotation, null);
    assert.ok(p1.nextCursor !== null);
    const page2 = (await s.call('GET', `/v1/tasks/spam/documents?limit=2&cursor=${p1.nextCursor}`, s.tokens.ana)).json() as { items: { id: number }[]; nextCursor: string | null };
    assert.deepEqual(page2.items.map((d) => d.id), [docs[0]!.id]);
    assert.equal(page2.nextCursor, null);
  });

  it('staff list every document, or one author', async () => {
    const all = (await s.call('GET', '/v1/tasks/spam/documents?limit=500', s.tokens.editor)).json() as { items: { authorId: string }[] };
    assert.equal(all.items.length, 15);
    const root = (await s.call('GET', '/v1/tasks/spam/documents?limit=500&authorId=root', s.tokens.editor)).json() as { items: { authorId: string }[] };
    assert.equal(root.items.length, 12);
    assert.ok(root.items.every((d) => d.authorId === 'root'));
  });

  it('staff label any document for another user', async () => {
    const res = await s.call('POST', '/v1/tasks/spam/annotations', s.tokens.editor, { documentId: s.docIds[0], label: 'spam', userId: 'bob' });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().userId, 'bob');
  });
});

describe('predictions and feedback', () => {
  it("predicts as the token's user, logs it, lists own predictions, and takes feedback on them", async () => {
    const text = emails(1, emails(20))[0]!.text;
    const res = await s.call('POST', '/v1/tasks/spam/predict', s.tokens.ana, { text });
    assert.equal(res.statusCode, 200, res.body);
    const a = res.json() as { predictionId: string; label: string; probabilities: Record<string, number>; modelIds: number[]; scope: { kind: string }; policy: string; latencyMs: number };
    assert.ok(['ham', 'spam'].includes(a.label));
    assert.ok(Math.abs(a.probabilities['ham']! + a.probabilities['spam']! - 1) < 1e-9);
    assert.deepEqual([a.scope.kind, a.policy, a.modelIds.length], ['global', 'fallback', 1]);
    const other = await s.call('POST', '/v1/tasks/spam/predict', s.tokens.bob, { text });
    assert.equal(other.statusCode, 200);

    const mine = (await s.call('GET', '/v1/tasks/spam/predictions', s.tokens.ana)).json() as { items: { predictionId: string; userId: string; output: string; createdAt: string }[] };
    assert.deepEqual(mine.items.map((p) => [p.predictionId, p.userId, p.output]), [[a.predictionId, 'ana', a.label]]);
    const all = (await s.call('GET', '/v1/tasks/spam/predictions', s.tokens.editor)).json() as { items: unknown[] };
    assert.equal(all.items.length, 2);
    const bobs = (await s.call('GET', '/v1/tasks/spam/predictions?userId=bob', s.tokens.editor)).json() as { items: { userId: string }[] };
    assert.deepEqual(bobs.items.map((p) => p.userId), ['bob']);

    const fb = await s.call('POST', '/v1/tasks/spam/feedback', s.tokens.ana, { predictionId: a.predictionId, label: 'spam' });
    assert.equal(fb.statusCode, 201, fb.body);
    assert.deepEqual([fb.json().label, fb.json().userId], ['spam', 'ana']);
  });

  it('feedback on a prediction still in the log buffer is found (the route flushes on a miss)', async () => {
    const res = await s.call('POST', '/v1/tasks/spam/predict', s.tokens.bob, { text: 'WIN A FREE CRUISE, reply now' });
    const id = (res.json() as { predictionId: string }).predictionId;
    const fb = await s.call('POST', '/v1/tasks/spam/feedback', s.tokens.bob, { predictionId: id, label: 'spam' });
    assert.equal(fb.statusCode, 201, fb.body);
  });

  it('a task without a model answers 409 naming the state', async () => {
    const res = await s.call('POST', '/v1/tasks/topics/predict', s.tokens.ana, { text: 'hello' });
    assert.equal(res.statusCode, 409, res.body);
    assert.match(res.json().error.message, /no active model yet/);
  });
});
