import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, inParallel, tableCounts, tempDb, tinyCorpus, toCsv } from './helpers.ts';

describe('curator train, models, predict, monitor', () => {
  const t = tempDb();
  const db = ['--db', t.db];

  before(async () => {
    const file = join(t.dir, 'd.csv');
    writeFileSync(file, toCsv(tinyCorpus(36)));
    for (const args of [
      ['tasks', 'add', 'spam', '--labels', 'ham,spam', '--folds', '3', '--candidates', 'MultinomialNB+tfidf,LinearSVC+tfidf'],
      ['tasks', 'add', 'empty', '--labels', 'a,b'],
      ['users', 'add', 'ana'],
      ['import', file, '--task', 'spam', '--user', 'ana'],
    ]) {
      const r = await cli([...args, ...db]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  });
  after(() => t.done());

  let modelId = 0;
  let predictionId = '';

  it('train builds, registers and promotes the first model, showing candidate j/m and fold i/n', async () => {
    const r = await cli(['train', '--task', 'spam', '--json', ...db]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'built');
    assert.equal(out.promoted, true);
    assert.equal(out.folds, 3);
    assert.deepEqual(out.candidates.map((c: { name: string }) => c.name).sort(), ['LinearSVC+tfidf', 'MultinomialNB+tfidf']);
    modelId = out.model.id;
    assert.match(r.stderr, /candidate [12]\/2 \S+ · fold [123]\/3/);
    assert.match(r.stderr, /100% \(6\/6\)/);
  });

  it('models ls --json pages the registry with filters; show has evaluations and history', async () => {
    const [all, active, none, show] = await inParallel([
      () => cli(['models', 'ls', '--json', ...db]),
      () => cli(['models', 'ls', '--task', 'spam', '--status', 'active', '--min-score', '0.5', '--json', ...db]),
      () => cli(['models', 'ls', '--estimator', 'KNeighborsClassifier', '--json', ...db]),
      () => cli(['models', 'show', String(modelId), '--json', ...db]),
    ]);
    const items = JSON.parse(all!.stdout).items;
    assert.equal(items.length, 1);
    assert.equal(items[0].id, modelId);
    assert.equal(items[0].status, 'active');
    assert.equal(items[0].scope, 'global');
    assert.equal(JSON.parse(active!.stdout).items.length, 1);
    assert.deepEqual(JSON.parse(none!.stdout), { items: [], nextCursor: null });
    const detail = JSON.parse(show!.stdout);
    assert.equal(detail.model.id, modelId);
    assert.ok(detail.evaluations.some((e: { metric: string; folds: number[] }) => e.metric === 'f1_macro' && e.folds.length === 3));
    assert.deepEqual(detail.history.map((h: { action: string; modelId: number }) => [h.action, h.modelId]), [['promote', modelId]]);
  });

  it('export writes the verified model file; predict answers and logs', async () => {
    const file = join(t.dir, 'model.bin');
    const [exp, pred] = await inParallel([
      () => cli(['models', 'export', String(modelId), file, '--json', ...db]),
      () => cli(['predict', '--task', 'spam', 'cheap pills, click for free money', '--json', ...db]),
    ]);
    assert.equal(exp!.code, 0, exp!.stderr);
    const { sha256, bytes } = JSON.parse(exp!.stdout);
    const written = readFileSync(file);
    assert.equal(written.byteLength, bytes);
    assert.equal(createHash('sha256').update(written).digest('hex'), sha256);
    assert.equal(pred!.code, 0, pred!.stderr);
    const answer = JSON.parse(pred!.stdout);
    assert.equal(answer.label, 'spam');
    assert.equal(answer.modelId, modelId);
    predictionId = answer.predictionId;
    const mail = join(t.dir, 'mail.txt');
    writeFileSync(mail, 'meeting notes for the project, lunch on the weekend');
    const fromFile = await cli(['predict', '--task', 'spam', '--file', mail, ...db]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.match(fromFile.stdout, /^ham {2}\(ham 0\.\d{4}, spam 0\.\d{4}; model #\d+, global, fallback; prediction [0-9a-f-]{36}\)\n$/);
    const again = await cli(['models', 'export', String(modelId), file, ...db]);
    assert.equal(again.code, 4);
    assert.match(again.stderr, /exists; pass --force/);
    assert.equal((await tableCounts(t.db))['predictions'], 2, 'both predictions logged');
  });

  it('feedback on the prediction reaches the monitor windows; a bad one exits 3 or 2', async () => {
    const [bad, unknown] = await inParallel([
      () => cli(['feedback', predictionId, '--task', 'spam', '--label', 'eggs', ...db]),
      () => cli(['feedback', 'no-such-prediction', '--task', 'spam', '--label', 'spam', ...db]),
    ]);
    assert.equal(bad!.code, 2);
    assert.match(bad!.stderr, /UNKNOWN_LABEL \(label\)/);
    assert.equal(unknown!.code, 3);
    assert.match(unknown!.stderr, /NOT_FOUND \(predictionId\)/);
    const ok = await cli(['feedback', predictionId, '--task', 'spam', '--label', 'spam', '--user', 'ana', ...db]);
    assert.equal(ok.code, 0, ok.stderr);
    const r = await cli(['monitor', '--task', 'spam', '--json', ...db]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.models.map((m: { modelId: number }) => m.modelId), [modelId]);
    assert.equal(out.models[0].count.n, 1);
    assert.equal(out.models[0].count.accuracy, 1);
    assert.deepEqual(out.alarms, []);
  });

  it('train exits 5 and says why when the build is skipped (a task without labels)', async () => {
    const r = await cli(['train', '--task', 'empty', '--json', ...db]);
    assert.equal(r.code, 5, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'skipped');
    assert.match(out.reason, /no resolved label yet/);
    const ls = await cli(['models', 'ls', '--task', 'empty', '--json', ...db]);
    assert.deepEqual(JSON.parse(ls.stdout).items, []);
  });

  it('refuses what is not possible with exit codes 2, 3 and 5, changing nothing', async () => {
    const before = await tableCounts(t.db);
    const cases: [string[], number, RegExp][] = [
      [['models', 'retire', String(modelId)], 5, /INVALID_STATE.*is active/],
      [['models', 'promote', String(modelId)], 5, /INVALID_STATE/],
      [['models', 'promote', '999'], 3, /NOT_FOUND.*no model 999/],
      [['models', 'show', 'x1'], 2, /model id must be a positive integer/],
      [['models', 'rollback', '--task', 'spam'], 5, /no earlier model to roll back to/],
      [['models', 'ls', '--task', 'nope'], 3, /no task 'nope'/],
      [['models', 'ls', '--status', 'sleepy'], 2, /Allowed choices are/],
      [['models', 'ls', '--min-score', 'high'], 2, /must be a number/],
      [['predict', '--task', 'empty', 'hello'], 5, /INVALID_STATE.*has no active model yet/],
      [['predict', '--task', 'spam'], 2, /give the text as an argument or --file/],
      [['train', '--task', 'nope'], 3, /no task 'nope'/],
      [['train', '--task', 'spam', '--scope', 'planet:x'], 2, /must be 'global', 'group:<id>' or 'user:<id>'/],
      [['tasks', 'add', 'spam', '--labels', 'a,b'], 4, /ALREADY_EXISTS/],
      [['tasks', 'add', 'bad id!', '--labels', 'a,b'], 2, /INVALID_ARGUMENT \(id\)/],
      [['tasks', 'add', 'x', '--labels', 'a,b', '--candidates', 'Nope'], 2, /unknown candidate 'Nope'/],
    ];
    const results = await inParallel(cases.map(([args]) => () => cli([...args, ...db])));
    for (const [k, [args, code, message]] of cases.entries()) {
      assert.equal(results[k]!.code, code, `${args.join(' ')}: ${results[k]!.stderr}`);
      assert.match(results[k]!.stderr, message);
      assert.doesNotMatch(results[k]!.stderr, /\n\s+at /);
    }
    assert.deepEqual(await tableCounts(t.db), before);
  });
});
