import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PredictionLog } from '../../src/lifecycle/index.ts';
import { openStore, sha256Hex } from '../../src/store/index.ts';

it('the prediction log writes in batches: on size, on its interval, on close', async () => {
  const store = await openStore('sqlite::memory:');
  await store.corpus.createTask({ id: 't', labels: ['a', 'b'] });
  const log = new PredictionLog(store, { maxBatch: 10, flushIntervalMs: 30 });
  const row = (i: number) => ({
    ref: `r${i}`, taskId: 't', modelId: null, modelIds: [], userId: null, inputRef: null, output: 'a', probabilities: null, latencyMs: 0.01, createdAt: new Date(),
  });
  for (let i = 0; i < 9; i++) log.append(row(i));
  log.append(row(9), 'the input, hashed when written');
  assert.equal(await store.activity.countPredictions('t'), 0, 'append never writes on the caller’s turn');
  await new Promise((r) => setImmediate(r));
  await log.flush();
  assert.equal(await store.activity.countPredictions('t'), 10);
  assert.equal((await store.activity.recentPredictions('t', 1))[0]!.inputRef, sha256Hex('the input, hashed when written'));
  log.append(row(10));
  assert.ok(log.isPending('r10'));
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(await store.activity.countPredictions('t'), 11, 'flushed by the interval');
  log.append(row(11));
  await log.close();
  assert.equal(await store.activity.countPredictions('t'), 12, 'flushed on close');
  assert.deepEqual({ ...log.stats, lastError: null }, { logged: 12, pending: 0, dropped: 0, failedFlushes: 0, lastError: null });
  await store.close();
});

it('a failed write keeps its predictions for the next attempt', async () => {
  const store = await openStore('sqlite::memory:');
  const log = new PredictionLog(store, { maxBatch: 100, flushIntervalMs: 10_000 });
  log.append({ ref: 'x', taskId: 'missing-task', modelId: null, modelIds: [], userId: null, inputRef: null, output: 'a', probabilities: null, latencyMs: 0, createdAt: new Date() });
  await assert.rejects(log.flush(), /unknown task/);
  assert.equal(log.stats.pending, 1);
  assert.equal(log.stats.failedFlushes, 1);
  await store.corpus.createTask({ id: 'missing-task', labels: ['a', 'b'] });
  await log.close();
  assert.equal(await store.activity.countPredictions('missing-task'), 1);
  await store.close();
});
