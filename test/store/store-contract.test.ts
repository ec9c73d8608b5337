import assert from 'node:assert/strict';
import { it } from 'node:test';
import { GLOBAL, migrate, openStore } from '../../src/store/index.ts';
import { rejectsWith } from './assertions.ts';
import { forEachBackend } from './backends.ts';

forEachBackend('store', (ctx) => {
  it('applies migrations on open and finds nothing left to apply afterwards', async (t) => {
    if (!ctx.backend.persistent) return t.skip('a :memory: database cannot be reopened');
    const report = await migrate(ctx.opened.url, ctx.opened.options);
    assert.deepEqual(report.applied, []);
  });

  it('stores tasks, users, groups and memberships, with exact times and JSON', async () => {
    const { corpus } = ctx.store;
    const id = ctx.unique('task');
    const createdAt = new Date('2003-04-05T06:07:08.009Z');
    const task = await corpus.createTask({ id, labels: ['ham', 'spam'], config: { triggers: [{ growth: 100 }], nested: { a: [1.5, null] } }, createdAt });
    assert.deepEqual(await corpus.getTask(id), task);
    assert.equal(task.createdAt.toISOString(), createdAt.toISOString());
    assert.deepEqual(task.config, { triggers: [{ growth: 100 }], nested: { a: [1.5, null] } });
    await rejectsWith(corpus.createTask({ id, labels: ['x'] }), 'ALREADY_EXISTS', 'id');

    const ana = ctx.unique('ana');
    const experts = ctx.unique('experts');
    await corpus.createUser(ana, 'Ana');
    await corpus.createGroup(experts, { expert: true });
    await corpus.addMember(ana, experts);
    await rejectsWith(corpus.addMember(ana, experts), 'ALREADY_EXISTS');
    await rejectsWith(corpus.addMember(ctx.unique('ghost'), experts), 'INVALID_REFERENCE');
    const groups = await corpus.groupsOf(ana);
    assert.deepEqual(groups.map((g) => [g.id, g.expert]), [[experts, true]]);
    assert.ok((await corpus.expertUserIds()).includes(ana));
  });

  it('keeps only a hash of API tokens', async () => {
    const { corpus } = ctx.store;
    const user = ctx.unique('user');
    await corpus.createUser(user);
    const raw = `cur_${ctx.unique('secret')}`;
    const token = await corpus.createToken({ userId: user, token: raw, role: 'trainer' });
    assert.equal((await corpus.findToken(raw))?.id, token.id);
    assert.equal(await corpus.findToken(`${raw}x`), undefined);
    assert.ok(!JSON.stringify(token).includes(raw));
    await rejectsWith(corpus.createToken({ userId: user, token: raw, role: 'trainer' }), 'ALREADY_EXISTS');
    await rejectsWith(corpus.createToken({ userId: ctx.unique('ghost'), token: 'x', role: 'reader' }), 'INVALID_REFERENCE');
  });

  it('keeps one annotation per document and user (a second label replaces the first)', async () => {
    const { corpus } = ctx.store;
    const task = ctx.unique('task');
    const user = ctx.unique('user');
    await corpus.createTask({ id: task, labels: ['a', 'b'] });
    await corpus.createUser(user);
    const [doc] = await corpus.addDocuments(task, [{ content: 'hello', metadata: { source: 'test' } }]);
    assert.equal(doc!.metadata.source, 'test');
    await corpus.annotate({ documentId: doc!.id, userId: user, label: 'a', at: new Date(1000) });
    const second = await corpus.annotate({ documentId: doc!.id, userId: user, label: 'b', at: new Date(2000) });
    assert.equal(second.label, 'b');
    assert.equal(second.createdAt.getTime(), 1000);
    assert.equal(second.updatedAt.getTime(), 2000);
    const all = await corpus.taskAnnotations(task);
    assert.deepEqual(all.map((a) => a.label), ['b']);
    await rejectsWith(corpus.annotate({ documentId: doc!.id + 10_000, userId: user, label: 'a' }), 'INVALID_REFERENCE');
    await rejectsWith(corpus.addDocuments(ctx.unique('nope'), [{ content: 'x' }]), 'INVALID_REFERENCE');
  });

  it('rolls a transaction back completely when its callback throws', async () => {
    const id = ctx.unique('task');
    await assert.rejects(
      ctx.store.transaction(async (tx) => {
        await tx.corpus.createTask({ id, labels: ['a'] });
        await tx.corpus.addDocuments(id, [{ content: 'one' }, { content: 'two' }]);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await ctx.store.corpus.getTask(id), undefined);
  });

  it('round-trips blob bytes exactly, as a Uint8Array', async () => {
    const task = ctx.unique('task');
    await ctx.store.corpus.createTask({ id: task, labels: ['a'] });
    const bytes = new Uint8Array(1 << 20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    const model = await ctx.store.models.insert({
      taskId: task, scope: GLOBAL, estimator: 'X', hyperparameters: {}, buildTimeMs: 1, score: null, scoreMetric: null,
      formatVersion: 1, blobSha256: 'h', blobBlake3: null, blobSize: bytes.length, snapshotId: null, jobId: null, parentId: null,
      status: 'candidate', createdBy: null, createdAt: new Date(),
    });
    await ctx.store.models.putBlob(model.id, bytes);
    const back = await ctx.store.models.getBlob(model.id);
    assert.ok(back instanceof Uint8Array);
    assert.equal(back.constructor, Uint8Array);
    assert.ok(Buffer.from(back).equals(Buffer.from(bytes)));
    await rejectsWith(ctx.store.models.putBlob(model.id, bytes), 'ALREADY_EXISTS');
    await rejectsWith(ctx.store.models.putBlob(model.id + 10_000, bytes), 'INVALID_REFERENCE');
  });

  it('reads a model row and its blob together: the same row as get, every byte once in order, nothing for unknown ids', async () => {
    const task = ctx.unique('task');
    await ctx.store.corpus.createTask({ id: task, labels: ['a'] });
    const bytes = new Uint8Array((3 << 20) + 5);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    const insert = (blobSize: number) =>
      ctx.store.models.insert({
        taskId: task, scope: { kind: 'user', userId: 'ana' }, estimator: 'X', hyperparameters: { C: 0.5, nested: [1, null] }, buildTimeMs: 12, score: 0.75,
        scoreMetric: 'f1', formatVersion: 3, blobSha256: `h${blobSize}`, blobBlake3: 'b'.repeat(64), blobSize, snapshotId: null, jobId: null, parentId: null,
        status: 'candidate', createdBy: 'ana', createdAt: new Date('2026-01-02T03:04:05.678Z'),
      });
    const model = await insert(bytes.length);
    await ctx.store.models.putBlob(model.id, bytes);
    const pieces: Uint8Array[] = [];
    const got = await ctx.store.models.getWithBlob(model.id, { onBytes: (chunk) => pieces.push(chunk.slice()) });
    assert.ok(got !== undefined);
    assert.deepEqual(got.model, await ctx.store.models.get(model.id));
    assert.ok(got.blob instanceof Uint8Array && Buffer.from(got.blob).equals(Buffer.from(bytes)));
    assert.ok(Buffer.concat(pieces).equals(Buffer.from(bytes)), 'onBytes saw every byte once, in order');

    // A model without a blob (retention deleted it) and an unknown id are told apart.
    const bare = await insert(7);
    assert.deepEqual(await ctx.store.models.getWithBlob(bare.id), { model: await ctx.store.models.get(bare.id), blob: undefined });
    assert.equal(await ctx.store.models.getWithBlob(model.id + 10_000), undefined);
    // Inside a transaction it reads the same (the ordinary queries, on the transaction's connection).
    const inTx = await ctx.store.transaction((tx) => tx.models.getWithBlob(model.id));
    assert.deepEqual(inTx?.model, got.model);
    assert.ok(inTx?.blob !== undefined && Buffer.from(inTx.blob).equals(Buffer.from(bytes)));
  });

  it('logs predictions in multi-row batches inside one transaction, all or nothing', async () => {
    const task = ctx.unique('task');
    await ctx.store.corpus.createTask({ id: task, labels: ['ham', 'spam'] });
    const rows = Array.from({ length: 2_345 }, (_, i) => ({
      taskId: task, modelId: null, modelIds: [], userId: i % 2 ? 'u1' : null, inputRef: `doc-${i}`,
      output: i % 3 ? 'ham' : 'spam', probabilities: { ham: 0.25, spam: 0.75 }, latencyMs: 0.5, createdAt: new Date(1_000_000 + i),
    }));
    await ctx.store.transaction((tx) => tx.activity.logPredictions(rows));
    assert.equal(await ctx.store.activity.countPredictions(task), rows.length);
    const [latest] = await ctx.store.activity.recentPredictions(task, 1);
    assert.equal(latest!.inputRef, 'doc-2344');
    assert.deepEqual(latest!.probabilities, { ham: 0.25, spam: 0.75 });

    const broken = [...rows.slice(0, 600), { ...rows[0]!, modelId: 987_654_321 }];
    await rejectsWith(ctx.store.transaction((tx) => tx.activity.logPredictions(broken)), 'INVALID_REFERENCE');
    assert.equal(await ctx.store.activity.countPredictions(task), rows.length);
  });

  it('logs referenced predictions in 64-row statements: every row and field lands, a bad row or a reused reference leaves the batch out', async () => {
    const task = ctx.unique('task');
    await ctx.store.corpus.createTask({ id: task, labels: ['ham', 'spam'] });
    // 150 rows: two full statements and a 22-row remainder, so both compiled shapes run.
    const rows = Array.from({ length: 150 }, (_, i) => ({
      ref: `${task}-ref-${i}`, taskId: task, modelId: null, modelIds: [], userId: i % 2 ? 'u1' : null, inputRef: `sha-${i}`,
      output: i % 3 ? 'ham' : 'spam', probabilities: i === 149 ? null : { ham: i / 1000, spam: 1 - i / 1000 }, latencyMs: i / 100, createdAt: new Date(2_000_000 + i),
    }));
    await ctx.store.transaction((tx) => tx.lifecycle.logPredictions(rows));
    await ctx.store.transaction((tx) => tx.lifecycle.logPredictions(rows.slice(0, 0)));
    assert.equal(await ctx.store.activity.countPredictions(task), 150);
    const logged = (await ctx.store.activity.recentPredictions(task, 150)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    assert.deepEqual(
      logged.map((p) => [p.userId, p.inputRef, p.output, p.probabilities, p.latencyMs, p.createdAt.getTime()]),
      rows.map((r) => [r.userId, r.inputRef, r.output, r.probabilities, r.latencyMs, r.createdAt.getTime()]),
    );
    const byRef = await ctx.store.lifecycle.predictionByRef(`${task}-ref-100`);
    assert.deepEqual([byRef?.ref, byRef?.output, byRef?.taskId], [`${task}-ref-100`, 'ham', task]);

    const fresh = rows.map((r) => ({ ...r, ref: `${r.ref}-again` }));
    const broken = fresh.map((r, i) => (i === 100 ? { ...r, modelId: 987_654_321 } : r));
    await rejectsWith(ctx.store.transaction((tx) => tx.lifecycle.logPredictions(broken)), 'INVALID_REFERENCE');
    await rejectsWith(ctx.store.transaction((tx) => tx.lifecycle.logPredictions([...fresh.slice(0, 70), rows[3]!])), 'ALREADY_EXISTS');
    assert.equal(await ctx.store.activity.countPredictions(task), 150);
  });

  it('stores feedback, monitor windows, jobs and trigger events', async () => {
    const { activity, corpus } = ctx.store;
    const task = ctx.unique('task');
    await corpus.createTask({ id: task, labels: ['a', 'b'] });
    await activity.logPredictions([
      { taskId: task, modelId: null, modelIds: [], userId: null, inputRef: null, output: 'a', probabilities: null, latencyMs: 1, createdAt: new Date(5) },
    ]);
    const [p] = await activity.recentPredictions(task, 1);
    const fb = await activity.addFeedback({ predictionId: p!.id, label: 'b', userId: 'u', createdAt: new Date(6) });
    assert.equal(fb.predictionId, p!.id);
    await rejectsWith(activity.addFeedback({ predictionId: p!.id + 10_000, label: 'b', userId: null, createdAt: new Date() }), 'INVALID_REFERENCE', 'predictionId');

    const job = await activity.createJob({ taskId: task, scope: { kind: 'user', userId: 'u' }, params: { grid: [1, 2] } });
    assert.equal(job.status, 'queued');
    await activity.updateJob(job.id, { status: 'running', progress: 0.5, startedAt: new Date(10) });
    await rejectsWith(activity.updateJob(job.id, { status: 'exploded' as never }), 'INVALID_ARGUMENT', 'status');
    const running = await activity.getJob(job.id);
    assert.deepEqual([running!.status, running!.progress, running!.startedAt?.getTime(), running!.scope], ['running', 0.5, 10, { kind: 'user', userId: 'u' }]);

    const ev = await activity.addTriggerEvent({ taskId: task, scope: GLOBAL, rule: 'growth', reason: '+100 labels', jobId: job.id, createdAt: new Date(11) });
    assert.deepEqual((await activity.triggerEvents(task)).map((e) => e.id), [ev.id]);
    await rejectsWith(activity.addTriggerEvent({ taskId: task, scope: GLOBAL, rule: 'r', reason: 'x', jobId: job.id + 10_000, createdAt: new Date() }), 'INVALID_REFERENCE');
  });
});

it('rejects a URL with an unknown scheme', async () => {
  await rejectsWith(openStore('mysql://localhost/x'), 'INVALID_ARGUMENT', 'url');
  await rejectsWith(openStore('sqlite:'), 'INVALID_ARGUMENT', 'url');
});
