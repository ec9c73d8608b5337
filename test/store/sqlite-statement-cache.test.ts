import assert from 'node:assert/strict';
import { it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openStore } from '../../src/store/index.ts';
import { cachingStatements } from '../../src/store/sqlite-dialect.ts';

// The SQLite backend keeps statements prepared by SQL text (sqlite-dialect.ts): a re-run must
// bind its own parameters, and a statement still iterating must not be handed out again.

it('re-runs a cached statement with its own parameters each time', async () => {
  const store = await openStore('sqlite::memory:');
  try {
    for (const id of ['a', 'b', 'c']) await store.corpus.createTask({ id, labels: ['x', 'y'] });
    const ids = [];
    for (const id of ['a', 'b', 'c', 'a', 'zz']) ids.push((await store.corpus.getTask(id))?.id);
    assert.deepEqual(ids, ['a', 'b', 'c', 'a', undefined]);
  } finally {
    await store.close();
  }
});

it('prepares a fresh statement while the cached one is still iterating, and reuses it otherwise', () => {
  const raw = new BetterSqlite3(':memory:');
  const db = cachingStatements(raw);
  try {
    raw.exec('create table t (v integer); insert into t values (1), (2), (3)');
    const sql = 'select v from t order by v';
    const first = db.prepare(sql);
    assert.equal(db.prepare(sql), first, 'an idle statement is reused');
    const seen: number[] = [];
    for (const row of first.iterate() as Iterable<{ v: number }>) {
      const again = db.prepare(sql);
      assert.notEqual(again, first, 'the iterating statement is not handed out');
      assert.deepEqual((again.all() as { v: number }[]).map((r) => r.v), [1, 2, 3]);
      seen.push(row.v);
    }
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(db.prepare(sql), first, 'once idle, the cached statement is reused again');
  } finally {
    db.close();
  }
});
