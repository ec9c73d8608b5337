/*
 * The contract test setup: every feature file runs its tests once per backend (SQLite file,
 * SQLite :memory:, PostgreSQL). A file gets one store per backend, opened before its tests and
 * disposed after; tests keep apart by naming their tasks/users with `ctx.unique`, because a
 * fresh PostgreSQL schema costs ~0.6 s of DDL and a TRUNCATE of every table almost as much.
 *
 * PostgreSQL: each file works in its own schema (curator_t_<pid>_<random>), dropped afterwards,
 * so parallel files, parallel CI runs and leftovers never collide. When the server does not
 * answer, the PostgreSQL tests are skipped with the reason, except when CI is set: then they fail.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dropSchema, IN_CI, probePostgres } from '../helpers/services.ts';
import { openStore, type OpenStoreOptions, type Store } from '../../src/store/index.ts';

/** Where the PostgreSQL contract run connects (CURATOR_TEST_PG_URL overrides). */
export const PG_URL = process.env.CURATOR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One backend the contract runs on. */
export interface Backend {
  readonly name: string;
  /** Why this backend is skipped; undefined when it runs. */
  readonly skip: string | undefined;
  /** Why this backend must fail instead (unreachable under CI); undefined when it runs. */
  readonly fail?: string | undefined;
  /** The data outlives the store (a file or a server), so reopening sees it. */
  readonly persistent: boolean;
  open(): Promise<OpenedBackend>;
}

export interface OpenedBackend {
  readonly store: Store;
  readonly url: string;
  readonly options: OpenStoreOptions;
  dispose(): Promise<void>;
}

/** What a contract test sees. */
export interface ContractContext {
  readonly backend: Backend;
  /** The open store (throws outside a test). */
  readonly store: Store;
  readonly opened: OpenedBackend;
  /** A name no other test of this run uses. */
  unique(prefix: string): string;
}

const pgProblem = await probePostgres(PG_URL);
const inCi = IN_CI;

const sqliteFile: Backend = {
  name: 'sqlite file',
  skip: undefined,
  persistent: true,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'curator-store-'));
    const url = `sqlite:${join(dir, 'curator.db')}`;
    const store = await openStore(url);
    return {
      store,
      url,
      options: {},
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const sqliteMemory: Backend = {
  name: 'sqlite :memory:',
  skip: undefined,
  persistent: false,
  async open() {
    const store = await openStore('sqlite::memory:');
    return { store, url: 'sqlite::memory:', options: {}, dispose: () => store.close() };
  },
};

const postgres: Backend = {
  name: 'postgresql',
  skip: pgProblem !== undefined && !inCi ? `PostgreSQL at ${PG_URL} is unreachable (${pgProblem}); set it up or run .ci/run` : undefined,
  fail: pgProblem !== undefined && inCi ? `PostgreSQL at ${PG_URL} is unreachable (${pgProblem}); CI is set, so the PostgreSQL contract run fails instead of skipping` : undefined,
  persistent: true,
  async open() {
    const schema = `curator_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const options = { schema, poolSize: 4 };
    const store = await openStore(PG_URL, options);
    return {
      store,
      url: PG_URL,
      options,
      async dispose() {
        await store.close();
        await dropSchema(PG_URL, schema);
      },
    };
  },
};

/** Every backend, in the order the contract runs them. */
export const BACKENDS: readonly Backend[] = [sqliteFile, sqliteMemory, postgres];

let counter = 0;

/**
 * Runs `body` (which declares tests with node:test's `it`/`test`) once per backend, each in a
 * `describe` named after the backend and skipped with a reason where the backend is missing.
 *
 * @example
 * forEachBackend('models', (ctx) => {
 *   it('registers', async () => { const task = ctx.unique('task'); ... ctx.store ... });
 * });
 */
export function forEachBackend(title: string, body: (ctx: ContractContext) => void): void {
  for (const backend of BACKENDS) {
    describe(`${title} [${backend.name}]`, backend.skip === undefined ? {} : { skip: backend.skip }, () => {
      const failure = backend.fail;
      if (failure !== undefined) {
        // A failing test (not only a failing hook), so the runner's closing counts show it.
        it('backend is reachable', () => assert.fail(failure));
        return;
      }
      let opened: OpenedBackend | undefined;
      before(async () => {
        opened = await backend.open();
      });
      after(async () => {
        await opened?.dispose();
      });
      const ctx: ContractContext = {
        backend,
        get opened() {
          if (opened === undefined) throw new Error(`${backend.name}: store is not open`);
          return opened;
        },
        get store() {
          return ctx.opened.store;
        },
        unique: (prefix: string) => `${prefix}_${++counter}_${randomBytes(3).toString('hex')}`,
      };
      body(ctx);
    });
  }
}
