import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { cli, inParallel, tableCounts, tempDb } from './helpers.ts';

describe('curator demo and worker', () => {
  const t = tempDb();
  const db = ['--db', t.db];
  after(() => t.done());

  it('demo loads a subset of the SpamAssassin corpus labelled by ana (expert) and builds the first model', async () => {
    const r = await cli(['demo', '--subset', '48', '--folds', '3', '--json', ...db]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.loaded.documents, 48);
    assert.equal(out.loaded.labels.ham + out.loaded.labels.spam, 48);
    assert.ok(out.loaded.labels.spam > 0 && out.loaded.labels.ham > 0);
    assert.equal(out.build.status, 'built');
    assert.equal(out.build.promoted, true);
    assert.equal(out.build.candidates.length, 10);
    assert.match(r.stderr, /demo 100% \(48\/48\) emails/);
    const counts = await tableCounts(t.db);
    assert.equal(counts['documents'], 48);
    assert.equal(counts['memberships'], 1);
  });

  it('demo again on the same task is refused (exit 4) and changes nothing; bad subsets exit 2', async () => {
    const before = await tableCounts(t.db);
    const [again, small, env] = await inParallel([
      () => cli(['demo', '--subset', '48', ...db]),
      () => cli(['demo', '--subset', '5', ...db]),
      () => cli(['demo', ...db], { CURATOR_DEMO_SUBSET: 'lots' }),
    ]);
    assert.equal(again!.code, 4, again!.stderr);
    assert.match(again!.stderr, /ALREADY_EXISTS \(task\): task 'spam' already holds documents/);
    assert.equal(small!.code, 2);
    assert.match(small!.stderr, /--subset <n>' argument '5' is invalid/);
    assert.equal(env!.code, 2);
    assert.match(env!.stderr, /INVALID_ARGUMENT \(CURATOR_DEMO_SUBSET\): environment variable CURATOR_DEMO_SUBSET must be an integer ≥ 20; got "lots"/);
    assert.deepEqual(await tableCounts(t.db), before);
  });

  it('worker --once looks for orphaned builds and due schedules, then exits 0; --queue is refused with exit 2', async () => {
    const [once, queue] = await inParallel([
      () => cli(['worker', '--once', '--json', ...db]),
      () => cli(['worker', '--queue', 'redis://127.0.0.1:6379', ...db]),
    ]);
    assert.equal(once!.code, 0, once!.stderr);
    const events = once!.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; recovered?: number });
    assert.deepEqual(events.map((e) => e.event), ['started', 'stopped']);
    assert.equal(events[0]!.recovered, 0);
    assert.equal(queue!.code, 2);
    assert.match(queue!.stderr, /INVALID_ARGUMENT \(queue\)/);
  });
});
