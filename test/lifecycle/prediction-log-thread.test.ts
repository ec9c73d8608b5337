import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createCurator, PredictionLog } from '../../src/lifecycle/index.ts';
import { addLabelled, emails, QUICK } from './helpers.ts';
import { openStore, sha256Hex } from '../../src/store/index.ts';

const row = (i: number, taskId = 't') => ({
  ref: `r${i}`, taskId, modelId: null, modelIds: [], userId: null, inputRef: null, output: 'a', probabilities: { a: 0.75, b: 0.25 }, latencyMs: 0.01, createdAt: new Date(1_700_000_000_000 + i),
});

it('with a URL the prediction log commits on its writer thread; flush resolves once the rows are readable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curator-log-thread-'));
  const url = `sqlite:${join(dir, 'log.db')}`;
  const store = await openStore(url);
  try {
    await store.corpus.createTask({ id: 't', labels: ['a', 'b'] });
    const log = new PredictionLog(store, { url, maxBatch: 50, flushIntervalMs: 10_000 });
    for (let i = 0; i < 119; i++) log.append(row(i));
    log.append(row(119), 'Ünïcode input € 🙂');
    await log.flush();
    assert.equal(await store.activity.countPredictions('t'), 120);
    const [last] = await store.activity.recentPredictions('t', 1);
    assert.equal(last!.inputRef, sha256Hex('Ünïcode input € 🙂'), 'the writer thread hashes the input');
    const r = await store.lifecycle.predictionByRef('r7');
    assert.equal(r?.output, 'a');
    // A refused batch (unknown task) keeps its rows and reports the store's coded error.
    log.append(row(500, 'missing'));
    await assert.rejects(log.flush(), (e: Error & { code?: string }) => e.code === 'INVALID_REFERENCE' && /unknown task/.test(e.message));
    assert.equal(log.stats.pending, 1);
    assert.equal(log.stats.failedFlushes, 1);
    await store.corpus.createTask({ id: 'missing', labels: ['a', 'b'] });
    log.append(row(501));
    await log.close();
    assert.equal(await store.activity.countPredictions('missing'), 1);
    assert.equal(await store.activity.countPredictions('t'), 121);
    assert.equal(log.stats.logged, 122);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('a curator on a SQLite file logs through its writer thread: feedback right after predict finds the row, close writes the rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curator-log-thread-'));
  const url = `sqlite:${join(dir, 'curator.db')}`;
  const curator = await createCurator({ store: url, predictionLog: { flushIntervalMs: 10_000 } });
  try {
    await curator.addUser('ana');
    await curator.createTask({ id: 'spam', labels: ['ham', 'spam'], candidates: QUICK.slice(0, 1), cv: { folds: 2 }, minLabels: { global: 20, user: 40, group: 40 } });
    const records = emails(40);
    await addLabelled(curator, records, 'ana');
    assert.equal((await curator.build('spam', { actor: 'ana' })).status, 'built');
    const answer = await curator.predict('spam', records[0]!.text, { userId: 'ana' });
    const fb = await curator.feedback('spam', { predictionId: answer.predictionId, label: 'spam', userId: 'ana' });
    assert.equal(fb.label, 'spam');
    const [logged] = await curator.store.activity.recentPredictions('spam', 1);
    assert.equal(logged!.inputRef, sha256Hex(records[0]!.text));
    for (let i = 1; i < 5; i++) await curator.predict('spam', records[i]!.text, { userId: 'ana' });
    assert.equal(curator.predictionLogStats.pending, 4);
  } finally {
    await curator.close();
  }
  const store = await openStore(url);
  assert.equal(await store.activity.countPredictions('spam'), 5, 'close wrote the buffered predictions');
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('appends past maxBatch while a commit runs share the queued write, and none is lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curator-log-thread-'));
  const url = `sqlite:${join(dir, 'log.db')}`;
  const store = await openStore(url);
  try {
    await store.corpus.createTask({ id: 't', labels: ['a', 'b'] });
    const log = new PredictionLog(store, { url, maxBatch: 10, flushIntervalMs: 10_000 });
    for (let i = 0; i < 10; i++) log.append(row(i));
    const first = log.flush();
    await new Promise((r) => setImmediate(r)); // the first batch is now on the writer thread
    assert.equal(log.stats.pending, 0);
    const flushes: Promise<void>[] = [];
    for (let i = 10; i < 95; i++) {
      log.append(row(i));
      if (i % 10 === 9) flushes.push(log.flush());
    }
    // Every flush while the first commit runs is the one queued write, which will take all 85 rows.
    assert.equal(new Set(flushes).size, 1);
    assert.notEqual(flushes[0], first);
    assert.equal(log.stats.pending, 85);
    flushes.push(first);
    await Promise.all(flushes);
    assert.equal(await store.activity.countPredictions('t'), 95);
    assert.deepEqual({ ...log.stats, lastError: null }, { logged: 95, pending: 0, dropped: 0, failedFlushes: 0, lastError: null });
    await log.close();
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
