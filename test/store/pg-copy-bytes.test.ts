import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { openStore } from '../../src/store/index.ts';
import { copyOutBytes, copyOutLargeBytes, copyOutRowAndLargeBytes, inlineIntegerParameters, SLICE_BYTES } from '../../src/store/pg-copy-bytes.ts';
import { pgStream } from '../../src/store/pg-copy-socket.ts';
import { BACKENDS, PG_URL } from './backends.ts';

const postgres = BACKENDS.find((b) => b.name.startsWith('postgres'))!;
const query = (sql: string, parameters: unknown[]) => ({ ...CompiledQuery.raw(sql, parameters) });

describe('binary COPY reads of bytea (PostgreSQL fast path)', () => {
  it('writes only safe integers into the COPY statement, and declines anything else', () => {
    assert.equal(inlineIntegerParameters(query('select data from t where a = $1 and b = $2 or c = $10', [7, -3, 0, 0, 0, 0, 0, 0, 0, 12])), 'select data from t where a = 7 and b = -3 or c = 12');
    assert.equal(inlineIntegerParameters(query('select data from t where a = $1', ["1; drop table t"])), undefined);
    assert.equal(inlineIntegerParameters(query('select data from t where a = $1', [1.5])), undefined);
    assert.equal(inlineIntegerParameters(query('select data from t where a = $1', [2 ** 60])), undefined);
  });

  it('returns every value intact and in order, whatever its size (empty, small, split across many messages)', { skip: postgres.skip }, async () => {
    if (postgres.fail !== undefined) assert.fail(postgres.fail);
    const schema = `curator_copy_${process.pid}_${randomBytes(3).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2, options: `-c search_path=${schema}` });
    try {
      await pool.query(`create schema ${schema}`);
      await pool.query('create table blobs (id int, seq int, data bytea not null)');
      const values = [Buffer.alloc(0), randomBytes(5), randomBytes(3 << 20), randomBytes(70_000)];
      for (const [seq, v] of values.entries()) await pool.query('insert into blobs values (1, $1, $2)', [seq, v]);
      const got = await copyOutBytes(pool, query('select data from blobs where id = $1 order by seq', [1]));
      assert.ok(got !== undefined);
      assert.deepEqual(got.map((g) => Buffer.from(g).toString('hex')), values.map((v) => v.toString('hex')));
      assert.equal(got[2]!.byteOffset % 8, 0, 'a large value starts 8-byte aligned');
      assert.deepEqual(await copyOutBytes(pool, query('select data from blobs where id = $1', [2])), []);
      await assert.rejects(copyOutBytes(pool, query('select data from no_such_table where id = $1', [1])), /no_such_table/);
    } finally {
      await pool.query(`drop schema if exists ${schema} cascade`);
      await pool.end();
    }
  });

  it('reads one large value in server-cut slices: whole, in order, into one buffer of its size, whatever the size hint', { skip: postgres.skip }, async () => {
    if (postgres.fail !== undefined) assert.fail(postgres.fail);
    const schema = `curator_copy_${process.pid}_${randomBytes(3).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2, options: `-c search_path=${schema}` });
    try {
      await pool.query(`create schema ${schema}`);
      await pool.query('create table blobs (id int primary key, data bytea not null)');
      await pool.query('alter table blobs alter column data set storage external');
      const sizes = [0, 1, SLICE_BYTES - 1, SLICE_BYTES, SLICE_BYTES + 1, (3 << 20) + 7];
      const values = sizes.map((n) => randomBytes(n));
      for (const [id, v] of values.entries()) await pool.query('insert into blobs values ($1, $2)', [id, v]);
      for (const [id, v] of values.entries()) {
        for (const sizeHint of [undefined, 0, v.length, Math.floor(v.length / 3), v.length + 1000, -1, Number.NaN, 2 ** 40]) {
          const pieces: Buffer[] = [];
          const got = await copyOutLargeBytes(pool, query('select data from blobs where id = $1', [id]), {
            ...(sizeHint === undefined ? {} : { sizeHint }),
            onBytes: (c) => pieces.push(Buffer.from(c)),
          });
          const label = `${v.length} bytes, hint ${sizeHint}`;
          assert.ok(got instanceof Uint8Array, label);
          assert.ok(Buffer.from(got).equals(v), label);
          assert.ok(Buffer.concat(pieces).equals(v), `${label}: onBytes saw every byte in order`);
          assert.equal(got.byteOffset % 8, 0, `${label}: starts 8-byte aligned`);
          // The value's length comes with its slices: one buffer of exactly that size, whatever the hint.
          assert.equal(got.buffer.byteLength, v.length, `${label}: buffer sized from the stream`);
          if (v.length > 2 * SLICE_BYTES) assert.ok(pieces.length >= Math.ceil(v.length / SLICE_BYTES), `${label}: ${pieces.length} pieces`);
        }
      }
      assert.equal(await copyOutLargeBytes(pool, query('select data from blobs where id = $1', [999])), null);
      await assert.rejects(copyOutLargeBytes(pool, query('select data from blobs where id < $1', [3])), /more than one row/);
      assert.equal(await copyOutLargeBytes(pool, query('select data from blobs where id = $1', ['1'])), undefined);
      await assert.rejects(copyOutLargeBytes(pool, query('select data from no_such_table where id = $1', [1])), /no_such_table/);
      // The connection is still good after the errors.
      assert.equal((await pool.query('select count(*)::int as n from blobs')).rows[0].n, values.length);
    } finally {
      await pool.query(`drop schema if exists ${schema} cascade`);
      await pool.end();
    }
  });

  it('reads a row and then a large value in one round trip: the row through the pool\'s type parsers, the value whole', { skip: postgres.skip }, async () => {
    if (postgres.fail !== undefined) assert.fail(postgres.fail);
    const schema = `curator_copy_${process.pid}_${randomBytes(3).toString('hex')}`;
    // int8 as a number, as the store's pool has it; on both kinds of socket (the store's, and pg's own).
    const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) } as pg.CustomTypesConfig;
    const pools = [
      new pg.Pool({ connectionString: PG_URL, max: 1, types, options: `-c search_path=${schema}`, stream: pgStream as never }),
      new pg.Pool({ connectionString: PG_URL, max: 1, types, options: `-c search_path=${schema}` }),
    ];
    try {
      await pools[0]!.query(`create schema ${schema}`);
      await pools[0]!.query('create table meta (id int8 primary key, name text, at timestamptz, extra jsonb, n numeric)');
      await pools[0]!.query('create table blobs (id int8 primary key, data bytea not null)');
      await pools[0]!.query(`insert into meta values (1, 'one', '2026-01-02T03:04:05.678Z', '{"a":[1,null]}', null), (2, null, null, null, 2.5)`);
      const value = randomBytes(SLICE_BYTES * 5 + 3);
      await pools[0]!.query('insert into blobs values (1, $1), (2, $2)', [value, Buffer.alloc(0)]);
      for (const pool of pools) {
        const pieces: Buffer[] = [];
        const got = await copyOutRowAndLargeBytes(pool, query('select * from meta where id = $1', [1]), query('select data from blobs where id = $1', [1]), { onBytes: (c) => pieces.push(Buffer.from(c)) });
        assert.ok(got !== undefined);
        assert.deepEqual(got.row, { id: 1, name: 'one', at: new Date('2026-01-02T03:04:05.678Z'), extra: { a: [1, null] }, n: null });
        assert.ok(got.value !== null && Buffer.from(got.value).equals(value));
        assert.ok(Buffer.concat(pieces).equals(value), 'onBytes saw every byte in order');
        const empty = await copyOutRowAndLargeBytes(pool, query('select * from meta where id = $1', [2]), query('select data from blobs where id = $1', [2]));
        assert.deepEqual(empty, { row: { id: 2, name: null, at: null, extra: null, n: '2.5' }, value: new Uint8Array(0) });
        // No row, no value: both told apart from empty ones.
        assert.deepEqual(await copyOutRowAndLargeBytes(pool, query('select * from meta where id = $1', [9]), query('select data from blobs where id = $1', [9])), { row: undefined, value: null });
        await assert.rejects(copyOutRowAndLargeBytes(pool, query('select * from meta where id < $1', [3]), query('select data from blobs where id = $1', [1])), /more than one row/);
        await assert.rejects(copyOutRowAndLargeBytes(pool, query('select * from no_such_table where id = $1', [1]), query('select data from blobs where id = $1', [1])), /no_such_table/);
        await assert.rejects(copyOutRowAndLargeBytes(pool, query('select * from meta where id = $1', [1]), query('select data from no_such_table where id = $1', [1])), /no_such_table/);
        assert.equal(await copyOutRowAndLargeBytes(pool, query('select * from meta where id = $1', ['1']), query('select data from blobs where id = $1', [1])), undefined);
        // The connection is still good after the errors.
        assert.equal((await pool.query('select count(*)::int as n from meta')).rows[0].n, 2);
      }
    } finally {
      await pools[0]!.query(`drop schema if exists ${schema} cascade`);
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('stores model blobs uncompressed after migrating (TOAST storage EXTERNAL)', { skip: postgres.skip }, async () => {
    if (postgres.fail !== undefined) assert.fail(postgres.fail);
    const schema = `curator_copy_${process.pid}_${randomBytes(3).toString('hex')}`;
    const store = await openStore(PG_URL, { schema });
    const admin = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await admin.connect();
    try {
      const storage = await admin.query(
        `select a.attstorage from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = $1 and c.relname = 'model_blobs' and a.attname = 'data'`,
        [schema],
      );
      assert.equal(storage.rows[0]?.attstorage, 'e');
      // A highly compressible blob would shrink under the default (EXTENDED); stored EXTERNAL it keeps its size.
      await store.corpus.createTask({ id: 'storage', labels: ['a', 'b'] });
      const { id } = await store.models.insert({
        ...{ taskId: 'storage', scope: { kind: 'global' }, estimator: 'x', hyperparameters: {}, buildTimeMs: 1, score: null, scoreMetric: null },
        ...{ formatVersion: 1, blobSha256: 'f'.repeat(64), blobBlake3: null, blobSize: 1 << 20, snapshotId: null, jobId: null, parentId: null },
        ...{ status: 'candidate', createdBy: 'test', createdAt: new Date() },
      });
      await store.models.putBlob(id, new Uint8Array(1 << 20));
      const size = await admin.query('select pg_column_size(data) as stored, octet_length(data) as length from model_blobs where model_id = $1', [id]);
      assert.deepEqual(size.rows[0], { stored: 1 << 20, length: 1 << 20 });
    } finally {
      await store.close();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  });
});
