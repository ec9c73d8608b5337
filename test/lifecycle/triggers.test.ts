import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CuratorError } from '../../src/ml/errors.ts';
import {
  createCurator, InProcessBuildRunner, type BuildOutcome, type BuildProgress, type BuildRequest, type BuildRunner, type Curator, type TriggerRule,
} from '../../src/lifecycle/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { addLabelled, emails, QUICK } from './helpers.ts';

/** A clock the test moves by hand. */
class FakeClock {
  constructor(public t = Date.now()) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Holds every build until released, so "a build is running" lasts as long as the test wants. */
class GatedRunner implements BuildRunner {
  private readonly inner: InProcessBuildRunner;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => {};
  runs = 0;

  constructor(store: Store) {
    this.inner = new InProcessBuildRunner(store);
  }

  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }

  release(): void {
    this.open();
  }

  async run(request: BuildRequest, onProgress?: (p: BuildProgress) => void): Promise<BuildOutcome> {
    this.runs++;
    await this.gate;
    return this.inner.run(request, onProgress);
  }

  close(): Promise<void> {
    this.open();
    return this.inner.close();
  }
}

interface Ctx {
  curator: Curator;
  store: Store;
  clock: FakeClock;
  runner: GatedRunner;
}

let current: Ctx | undefined;

async function setup(triggers: TriggerRule[], options: { scheduleCheckMs?: number } = {}): Promise<Ctx> {
  const store = await openStore('sqlite::memory:');
  const clock = new FakeClock();
  const runner = new GatedRunner(store);
  const curator = await createCurator({ store, buildRunner: runner, triggers: { clock, scheduleCheckMs: options.scheduleCheckMs ?? 0 } });
  for (const u of ['ana', 'bob', 'eve']) await curator.addUser(u);
  await curator.createTask({ id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 3 }, minLabels: { global: 20, user: 40, group: 40 }, triggers });
  current = { curator, store, clock, runner };
  return current;
}

afterEach(async () => {
  if (current === undefined) return;
  await current.curator.close();
  await current.store.close();
  current = undefined;
});

async function jobCount(store: Store): Promise<number> {
  const rows = await (store as unknown as { db: { selectFrom(t: string): { selectAll(): { execute(): Promise<unknown[]> } } } }).db.selectFrom('jobs').selectAll().execute();
  return rows.length;
}

describe('triggers', () => {
  it('growth by N labels fires after the annotations that reach N, records its reason and the job it started, and counts again from that build', async () => {
    const { curator, store } = await setup([{ kind: 'growth', labels: 30 }, { kind: 'manual' }]);
    const first = emails(25);
    await addLabelled(curator, first, 'ana');
    assert.equal((await curator.triggerEvents('spam')).length, 0, '25 labels: not yet');
    const more = emails(10, first);
    await addLabelled(curator, more, 'bob');
    const events = await curator.triggerEvents('spam');
    assert.equal(events.length, 1);
    const e = events[0]!;
    assert.equal(e.rule, 'growth');
    assert.deepEqual(e.scope, { kind: 'global' });
    assert.match(e.reason, /growth: 35 labels \(global\) and no build yet; rule: 30 new labels/);
    assert.equal(e.detail?.['labelsSince'], 35);
    assert.ok(e.jobId !== null);
    const job = await store.activity.getJob(e.jobId!);
    assert.equal(job?.taskId, 'spam');
    assert.equal((job?.params as { trigger?: string }).trigger, 'growth');

    await curator.idle();
    const built = await store.activity.getJob(e.jobId!);
    assert.equal(built?.status, 'succeeded');
    assert.ok((built?.result as { modelId?: number }).modelId !== undefined, 'the firing job built the model');
    assert.equal(await jobCount(store), 1);

    // 20 more labels since that build: below 30, nothing; 15 more: 35 since the build, fires.
    const later = emails(35, [...first, ...more]);
    await addLabelled(curator, later.slice(0, 20), 'ana');
    assert.equal((await curator.triggerEvents('spam')).length, 1);
    await addLabelled(curator, later.slice(20), 'ana');
    const again = await curator.triggerEvents('spam');
    assert.equal(again.length, 2);
    assert.match(again[0]!.reason, /growth: 35 labels \(global\) since the last build/);
    await curator.idle();
  });

  it('growth by P % compares with the snapshot of the last build; a scope never built waits for its first build', async () => {
    const { curator } = await setup([{ kind: 'growth', percent: 50 }]);
    const base = emails(40);
    await addLabelled(curator, base, 'ana');
    assert.equal((await curator.triggerEvents('spam')).length, 0, 'no baseline yet: the first build is explicit');
    const first = await curator.build('spam');
    assert.equal(first.status, 'built');
    const extra = emails(30, base);
    await addLabelled(curator, extra.slice(0, 15), 'bob');
    assert.equal((await curator.triggerEvents('spam')).length, 0, '+37.5 %: not yet');
    await addLabelled(curator, extra.slice(15), 'bob');
    const [e] = await curator.triggerEvents('spam');
    assert.match(e!.reason, /70 labelled documents \(global\) vs 40 in snapshot #\d+ \(\+75\.0 %\); rule: 50 %/);
    assert.equal(e!.detail?.['snapshotSize'], 40);
    await curator.idle();
  });

  it('growth for user and group scopes fires for the annotators that reach their minimum', async () => {
    const { curator } = await setup([{ kind: 'growth', labels: 40, scopes: ['user', 'group'] }]);
    await curator.addGroup('experts', { expert: true });
    await curator.addMember('eve', 'experts');
    await addLabelled(curator, emails(45), 'eve');
    const events = await curator.triggerEvents('spam');
    assert.deepEqual(events.map((e) => e.scope).sort((a, b) => a.kind.localeCompare(b.kind)), [{ kind: 'group', groupId: 'experts' }, { kind: 'user', userId: 'eve' }]);
    assert.ok(events.every((e) => e.jobId !== null));
    await curator.idle();
  });

  it('debounced: no second build of a task and scope while one runs; a manual press joins it and names its job', async () => {
    const { curator, store, runner } = await setup([{ kind: 'growth', labels: 20 }, { kind: 'manual' }]);
    runner.hold();
    await addLabelled(curator, emails(25), 'ana');
    const [fired] = await curator.triggerEvents('spam');
    assert.ok(fired?.jobId);
    // More growth while the build is held: debounced, nothing recorded, no job.
    await addLabelled(curator, emails(30, emails(25)), 'bob');
    assert.equal((await curator.triggerEvents('spam')).length, 1);
    const pressed = await curator.trigger('spam', { actor: 'ana', reason: 'impatient' });
    assert.equal(pressed.status, 'debounced');
    assert.equal(pressed.jobId, fired.jobId, 'the manual press names the running job');
    assert.equal(await jobCount(store), 1);
    const direct = curator.build('spam');
    runner.release();
    const [a, b] = await Promise.all([pressed.outcome!, direct]);
    assert.equal(a.jobId, fired.jobId);
    assert.equal(b.jobId, fired.jobId, 'curator.build joined the triggered build');
    assert.equal(runner.runs, 1);
    await curator.idle();
  });

  it('schedule: every T since the last build, on a fake clock; the timer is off with scheduleCheckMs 0', async () => {
    const hour = 3_600_000;
    const { curator, clock, store } = await setup([{ kind: 'schedule', everyMs: hour }]);
    assert.deepEqual(await curator.checkTriggers(), [], 'no labels: nothing to build');
    await addLabelled(curator, emails(30), 'ana');
    const [r1] = await curator.checkTriggers();
    assert.equal(r1?.status, 'started');
    assert.match(r1!.reason, /schedule: no build of global yet; rule: every 60\.0 min/);
    await r1!.outcome;
    clock.advance(hour / 2);
    assert.deepEqual(await curator.checkTriggers(), [], 'half an hour later: not due');
    clock.advance(hour / 2 + 1000);
    const [r2] = await curator.checkTriggers();
    assert.equal(r2?.status, 'started');
    assert.match(r2!.reason, /last build of global 60\.0 min ago/);
    const job = await store.activity.getJob(r2!.jobId!);
    assert.equal(job?.createdAt.getTime(), clock.now(), 'the job carries the clock time');
    await r2!.outcome;
    assert.equal((await curator.triggerEvents('spam', { rule: 'schedule' })).length, 2);
  });

  it('schedule: the unref\'d timer checks by itself and close() stops it', async () => {
    const { curator } = await setup([{ kind: 'schedule', everyMs: 1000 }], { scheduleCheckMs: 10 });
    await addLabelled(curator, emails(30), 'ana');
    const deadline = Date.now() + 5000;
    while ((await curator.triggerEvents('spam')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await curator.triggerEvents('spam')).length, 1);
    await curator.idle();
  });

  it('manual: "train now" records the press with its actor and job; a task without a manual rule refuses', async () => {
    const { curator, store } = await setup([{ kind: 'manual' }]);
    await addLabelled(curator, emails(30), 'ana');
    const r = await curator.trigger('spam', { actor: 'bob', reason: 'new campaign' });
    assert.equal(r.status, 'started');
    assert.equal((await r.outcome!).status, 'built');
    const [e] = await curator.triggerEvents('spam');
    assert.equal(e!.rule, 'manual');
    assert.equal(e!.jobId, r.jobId);
    assert.match(e!.reason, /manual: new campaign \(bob, global\)/);
    assert.equal((await store.activity.getJob(r.jobId!))?.status, 'succeeded');

    await curator.createTask({ id: 'auto', labels: ['a', 'b'], candidates: QUICK, triggers: [{ kind: 'growth', labels: 10 }] });
    await assert.rejects(curator.trigger('auto'), (err: unknown) => err instanceof CuratorError && err.code === 'INVALID_STATE' && /no manual trigger rule/.test(err.message));
    await assert.rejects(curator.trigger('spam', { scope: { kind: 'user', userId: 'mallory' } }), (err: unknown) => err instanceof CuratorError && err.code === 'INVALID_REFERENCE');
    await assert.rejects(curator.trigger('nope'), (err: unknown) => err instanceof CuratorError && err.code === 'NOT_FOUND');
  });
});

describe('trigger rules with nonsense parameters', () => {
  it('are refused with a coded error naming the field, and nothing is stored', async () => {
    const { curator } = await setup([{ kind: 'manual' }]);
    const cases: [unknown, string, RegExp][] = [
      [[{ kind: 'growth', labels: 5, lables: 3 }], 'triggers[0].lables', /not a setting of a growth rule \(labels, percent, scopes\)/],
      [[{ kind: 'growth', percent: -5 }], 'triggers[0].percent', /a number in/],
      [[{ kind: 'growth', labels: 2.5 }], 'triggers[0].labels', /integer ≥ 1/],
      [[{ kind: 'schedule' }], 'triggers[0].everyMs', /integer ≥ 1000/],
      [[{ kind: 'schedule', everyMs: Number.NaN }], 'triggers[0].everyMs', /integer ≥ 1000/],
      [[{ kind: 'schedule', everyMs: 60_000, scopes: ['user', 'user'] }], 'triggers[0].scopes', /distinct/],
      [[{ kind: 'decay', alpha: 0 }], 'triggers[0].alpha', /significance level in \(0, 0.5\]/],
      [[{ kind: 'decay', alpha: 0.7 }], 'triggers[0].alpha', /\[0, 0.5\]/],
      [[{ kind: 'decay', floor: 1.5 }], 'triggers[0].floor', /\[0, 1\]/],
      [[{ kind: 'decay', margin: -0.1 }], 'triggers[0].margin', /\[0, 1\]/],
      [[{ kind: 'decay', minSamples: 0 }], 'triggers[0].minSamples', /integer ≥ 1/],
      [[{ kind: 'decay', minSamples: 500, window: 100 }], 'triggers[0].minSamples', /at most the window \(100 feedbacks\)/],
      [[{ kind: 'decay', windowMs: 10 }], 'triggers[0].windowMs', /integer ≥ 1000/],
      [[{ kind: 'manual', everyMs: 1000 }], 'triggers[0].everyMs', /not a setting of a manual rule \(none\)/],
      [[null], 'triggers[0]', /an object/],
      ['growth', 'triggers', /a list of trigger rules/],
    ];
    for (const [triggers, field, message] of cases) {
      await assert.rejects(
        curator.createTask({ id: 'bad', labels: ['a', 'b'], candidates: QUICK, triggers: triggers as TriggerRule[] }),
        (err: unknown) => err instanceof CuratorError && err.code === 'INVALID_ARGUMENT' && err.field === field && message.test(err.message),
        `${JSON.stringify(triggers)} -> ${field}`,
      );
    }
    await assert.rejects(curator.task('bad'), (err: unknown) => err instanceof CuratorError && err.code === 'NOT_FOUND');
    assert.equal((await curator.triggerEvents('spam')).length, 0);
  });

  it('createCurator refuses a nonsense schedule period, clock or persist interval', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const codeOf = async (p: Promise<unknown>): Promise<[string, string | undefined]> => {
        try {
          await p;
        } catch (e) {
          if (e instanceof CuratorError) return [e.code, e.field];
        }
        return ['none', undefined];
      };
      assert.deepEqual(await codeOf(createCurator({ store, triggers: { scheduleCheckMs: -1 } })), ['INVALID_ARGUMENT', 'triggers.scheduleCheckMs']);
      assert.deepEqual(await codeOf(createCurator({ store, triggers: { clock: {} as never } })), ['INVALID_ARGUMENT', 'triggers.clock']);
      assert.deepEqual(await codeOf(createCurator({ store, monitor: { persistEvery: 0 } })), ['INVALID_ARGUMENT', 'monitor.persistEvery']);
    } finally {
      await store.close();
    }
  });
});
