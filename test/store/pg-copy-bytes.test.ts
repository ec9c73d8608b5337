import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { copyOutBytes, inlineIntegerParameters } from '../../src/store/pg-copy-bytes.ts';
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
});
