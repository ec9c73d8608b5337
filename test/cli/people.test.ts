import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openStore } from '../../src/store/index.ts';
import { cli, inParallel, tableCounts, tempDb } from './helpers.ts';

describe('curator users, groups, tokens', () => {
  const t = tempDb();
  const db = ['--db', t.db];
  after(() => t.done());

  it('adds users and groups, lists them with memberships', async () => {
    for (const args of [['users', 'add', 'ana', '--name', 'Ana'], ['users', 'add', 'bob'], ['groups', 'add', 'experts', '--expert'], ['groups', 'add-member', 'experts', 'ana']]) {
      const r = await cli([...args, ...db]);
      assert.equal(r.code, 0, r.stderr);
    }
    const [users, groups] = await inParallel([() => cli(['users', 'ls', '--json', ...db]), () => cli(['groups', 'ls', '--json', ...db])]);
    assert.deepEqual(JSON.parse(users!.stdout).items.map((u: { id: string; groups: string[] }) => [u.id, u.groups]), [['ana', ['experts']], ['bob', []]]);
    assert.deepEqual(JSON.parse(groups!.stdout).items.map((g: { id: string; expert: boolean; members: string[] }) => [g.id, g.expert, g.members]), [['experts', true, ['ana']]]);
  });

  it('issues a token once (only its hash is stored) and revokes it', async () => {
    const r = await cli(['tokens', 'add', 'ana', '--role', 'editor', '--label', 'laptop', '--json', ...db]);
    assert.equal(r.code, 0, r.stderr);
    const issued = JSON.parse(r.stdout) as { id: number; token: string; role: string; user: string; revokedAt: string | null };
    assert.match(issued.token, /^cur_[A-Za-z0-9_-]{43}$/);
    assert.equal(issued.role, 'editor');
    const store = await openStore(t.db);
    try {
      const found = await store.corpus.findToken(issued.token);
      assert.equal(found?.id, issued.id);
      assert.equal(found?.userId, 'ana');
    } finally {
      await store.close();
    }
    const text = await cli(['tokens', 'add', 'bob', ...db]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^cur_\S+\n\ntoken #\d+ for 'bob' \(role user\)\. It is shown only now/);

    const revoked = await cli(['tokens', 'revoke', String(issued.id), '--json', ...db]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.notEqual(JSON.parse(revoked.stdout).revokedAt, null);

    const [all, anas] = await inParallel([() => cli(['tokens', 'ls', '--json', ...db]), () => cli(['tokens', 'ls', '--user', 'ana', ...db])]);
    const items = JSON.parse(all!.stdout).items as { id: number; user: string; role: string; revokedAt: string | null; token?: string }[];
    assert.deepEqual(items.map((i) => [i.user, i.role, i.revokedAt !== null]), [['ana', 'editor', true], ['bob', 'user', false]]);
    assert.ok(items.every((i) => i.token === undefined), 'a listing never shows a token');
    assert.doesNotMatch(all!.stdout + anas!.stdout, /cur_/);
    assert.match(anas!.stdout, /^ID +User +Role/);
    assert.equal(anas!.stdout.trim().split('\n').length, 3, 'header, rule and ana\'s one token');
  });

  it('refuses duplicates, unknown people and bad values with their exit codes, storing nothing', async () => {
    const before = await tableCounts(t.db);
    const cases: [string[], number, RegExp][] = [
      [['users', 'add', 'ana'], 4, /ALREADY_EXISTS.*user 'ana' already exists/],
      [['groups', 'add', 'experts'], 4, /ALREADY_EXISTS/],
      [['groups', 'add-member', 'experts', 'ana'], 4, /already in group/],
      [['tokens', 'add', 'zed', '--role', 'admin'], 3, /NOT_FOUND \(user\): no user 'zed'/],
      [['tokens', 'add', 'ana', '--role', 'root'], 2, /argument 'root' is invalid.*Allowed choices are admin, editor, user/],
      [['tokens', 'revoke', '999'], 3, /NOT_FOUND \(id\): no token #999/],
      [['tokens', 'ls', '--user', 'zed'], 3, /NOT_FOUND \(user\): no user 'zed'/],
      [['tokens', 'revoke', 'abc'], 2, /INVALID_ARGUMENT \(id\): token id must be a positive integer/],
      [['tokens', 'add', 'ana', '--expires-days', '-3'], 2, /option '--expires-days <n>' argument '-3' is invalid/],
      [['users', 'frobnicate'], 2, /unknown command 'frobnicate'/],
    ];
    const results = await inParallel(cases.map(([args]) => () => cli([...args, ...db])));
    for (const [k, [args, code, message]] of cases.entries()) {
      assert.equal(results[k]!.code, code, `${args.join(' ')}: ${results[k]!.stderr}`);
      assert.match(results[k]!.stderr, message);
    }
    assert.deepEqual(await tableCounts(t.db), before);
  });
});
