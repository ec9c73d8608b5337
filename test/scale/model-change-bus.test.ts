/*
 * ModelChangeBus: in-process, PostgreSQL LISTEN/NOTIFY and Redis pub/sub deliver a change to
 * every other bus on the same channel within a second; channels keep databases apart; a bus
 * whose connection was cut reconnects and tells its listeners that anything may have changed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { InProcessModelChangeBus, type ModelChange, type ModelChangeBus } from '../../src/lifecycle/model-change-bus.ts';
import { openModelChangeBus } from '../../src/lifecycle/model-change-bus-open.ts';
import { parseChange } from '../../src/lifecycle/model-change-bus.ts';
import { CuratorError } from '../../src/ml/errors.ts';
import { createCurator } from '../../src/lifecycle/index.ts';
import { openStore } from '../../src/store/index.ts';
import { emails, QUICK } from '../lifecycle/helpers.ts';
import { IN_CI, PG_URL, REDIS_URL, scaleProblem, until } from './helpers.ts';

const problem = await scaleProblem();
const skip = problem !== undefined && !IN_CI ? problem : false;

/** Publishes on `a` and resolves with what `b` heard and how long it took. */
async function roundTrip(a: ModelChangeBus, b: ModelChangeBus, change: ModelChange): Promise<{ heard: ModelChange; ms: number }> {
  const heard: ModelChange[] = [];
  const stop = b.subscribe((c) => heard.push(c));
  try {
    const t0 = performance.now();
    await a.publish(change);
    const got = await until('the change to arrive', () => heard[0], 2000, 2);
    return { heard: got, ms: performance.now() - t0 };
  } finally {
    stop();
  }
}

describe('ModelChangeBus', () => {
  it('in-process: listeners of the bus hear a change; an unsubscribed one does not', async () => {
    const bus = new InProcessModelChangeBus();
    const heard: ModelChange[] = [];
    const stop = bus.subscribe((c) => heard.push(c));
    bus.subscribe(() => {
      throw new Error('a listener bug');
    });
    await bus.publish({ kind: 'promote', taskId: 'spam', modelId: 3 });
    stop();
    await bus.publish({ kind: 'retire', taskId: 'spam', modelId: 3 });
    assert.deepEqual(heard, [{ kind: 'promote', taskId: 'spam', modelId: 3 }]);
  });

  it('wired into createCurator: a promotion made through one curator is what another serves next; without a bus it is not', async () => {
    // Three curators over one store (each with its own model cache), as three servers over one database.
    const store = await openStore('sqlite::memory:');
    const bus = new InProcessModelChangeBus();
    const a = await createCurator({ store, modelChanges: bus });
    const b = await createCurator({ store, modelChanges: bus });
    const deaf = await createCurator({ store });
    try {
      await a.addUser('ana');
      await a.createTask({ id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 2 }, minLabels: { global: 20, user: 40, group: 40 }, triggers: [{ kind: 'manual' }], promotion: { margin: 1 } });
      const add = async (mails: ReturnType<typeof emails>): Promise<void> => {
        const docs = await a.addDocuments('spam', mails.map((m) => ({ content: m.text })));
        await a.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'ana', label: mails[i]!.label })));
      };
      await add(emails(80));
      const first = await a.build('spam');
      assert.equal(first.status === 'built' && first.promoted, true);
      const text = emails(1)[0]!.text;
      assert.equal((await b.predict('spam', text)).modelId, first.status === 'built' ? first.model.id : -1);
      assert.equal((await deaf.predict('spam', text)).modelId, first.status === 'built' ? first.model.id : -1);
      await add(emails(30, emails(80)));
      const second = await a.build('spam');
      assert.equal(second.status === 'built' && !second.promoted, true, 'margin 1: a candidate');
      if (second.status !== 'built') return;
      await a.registry.promotions.promote({ taskId: 'spam', modelId: second.model.id, actor: 'ana', reason: 'by hand' });
      a.invalidate('spam');
      assert.equal((await b.predict('spam', text)).modelId, second.model.id, 'b heard the change');
      assert.equal((await deaf.predict('spam', text)).modelId, first.status === 'built' ? first.model.id : -1, 'a curator without the bus keeps its cached model');
    } finally {
      await Promise.all([a.close(), b.close(), deaf.close()]);
      await store.close();
    }
  });

  it('ignores messages that are not changes, and rejects an unknown URL scheme naming the field', async () => {
    assert.equal(parseChange('not json'), undefined);
    assert.equal(parseChange('{"taskId": 7}'), undefined);
    assert.deepEqual(parseChange('{"kind":"invalidate","taskId":null}'), { kind: 'invalidate', taskId: null });
    await assert.rejects(openModelChangeBus('http://x'), (e: unknown) => e instanceof CuratorError && e.code === 'INVALID_ARGUMENT' && e.field === 'modelChanges');
  });

  for (const kind of ['postgres', 'redis'] as const) {
    describe(`${kind}`, { skip }, () => {
      if (problem !== undefined) {
        it('is reachable', () => assert.fail(`${problem}; CI is set, so this fails instead of skipping`));
        return;
      }
      const url = (schema: string): string => (kind === 'postgres' ? `${PG_URL}?schema=${schema}` : REDIS_URL);
      const channel = (schema: string): { channel?: string } => (kind === 'redis' ? { channel: `curator-test:${schema}` } : {});

      it('another instance on the same database hears a change within a second; another database does not', async () => {
        const s = `bus_${randomBytes(3).toString('hex')}`;
        const a = await openModelChangeBus(url(s), channel(s));
        const b = await openModelChangeBus(url(s), channel(s));
        const other = await openModelChangeBus(url(`${s}_x`), channel(`${s}_x`));
        const stray: ModelChange[] = [];
        other.subscribe((c) => stray.push(c));
        try {
          const { heard, ms } = await roundTrip(a, b, { kind: 'promote', taskId: 'spam', scope: { kind: 'global' }, modelId: 9 });
          assert.deepEqual(heard, { kind: 'promote', taskId: 'spam', scope: { kind: 'global' }, modelId: 9 });
          assert.ok(ms < 1000, `${ms} ms`);
          await new Promise((r) => setTimeout(r, 100));
          assert.deepEqual(stray, []);
        } finally {
          await Promise.all([a.close(), b.close(), other.close()]);
        }
      });

      if (kind === 'postgres') {
        it('reconnects after its connection is cut and tells its listeners to re-read everything', async () => {
          const s = `bus_${randomBytes(3).toString('hex')}`;
          const a = await openModelChangeBus(url(s));
          const b = await openModelChangeBus(url(s));
          const heard: ModelChange[] = [];
          b.subscribe((c) => heard.push(c));
          const admin = new pg.Client({ connectionString: PG_URL });
          await admin.connect();
          try {
            const cut = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'curator-model-changes' and query like $1`, [`%curator_model_changes_${s}"%`]);
            assert.equal(cut.rowCount, 2);
            await until('the resync message', () => heard.find((c) => c.taskId === null), 5000);
            const { heard: after } = await roundTrip(a, b, { kind: 'rollback', taskId: 'spam' });
            assert.equal(after.kind, 'rollback', 'delivers again after reconnecting');
          } finally {
            await admin.end();
            await Promise.all([a.close(), b.close()]);
          }
        });
      }
    });
  }
});
