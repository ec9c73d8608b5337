import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issueToken } from '../../src/server/index.ts';
import { startWithModel, type TestServer } from './helpers.ts';

/**
 * Bad input of every kind gets a 4xx (never a 5xx) with the JSON error body, a message naming
 * the problem and, where one applies, the field; and the database is unchanged afterwards
 * (row counts of every table, and the task's settings, compared before and after each request).
 */

type Tok = 'admin' | 'editor' | 'ana' | 'none' | 'revoked' | 'expired' | 'garbage';

interface BadCase {
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly token: Tok;
  /** An object is sent as JSON; a string is sent raw with content-type application/json unless `contentType` says otherwise. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly status: number;
  readonly code: string;
  /** The message must match. */
  readonly message: RegExp;
  readonly field?: string | null;
}

let s: TestServer & { docIds: number[] };
let extraTokens: Record<'revoked' | 'expired', string>;

before(async () => {
  s = await startWithModel();
  const revoked = await issueToken(s.curator.store, { userId: 'ana', role: 'user' });
  await s.curator.store.corpus.revokeToken(revoked.id);
  await s.curator.store.corpus.createToken({ userId: 'ana', token: 'cur_expired_token_value_0123456789', role: 'user', expiresAt: new Date(Date.now() - 1000) });
  extraTokens = { revoked: revoked.token, expired: 'cur_expired_token_value_0123456789' };
});

after(async () => {
  await s?.close();
});

function tokenOf(t: Tok): string | null {
  if (t === 'none') return null;
  if (t === 'garbage') return 'definitely-not-a-token';
  if (t === 'revoked' || t === 'expired') return extraTokens[t];
  return s.tokens[t];
}

const big = 'x'.repeat(1024 * 1024 + 10);

const CASES: readonly BadCase[] = [
  // tokens
  { name: 'no token', method: 'GET', url: '/v1/tasks', token: 'none', status: 401, code: 'UNAUTHENTICATED', message: /missing Authorization/, field: 'authorization' },
  { name: 'unknown token', method: 'GET', url: '/v1/tasks', token: 'garbage', status: 401, code: 'UNAUTHENTICATED', message: /unknown token/ },
  { name: 'revoked token', method: 'POST', url: '/v1/tasks/spam/predict', token: 'revoked', body: { text: 'hi' }, status: 401, code: 'UNAUTHENTICATED', message: /revoked/ },
  { name: 'expired token', method: 'POST', url: '/v1/tasks/spam/predict', token: 'expired', body: { text: 'hi' }, status: 401, code: 'UNAUTHENTICATED', message: /expired/ },
  // malformed bodies
  { name: 'malformed JSON', method: 'POST', url: '/v1/tasks/spam/documents', token: 'admin', body: '{"documents": [{"content": "a"', status: 400, code: 'INVALID_JSON', message: /not valid JSON/, field: 'body' },
  { name: 'empty JSON body', method: 'POST', url: '/v1/tasks/spam/predict', token: 'ana', body: '', status: 400, code: 'INVALID_JSON', message: /JSON/ },
  { name: 'JSON array instead of object', method: 'POST', url: '/v1/tasks/spam/predict', token: 'ana', body: '["text"]', status: 400, code: 'INVALID_ARGUMENT', message: /expected object/ },
  { name: 'prototype poisoning', method: 'POST', url: '/v1/tasks/spam/predict', token: 'ana', body: '{"text":"a","__proto__":{"admin":true}}', status: 400, code: 'INVALID_JSON', message: /not valid JSON/ },
  { name: 'prototype poisoning spelled with escapes', method: 'POST', url: '/v1/tasks/spam/predict', token: 'ana', body: '{"text":"a","\\u005f_pr\\u006fto__":{"admin":true}}', status: 400, code: 'INVALID_JSON', message: /not valid JSON/ },
  { name: 'constructor poisoning', method: 'POST', url: '/v1/tasks/spam/predict', token: 'ana', body: '{"text":"a","constructor":{"prototype":{"admin":true}}}', status: 400, code: 'INVALID_JSON', message: /not valid JSON/ },
  { name: 'text/plain body', method: 'POST', url: '/v1/tasks/spam/predict', token: 'ana', body: 'cheap pills', contentType: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: /content.type/i },
  { name: 'oversized body', method: 'POST', url: '/v1/tasks/spam/documents', token: 'admin', body: { documents: [{ content: big }] }, status: 413, code: 'PAYLOAD_TOO_LARGE', message: /too large/i },
  // wrong types, missing and extra fields
  { name: 'text of the wrong type', method: 'POST', url: '/v1/tasks/spam/predict', token: 'ana', body: { text: 42 }, status: 400, code: 'INVALID_ARGUMENT', message: /'text'.*expected string, received number/, field: 'text' },
  { name: 'missing text', method: 'POST', url: '/v1/tasks/spam/predict', token: 'ana', body: {}, status: 400, code: 'INVALID_ARGUMENT', message: /'text'/, field: 'text' },
  { name: 'empty text', method: 'POST', url: '/v1/tasks/spam/predict', token: 'ana', body: { text: '' }, status: 400, code: 'INVALID_ARGUMENT', message: /'text'.*>=1/, field: 'text' },
  { name: 'extra field', method: 'POST', url: '/v1/tasks/spam/predict', token: 'ana', body: { text: 'hi', userId: 'root' }, status: 400, code: 'INVALID_ARGUMENT', message: /unknown field 'userId'/, field: 'userId' },
  { name: 'nested extra field', method: 'POST', url: '/v1/tasks/spam/documents', token: 'admin', body: { documents: [{ content: 'a' }, { content: 'b', colour: 'red' }] }, status: 400, code: 'INVALID_ARGUMENT', message: /unknown field 'documents\[1\]\.colour'/, field: 'documents[1].colour' },
  { name: 'no documents', method: 'POST', url: '/v1/tasks/spam/documents', token: 'admin', body: { documents: [] }, status: 400, code: 'INVALID_ARGUMENT', message: /'documents'/, field: 'documents' },
  { name: 'empty content in the second document', method: 'POST', url: '/v1/tasks/spam/documents', token: 'admin', body: { documents: [{ content: 'fine' }, { content: '' }] }, status: 400, code: 'INVALID_ARGUMENT', message: /'documents\[1\]\.content'/, field: 'documents[1].content' },
  { name: 'duplicate external id (second insert fails: all or none)', method: 'POST', url: '/v1/tasks/spam/documents', token: 'admin', body: { documents: [{ content: 'one', externalId: 'dup' }, { content: 'two', externalId: 'dup' }] }, status: 409, code: 'ALREADY_EXISTS', message: /external id "dup"/ },
  { name: 'metadata nested 100,000 deep', method: 'POST', url: '/v1/tasks/spam/documents', token: 'admin', body: `{"documents":[{"content":"a","metadata":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`, status: 400, code: 'INVALID_ARGUMENT', message: /'documents\[0\]\.metadata'.*deeper than 32/, field: 'documents[0].metadata' },
  { name: 'candidate params nested 100,000 deep', method: 'POST', url: '/v1/tasks', token: 'editor', body: `{"id":"deep","labels":["a","b"],"config":{"candidates":[{"name":"x","params":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]}}`, status: 400, code: 'INVALID_ARGUMENT', message: /deeper than 32/ },
  { name: 'documentId as a string', method: 'POST', url: '/v1/tasks/spam/annotations', token: 'admin', body: { documentId: '1', label: 'spam' }, status: 400, code: 'INVALID_ARGUMENT', message: /'documentId'.*expected number/, field: 'documentId' },
  { name: 'missing documentId', method: 'POST', url: '/v1/tasks/spam/annotations', token: 'admin', body: { label: 'spam' }, status: 400, code: 'INVALID_ARGUMENT', message: /'documentId'/, field: 'documentId' },
  // unknown ids and labels
  { name: 'unknown task', method: 'POST', url: '/v1/tasks/nope/predict', token: 'ana', body: { text: 'hi' }, status: 404, code: 'NOT_FOUND', message: /no task 'nope'/, field: 'taskId' },
  { name: 'unknown task (documents)', method: 'GET', url: '/v1/tasks/nope/documents', token: 'admin', status: 404, code: 'NOT_FOUND', message: /no task 'nope'/ },
  { name: 'unknown model', method: 'GET', url: '/v1/models/999999', token: 'admin', status: 404, code: 'NOT_FOUND', message: /no model 999999/ },
  { name: 'model id not a number', method: 'GET', url: '/v1/models/abc', token: 'admin', status: 400, code: 'INVALID_ARGUMENT', message: /'id'/, field: 'id' },
  { name: 'promote unknown model', method: 'POST', url: '/v1/models/999999/promote', token: 'editor', body: {}, status: 404, code: 'NOT_FOUND', message: /no model 999999/ },
  { name: 'unknown document', method: 'POST', url: '/v1/tasks/spam/annotations', token: 'admin', body: { documentId: 999999, label: 'spam' }, status: 404, code: 'NOT_FOUND', message: /no document 999999/, field: 'documentId' },
  { name: 'invalid label', method: 'POST', url: '/v1/tasks/spam/annotations', token: 'admin', body: { documentId: 1, label: 'eggs' }, status: 400, code: 'UNKNOWN_LABEL', message: /"eggs" is not a label of task 'spam'/, field: 'label' },
  { name: 'annotation by an unknown user', method: 'POST', url: '/v1/tasks/spam/annotations', token: 'admin', body: { documentId: 1, label: 'spam', userId: 'ghost' }, status: 400, code: 'INVALID_REFERENCE', message: /no user 'ghost'/, field: 'userId' },
  { name: 'unknown prediction id', method: 'POST', url: '/v1/tasks/spam/feedback', token: 'admin', body: { predictionId: 'not-a-prediction', label: 'spam' }, status: 404, code: 'NOT_FOUND', message: /no prediction "not-a-prediction"/, field: 'predictionId' },
  { name: 'feedback with an invalid label', method: 'POST', url: '/v1/tasks/spam/feedback', token: 'admin', body: { predictionId: 'x', label: 'eggs' }, status: 400, code: 'UNKNOWN_LABEL', message: /"eggs"/, field: 'label' },
  { name: 'unknown job', method: 'GET', url: '/v1/jobs/424242', token: 'editor', status: 404, code: 'NOT_FOUND', message: /no job 424242/ },
  { name: 'events of an unknown job', method: 'GET', url: '/v1/jobs/424242/events', token: 'editor', status: 404, code: 'NOT_FOUND', message: /no job 424242/ },
  { name: 'unknown snapshot', method: 'GET', url: '/v1/snapshots/424242', token: 'editor', status: 404, code: 'NOT_FOUND', message: /no snapshot|424242/ },
  { name: 'monitor of an unknown model', method: 'GET', url: '/v1/tasks/spam/monitor?modelId=424242', token: 'editor', status: 404, code: 'NOT_FOUND', message: /no model 424242 in task 'spam'/, field: 'modelId' },
  { name: 'unknown group', method: 'POST', url: '/v1/groups/nobody/members', token: 'admin', body: { userId: 'ana' }, status: 404, code: 'NOT_FOUND', message: /no group 'nobody'/ },
  { name: 'member that does not exist', method: 'POST', url: '/v1/groups/experts/members', token: 'admin', body: { userId: 'ghost' }, status: 400, code: 'INVALID_REFERENCE', message: /no user 'ghost'/, field: 'userId' },
  { name: 'revoke an unknown token', method: 'DELETE', url: '/v1/tokens/424242', token: 'admin', status: 404, code: 'NOT_FOUND', message: /no token 424242/ },
  // query strings
  { name: 'limit 0', method: 'GET', url: '/v1/models?limit=0', token: 'admin', status: 400, code: 'INVALID_ARGUMENT', message: /'limit'/, field: 'limit' },
  { name: 'limit not a number', method: 'GET', url: '/v1/tasks/spam/documents?limit=many', token: 'admin', status: 400, code: 'INVALID_ARGUMENT', message: /'limit'/, field: 'limit' },
  { name: 'unknown query parameter', method: 'GET', url: '/v1/models?colour=red', token: 'admin', status: 400, code: 'INVALID_ARGUMENT', message: /unknown field 'colour'/, field: 'colour' },
  { name: 'cursor that was never given out', method: 'GET', url: '/v1/tasks/spam/documents?cursor=%21%21', token: 'admin', status: 400, code: 'INVALID_ARGUMENT', message: /cursor/, field: 'cursor' },
  { name: 'models cursor that was never given out', method: 'GET', url: '/v1/models?cursor=abc', token: 'admin', status: 400, code: 'INVALID_ARGUMENT', message: /cursor/, field: 'cursor' },
  { name: 'scope kind without owner', method: 'GET', url: '/v1/models?scopeKind=user', token: 'admin', status: 400, code: 'INVALID_ARGUMENT', message: /scopeOwner is required/, field: 'scopeOwner' },
  { name: 'createdAfter not a time', method: 'GET', url: '/v1/models?createdAfter=yesterday', token: 'admin', status: 400, code: 'INVALID_ARGUMENT', message: /'createdAfter'/, field: 'createdAfter' },
  // settings and actions the curator refuses
  { name: 'task with one label', method: 'POST', url: '/v1/tasks', token: 'editor', body: { id: 'solo', labels: ['only'] }, status: 400, code: 'INVALID_ARGUMENT', message: /'labels'/, field: 'labels' },
  { name: 'task with 1 fold', method: 'POST', url: '/v1/tasks', token: 'editor', body: { id: 'onefold', labels: ['a', 'b'], config: { cv: { folds: 1 } } }, status: 400, code: 'INVALID_ARGUMENT', message: /cv\.folds must be an integer ≥ 2/, field: 'config.cv.folds' },
  { name: 'task with a bad candidate parameter', method: 'POST', url: '/v1/tasks', token: 'editor', body: { id: 'badc', labels: ['a', 'b'], config: { candidates: [{ name: 'x', estimator: 'LinearSVC', params: { C: -1 } }] } }, status: 400, code: 'INVALID_PARAM', message: /The 'C' parameter of LinearSVC must be a float > 0\. Got -1 instead\./, field: 'config.candidates[0].C' },
  { name: 'task id with a space', method: 'POST', url: '/v1/tasks', token: 'editor', body: { id: 'a b', labels: ['a', 'b'] }, status: 400, code: 'INVALID_ARGUMENT', message: /'id'/, field: 'id' },
  { name: 'task that exists', method: 'POST', url: '/v1/tasks', token: 'editor', body: { id: 'spam', labels: ['a', 'b'] }, status: 409, code: 'ALREADY_EXISTS', message: /task 'spam' already exists/ },
  { name: 'trigger rule of an unknown kind', method: 'PUT', url: '/v1/tasks/spam/triggers', token: 'editor', body: { rules: [{ kind: 'lunar' }] }, status: 400, code: 'INVALID_ARGUMENT', message: /'rules\[0\]\.kind'/, field: 'rules[0].kind' },
  { name: 'growth rule with a negative percent', method: 'PUT', url: '/v1/tasks/spam/triggers', token: 'editor', body: { rules: [{ kind: 'growth', percent: -5 }] }, status: 400, code: 'INVALID_ARGUMENT', message: /'rules\[0\]\.percent'/, field: 'rules[0].percent' },
  { name: 'growth rule with neither labels nor percent', method: 'PUT', url: '/v1/tasks/spam/triggers', token: 'editor', body: { rules: [{ kind: 'manual' }, { kind: 'growth' }] }, status: 400, code: 'INVALID_ARGUMENT', message: /growth rule with labels \(N new labels\) or percent/, field: 'rules[1]' },
  { name: 'growth of an unknown task', method: 'GET', url: '/v1/tasks/nope/growth', token: 'editor', status: 404, code: 'NOT_FOUND', message: /no task 'nope'/, field: 'taskId' },
  { name: 'growth with a bad bucket', method: 'GET', url: '/v1/tasks/spam/growth?bucket=week', token: 'editor', status: 400, code: 'INVALID_ARGUMENT', message: /'bucket'/, field: 'bucket' },
  { name: 'growth with an unknown query field', method: 'GET', url: '/v1/tasks/spam/growth?bucket=day&since=1', token: 'editor', status: 400, code: 'INVALID_ARGUMENT', message: /unknown field 'since'/, field: 'since' },
  { name: 'rollback with nothing to roll back to', method: 'POST', url: '/v1/tasks/spam/rollback', token: 'editor', body: {}, status: 409, code: 'INVALID_STATE', message: /no earlier model/ },
  { name: 'build of an unknown user scope', method: 'POST', url: '/v1/tasks/spam/builds', token: 'editor', body: { scope: { kind: 'user', userId: 'ghost' } }, status: 400, code: 'INVALID_REFERENCE', message: /no user 'ghost'/, field: 'scope.userId' },
  { name: 'build scope of an unknown kind', method: 'POST', url: '/v1/tasks/spam/builds', token: 'editor', body: { scope: { kind: 'planet' } }, status: 400, code: 'INVALID_ARGUMENT', message: /'scope\.kind'/, field: 'scope.kind' },
  { name: 'user that exists', method: 'POST', url: '/v1/users', token: 'admin', body: { id: 'ana' }, status: 409, code: 'ALREADY_EXISTS', message: /user 'ana' already exists/ },
  { name: 'token with an unknown role', method: 'POST', url: '/v1/tokens', token: 'admin', body: { userId: 'ana', role: 'god' }, status: 400, code: 'INVALID_ARGUMENT', message: /'role'/, field: 'role' },
  { name: 'token expiring in the past', method: 'POST', url: '/v1/tokens', token: 'admin', body: { userId: 'ana', role: 'user', expiresAt: '2001-01-01T00:00:00Z' }, status: 400, code: 'INVALID_ARGUMENT', message: /in the past/, field: 'expiresAt' },
  { name: 'token for an unknown user', method: 'POST', url: '/v1/tokens', token: 'admin', body: { userId: 'ghost', role: 'user' }, status: 400, code: 'INVALID_REFERENCE', message: /no user 'ghost'/, field: 'userId' },
  { name: 'unknown route', method: 'GET', url: '/v1/nothing-here', token: 'admin', status: 404, code: 'NOT_FOUND', message: /no route GET \/v1\/nothing-here/ },
];

async function snapshotDb(): Promise<string> {
  const counts = await s.curator.store.listing.tableCounts();
  const task = await s.curator.store.corpus.getTask('spam');
  const models = (await s.curator.registry.models.list({ taskId: 'spam' }, { limit: 500 })).items.map((m) => `${m.id}:${m.status}`);
  return JSON.stringify({ counts, config: task?.config, models });
}

describe('bad input', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.method} ${c.url} → ${c.status} ${c.code}, nothing changed`, async () => {
      const beforeDb = await snapshotDb();
      const token = tokenOf(c.token);
      const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
      let payload: string | undefined;
      if (typeof c.body === 'string') {
        payload = c.body;
        headers['content-type'] = c.contentType ?? 'application/json';
      } else if (c.body !== undefined) {
        payload = JSON.stringify(c.body);
        headers['content-type'] = 'application/json';
      }
      const res = await s.app.inject({ method: c.method as 'GET', url: c.url, headers, ...(payload === undefined ? {} : { payload }) });
      assert.ok(res.statusCode < 500, `5xx for bad input: ${res.statusCode} ${res.body}`);
      assert.equal(res.statusCode, c.status, res.body);
      const err = (res.json() as { error: { code: string; message: string; field: string | null } }).error;
      assert.equal(err.code, c.code, res.body);
      assert.match(err.message, c.message);
      if (c.field !== undefined) assert.equal(err.field, c.field, res.body);
      await s.curator.flush();
      assert.equal(await snapshotDb(), beforeDb, 'the database changed');
    });
  }

  it('bodies with \\u escapes or the words proto and constructor in values are parsed as before (the safe parser takes them)', async () => {
    for (const payload of ['{"text":"caf\\u00e9 \\u2014 cheap prices"}', '{"text":"the prototype of a constructor"}']) {
      const res = await s.app.inject({ method: 'POST', url: '/v1/tasks/spam/predict', headers: { authorization: `Bearer ${s.tokens.ana}`, 'content-type': 'application/json' }, payload });
      assert.equal(res.statusCode, 200, res.body);
    }
  });

  it('a malformed Authorization header names the expected form', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: 'Token abc' } });
    assert.equal(res.statusCode, 401);
    assert.match((res.json() as { error: { message: string } }).error.message, /malformed Authorization header: expected "Bearer <token>"/);
  });

  it('a user token posting documents as someone else gets 403 naming the field, and nothing is stored', async () => {
    const beforeDb = await snapshotDb();
    const res = await s.call('POST', '/v1/tasks/spam/documents', s.tokens.ana, { documents: [{ content: 'x' }, { content: 'y', authorId: 'bob' }] });
    assert.equal(res.statusCode, 403);
    const err = (res.json() as { error: { message: string; field: string } }).error;
    assert.match(err.message, /your own user id \('ana'\)/);
    assert.equal(err.field, 'documents[1].authorId');
    assert.equal(await snapshotDb(), beforeDb);
  });
});

describe('bad input: no 5xx for any mutation of a valid body', () => {
  const VALUES: readonly unknown[] = [null, 0, -1, 1.5, 1e308, '', 'x'.repeat(5000), '\u0000', 'ünï©ødé 🎉', [], {}, true, ['a'], { nested: { deeper: 1 } }];

  /** Valid bodies (as an admin) of every route that takes one. */
  const BODIES: readonly [string, string, Record<string, unknown>][] = [
    ['POST', '/v1/tasks', { id: 'fuzz', labels: ['a', 'b'], config: { cv: { folds: 2 }, triggers: [{ kind: 'manual' }] } }],
    ['POST', '/v1/tasks/spam/documents', { documents: [{ content: 'hello', externalId: 'e1', metadata: { k: 1 } }] }],
    ['POST', '/v1/tasks/spam/annotations', { documentId: 1, label: 'spam', userId: 'ana' }],
    ['POST', '/v1/tasks/spam/predict', { text: 'cheap pills' }],
    ['POST', '/v1/tasks/spam/feedback', { predictionId: 'nope', label: 'spam' }],
    ['POST', '/v1/tasks/spam/rollback', { scope: { kind: 'global' }, reason: 'r' }],
    ['POST', '/v1/models/1/retire', { reason: 'r' }],
    ['PUT', '/v1/tasks/spam/triggers', { rules: [{ kind: 'growth', labels: 10, scopes: ['global'] }, { kind: 'manual' }] }],
    ['POST', '/v1/users', { id: 'fuzzer', displayName: 'F' }],
    ['POST', '/v1/groups', { id: 'fuzzers', expert: true, description: 'd' }],
    ['POST', '/v1/groups/experts/members', { userId: 'ana' }],
    ['POST', '/v1/tokens', { userId: 'ana', role: 'user', label: 'l', expiresAt: '2999-01-01T00:00:00Z' }],
  ];

  /** Every variant of `body`: each leaf (and each object/array) replaced by each value, and each key removed. */
  function* variants(body: unknown): Generator<unknown> {
    if (body === null || typeof body !== 'object') {
      yield* VALUES;
      return;
    }
    const entries = Array.isArray(body) ? body.map((v, i) => [String(i), v] as const) : Object.entries(body);
    for (const [k, v] of entries) {
      for (const replacement of [...variants(v)]) {
        yield Array.isArray(body) ? body.map((x, i) => (String(i) === k ? replacement : x)) : { ...body, [k]: replacement };
      }
      if (!Array.isArray(body)) {
        const { [k]: _dropped, ...rest } = body as Record<string, unknown>;
        yield rest;
      }
    }
    yield* VALUES;
  }

  for (const [method, url, body] of BODIES) {
    it(`${method} ${url}`, async () => {
      let n = 0;
      for (const v of variants(body)) {
        const res = await s.app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${s.tokens.admin}`, 'content-type': 'application/json' }, payload: JSON.stringify(v) });
        assert.ok(res.statusCode < 500, `${method} ${url} ${JSON.stringify(v).slice(0, 300)} → ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) assert.ok((res.json() as { error: { message: string } }).error.message.length > 0);
        n++;
      }
      assert.ok(n > 10);
      await s.curator.idle();
    });
  }
});
