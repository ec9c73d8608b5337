import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createCurator, type Curator } from '../../src/lifecycle/index.ts';
import { createServer, issueToken, type ServerOptions } from '../../src/server/index.ts';
import { emails, QUICK } from '../lifecycle/helpers.ts';

/** A server over a fresh SQLite :memory: curator, with users and a token per role. */
export interface TestServer {
  readonly app: FastifyInstance;
  readonly curator: Curator;
  /** Tokens: admin (root), editor (ed), user ana, user bob (bob in group 'experts'). */
  readonly tokens: { admin: string; editor: string; ana: string; bob: string };
  /** `app.inject` with a bearer token (or none). */
  call(method: string, url: string, token?: string | null, body?: unknown, extra?: Partial<InjectOptions>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Starts a test server: a task 'spam' (two quick candidates, 2 folds, small minimums, manual trigger). */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const curator = await createCurator({ store: 'sqlite::memory:', predictionLog: { flushIntervalMs: 20 }, triggers: { scheduleCheckMs: 0 } });
  for (const u of ['root', 'ed', 'ana', 'bob']) await curator.addUser(u);
  await curator.addGroup('experts', { expert: true });
  await curator.addMember('bob', 'experts');
  await curator.createTask({
    id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 2 },
    minLabels: { global: 6, user: 6, group: 6 }, triggers: [{ kind: 'manual' }],
  });
  const store = curator.store;
  const tokens = {
    admin: (await issueToken(store, { userId: 'root', role: 'admin' })).token,
    editor: (await issueToken(store, { userId: 'ed', role: 'editor' })).token,
    ana: (await issueToken(store, { userId: 'ana', role: 'user' })).token,
    bob: (await issueToken(store, { userId: 'bob', role: 'user' })).token,
  };
  const app = await createServer({ curator, checkResponses: true, defaultMetrics: false, dashboard: false, rateLimit: false, jobPollMs: 20, ...options });
  const call = (method: string, url: string, token?: string | null, body?: unknown, extra: Partial<InjectOptions> = {}) =>
    app.inject({
      method: method as InjectOptions['method'],
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(extra.headers ?? {}) },
      ...(body === undefined ? {} : typeof body === 'string' ? { payload: body, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } } : { payload: body as object }),
      ...(extra.payload === undefined ? {} : { payload: extra.payload }),
    });
  return {
    app, curator, tokens, call,
    async close() {
      await app.close();
      await curator.close();
    },
  };
}

/** Adds `n` labelled emails as `userId` through the API (admin token) and returns their ids. */
export async function seedLabelled(s: TestServer, n: number, authorId = 'root'): Promise<number[]> {
  const records = emails(n);
  const res = await s.call('POST', '/v1/tasks/spam/documents', s.tokens.admin, { documents: records.map((r) => ({ content: r.text, authorId })) });
  if (res.statusCode !== 201) throw new Error(`seed documents: ${res.statusCode} ${res.body}`);
  const ids = (res.json() as { items: { id: number }[] }).items.map((d) => d.id);
  await s.curator.annotateMany('spam', ids.map((id, i) => ({ documentId: id, userId: authorId, label: records[i]!.label })));
  return ids;
}

/** A task with a dozen labelled emails and a built, active global model. */
export async function startWithModel(options: Partial<ServerOptions> = {}): Promise<TestServer & { docIds: number[] }> {
  const s = await startServer(options);
  const docIds = await seedLabelled(s, 12);
  const outcome = await s.curator.build('spam', { actor: 'root', reason: 'test model' });
  if (outcome.status !== 'built' || !outcome.promoted) throw new Error(`test model not built: ${JSON.stringify(outcome.status)}`);
  return { ...s, docIds };
}
