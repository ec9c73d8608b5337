import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { copyOutLargeBytes } from '../../src/store/pg-copy-bytes.ts';
import { CopyDataSplitter, CopySocket, pgStream } from '../../src/store/pg-copy-socket.ts';
import { BACKENDS, PG_URL } from './backends.ts';

const postgres = BACKENDS.find((b) => b.name.startsWith('postgres'))!;

/** One backend message: type byte, int32 length (itself included), payload. */
function msg(type: string, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(payload.length + 4, 1);
  return Buffer.concat([head, payload]);
}

/** Feeds `bytes` in pieces cut at `cuts`, each piece through one reused buffer (as the socket does). */
function feed(splitter: CopyDataSplitter, bytes: Buffer, sizes: Iterable<number>): void {
  const shared = Buffer.alloc(bytes.length);
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.length) break;
    const n = Math.min(size, bytes.length - at);
    bytes.copy(shared, 0, at, at + n);
    splitter.push(shared.subarray(0, n));
    shared.fill(0xee); // what the next read would do to the buffer
    at += n;
  }
  assert.equal(at, bytes.length);
}

/** What went where, adjacent pieces with the same destination merged, so chunking does not show. */
function recorder(): { splitter: CopyDataSplitter; runs: [string, string][]; attach(): void } {
  const runs: [string, string][] = [];
  const add = (where: string, b: Buffer) => {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] === where) last[1] += b.toString('hex');
    else runs.push([where, b.toString('hex')]);
  };
  const splitter = new CopyDataSplitter((b) => add('pg', b));
  return { splitter, runs, attach: () => splitter.divert((b) => add('reader', b)) };
}

function* chunkings(total: number): Generator<[string, Iterable<number>]> {
  yield ['whole', [total]];
  yield ['byte by byte', Array.from({ length: total }, () => 1)];
  for (const n of [2, 3, 5, 7, 64]) yield [`${n} bytes at a time`, Array.from({ length: Math.ceil(total / n) }, () => n)];
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 40) + 1;
  yield ['random pieces', Array.from({ length: total }, rand)];
}

describe('CopySocket: CopyData to the reader, everything else to pg', () => {
  const p1 = randomBytes(37);
  const p2 = randomBytes(1);
  const p3 = randomBytes(90);
  // The connection's start, before the reader is attached, as a query is sent only on an idle connection.
  const startup = Buffer.concat([msg('R', Buffer.alloc(4)), msg('S', Buffer.from('TimeZone\0UTC\0')), msg('Z', Buffer.from('I'))]);
  const before = Buffer.concat([msg('N', Buffer.from('notice\0')), msg('H', Buffer.from([1, 0, 1, 0, 1]))]);
  const copyData = [msg('d', p1), msg('d', Buffer.alloc(0)), msg('d', p2), msg('d', p3)];
  const after = Buffer.concat([msg('c'), msg('C', Buffer.from('COPY 4\0')), msg('Z', Buffer.from('I'))]);
  const later = msg('d', randomBytes(9)); // after ReadyForQuery: not the diverted query's any more
  const stream = Buffer.concat([before, ...copyData, after, later]);

  it('while a reader is attached, gives it the CopyData payloads in order and pg the rest, whatever the read boundaries', () => {
    for (const [label, sizes] of chunkings(stream.length)) {
      const r = recorder();
      feed(r.splitter, startup, [3, 100]);
      r.attach();
      feed(r.splitter, stream, sizes);
      assert.deepEqual(
        r.runs,
        [
          ['pg', Buffer.concat([startup, before]).toString('hex')],
          ['reader', Buffer.concat([p1, p2, p3]).toString('hex')],
          ['pg', Buffer.concat([after, later]).toString('hex')],
        ],
        label,
      );
      assert.equal(r.splitter.diverting, false, `${label}: ReadyForQuery detaches the reader`);
    }
  });

  it('with no reader, hands pg every byte unchanged', () => {
    for (const [label, sizes] of chunkings(stream.length)) {
      const r = recorder();
      feed(r.splitter, stream, sizes);
      assert.deepEqual(r.runs, [['pg', stream.toString('hex')]], label);
    }
  });

  it('refuses a message whose length cannot be', () => {
    const r = recorder();
    assert.throws(() => r.splitter.push(Buffer.from([0x5a, 0, 0, 0, 3])), /length 3/);
  });

  it("a connection the server ends is reported and replaced, as on pg's own socket", { skip: postgres.skip }, async () => {
    if (postgres.fail !== undefined) assert.fail(postgres.fail);
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1, stream: pgStream as never });
    const errors: string[] = [];
    pool.on('error', (e) => errors.push(e.message));
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const pid = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      await admin.query('select pg_terminate_backend($1)', [pid]);
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.match(errors.join('\n'), /terminating connection/);
      const next = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      assert.notEqual(next, pid);
    } finally {
      await admin.end();
      await pool.end();
    }
  });

  for (const socket of ['CopySocket', "pg's own socket"] as const) {
    it(`reads large values intact through ${socket}, and pg keeps working around the COPY`, { skip: postgres.skip }, async () => {
      if (postgres.fail !== undefined) assert.fail(postgres.fail);
      const schema = `curator_copysock_${process.pid}_${randomBytes(3).toString('hex')}`;
      const pool = new pg.Pool({
        connectionString: PG_URL,
        max: 1,
        options: `-c search_path=${schema}`,
        ...(socket === 'CopySocket' ? { stream: pgStream as never } : {}),
      });
      try {
        const client = await pool.connect();
        const onPgSocket = !((client as unknown as { connection: { stream: unknown } }).connection.stream instanceof CopySocket);
        assert.equal(onPgSocket, socket !== 'CopySocket');
        // Which CopyData messages pg's parser saw: none when they went straight to the reader.
        let seenByPg = 0;
        (client as unknown as { connection: NodeJS.EventEmitter }).connection.on('copyData', () => seenByPg++);
        client.release();
        await pool.query(`create schema ${schema}`);
        await pool.query('create table blobs (id int primary key, data bytea not null)');
        const values = [randomBytes(0), randomBytes(3), randomBytes((5 << 20) + 11)];
        for (const [id, v] of values.entries()) await pool.query('insert into blobs values ($1, $2)', [id, v]);
        for (const [id, v] of values.entries()) {
          const got = await copyOutLargeBytes(pool, CompiledQuery.raw('select data from blobs where id = $1', [id]), { sizeHint: v.length });
          assert.ok(got instanceof Uint8Array && Buffer.from(got).equals(v), `${v.length} bytes`);
          // An ordinary query right after, on the same connection, with a large result too.
          const rows = await pool.query('select id, length(data) as n, data from blobs where id = $1', [id]);
          assert.deepEqual([rows.rows[0].id, rows.rows[0].n, Buffer.compare(rows.rows[0].data, v)], [id, v.length, 0]);
        }
        await assert.rejects(copyOutLargeBytes(pool, CompiledQuery.raw('select data from no_such_table where id = $1', [1])), /no_such_table/);
        assert.equal((await pool.query('select count(*)::int as n from blobs')).rows[0].n, values.length);
        if (socket === 'CopySocket') assert.equal(seenByPg, 0);
        else assert.ok(seenByPg > 0);
      } finally {
        await pool.query(`drop schema if exists ${schema} cascade`);
        await pool.end();
      }
    });
  }
});
