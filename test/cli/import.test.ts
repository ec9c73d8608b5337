import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, inParallel, tableCounts, tempDb, tinyCorpus, toCsv } from './helpers.ts';

describe('curator import', () => {
  const t = tempDb();
  const db = ['--db', t.db];
  const corpus = tinyCorpus(12);

  before(async () => {
    assert.equal((await cli(['tasks', 'add', 'spam', '--labels', 'ham,spam', '--folds', '3', ...db])).code, 0);
    assert.equal((await cli(['users', 'add', 'ana', ...db])).code, 0);
  });
  after(() => t.done());

  it('imports a CSV file (quoted fields with commas and quotes), labels recorded as --user', async () => {
    const file = join(t.dir, 'd.csv');
    writeFileSync(file, toCsv(corpus));
    const r = await cli(['import', file, '--task', 'spam', '--user', 'ana', '--json', ...db]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { task: 'spam', documents: 12, labelled: 12, unlabelled: 0, user: 'ana' });
    const counts = await tableCounts(t.db);
    assert.equal(counts['documents'], 12);
    assert.equal(counts['annotations'], 12);
  });

  it('imports JSON lines with chosen keys, an external id and unlabelled lines', async () => {
    const file = join(t.dir, 'd.jsonl');
    const lines = corpus.slice(0, 4).map((r, i) => JSON.stringify({ body: r.text, y: i === 3 ? null : r.label, ref: `j${i}` }));
    writeFileSync(file, `${lines.join('\n')}\n\n`);
    const r = await cli(['import', file, '--task', 'spam', '--user', 'ana', '--text-column', 'body', '--label-column', 'y', '--id-column', 'ref', '--json', ...db]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { task: 'spam', documents: 4, labelled: 3, unlabelled: 1, user: 'ana' });
  });

  it('imports a folder of text files, labels from the sub-folder names', async () => {
    const dir = join(t.dir, 'mail');
    for (const [i, r] of corpus.slice(0, 6).entries()) {
      mkdirSync(join(dir, r.label), { recursive: true });
      writeFileSync(join(dir, r.label, `${i}.txt`), r.text);
    }
    const r = await cli(['import', dir, '--task', 'spam', '--user', 'ana', ...db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imported 6 document\(s\) into task 'spam' \(6 labelled by ana\)/);
    assert.match(r.stderr, /import 100% \(6\/6\)/); // progress (not a terminal: lines on stderr)
  });

  it('refuses bad input with a coded one-line error and exit code, storing nothing', async () => {
    const before = await tableCounts(t.db);
    const csv = join(t.dir, 'bad-label.csv');
    writeFileSync(csv, toCsv([...corpus.slice(0, 5), { text: 'hello there', label: 'eggs' }]));
    const dup = join(t.dir, 'dup.jsonl');
    writeFileSync(dup, `${JSON.stringify({ text: 'new one', label: 'ham', id: 'x1' })}\n${JSON.stringify({ text: 'j0 again', label: 'ham', id: 'j0' })}\n`);
    const unclosed = join(t.dir, 'unclosed.csv');
    writeFileSync(unclosed, 'text,label\n"never closed,ham\n');
    const cases: [string[], number, RegExp][] = [
      [['import', csv, '--task', 'spam', '--user', 'ana'], 2, /UNKNOWN_LABEL \(label\): bad-label\.csv row 7: label "eggs" is not a label of task 'spam'/],
      [['import', csv, '--task', 'nope', '--user', 'ana'], 3, /NOT_FOUND \(taskId\): .*no task 'nope'/],
      [['import', csv, '--task', 'spam', '--user', 'nobody'], 3, /NOT_FOUND \(user\): no user 'nobody'/],
      [['import', csv, '--task', 'spam', '--user', 'ana', '--bogus'], 2, /unknown option '--bogus'/],
      [['import', '--user', 'ana', csv], 2, /required option '--task <id>' not specified/],
      [['import', join(t.dir, 'missing.csv'), '--task', 'spam', '--user', 'ana'], 3, /NOT_FOUND \(path\)/],
      [['import', unclosed, '--task', 'spam', '--user', 'ana'], 2, /INVALID_ARGUMENT \(file\): unclosed\.csv:2: a quoted field is never closed/],
      [['import', csv, '--task', 'spam', '--user', 'ana', '--text-column', 'body'], 2, /no column 'body'/],
      [['import', dup, '--task', 'spam', '--user', 'ana', '--id-column', 'id'], 4, /ALREADY_EXISTS.*external id "j0"/],
    ];
    const results = await inParallel(cases.map(([args]) => () => cli([...args, ...db])));
    for (const [k, [args, code, message]] of cases.entries()) {
      const r = results[k]!;
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(await tableCounts(t.db), before);
  });

  it('a database that cannot be opened exits 6 naming the URL; an unknown URL scheme exits 2', async () => {
    const csv = join(t.dir, 'd.csv');
    const [notADir, notADb, scheme, migrate] = await inParallel([
      () => cli(['import', csv, '--task', 'spam', '--db', `sqlite:${csv}/x.db`]),
      () => cli(['users', 'ls', '--db', `sqlite:${csv}`]),
      () => cli(['users', 'ls', '--db', 'mysql://x']),
      () => cli(['migrate', '--db', `sqlite:${csv}`]),
    ]);
    assert.equal(notADir!.code, 6, notADir!.stderr);
    assert.match(notADir!.stderr, /^curator: STORE_UNAVAILABLE \(db\): cannot open the database sqlite:\S+d\.csv\/x\.db: /);
    assert.equal(notADb!.code, 6, notADb!.stderr);
    assert.match(notADb!.stderr, /STORE_UNAVAILABLE \(db\): cannot open the database .*file is not a database/);
    assert.equal(scheme!.code, 2);
    assert.match(scheme!.stderr, /unknown database URL scheme/);
    assert.equal(migrate!.code, 6, migrate!.stderr);
  });

  it('--json errors are one JSON line on stderr', async () => {
    const r = await cli(['import', join(t.dir, 'd.csv'), '--task', 'nope', '--json', ...db]);
    assert.equal(r.code, 3);
    assert.deepEqual(JSON.parse(r.stderr), { error: { code: 'NOT_FOUND', message: "task: no task 'nope'", field: 'taskId' } });
  });
});
