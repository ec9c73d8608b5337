import { InvalidArgumentError, type Command } from 'commander';
import type { Curator, CuratorConfig } from '../lifecycle/index.ts';
import { CuratorError } from '../ml/errors.ts';
// types.ts only: the CLI starts without loading the store, the learning core or the lifecycle
// until a command needs them (src/lifecycle is imported when a curator is opened).
import { GLOBAL, type Scope } from '../store/types.ts';

/** The database when neither `--db` nor `CURATOR_DB` names one. */
export const DEFAULT_DB = 'sqlite:./data/curator.db';

/** Options every command has. */
export interface CommonOptions {
  readonly db: string;
  readonly json: boolean;
}

/** Adds `--db <url>` (env CURATOR_DB) and `--json` to a command. */
export function withCommon(cmd: Command): Command {
  return cmd
    .option('--db <url>', 'database: sqlite:<file>, sqlite::memory: or postgres://… (env CURATOR_DB)', process.env['CURATOR_DB'] ?? DEFAULT_DB)
    .option('--json', 'machine-readable output on stdout (progress goes to stderr)', false);
}

/**
 * Opens a curator on `--db`, runs `fn`, and closes it whatever happens (waiting for builds the
 * command started and flushing the prediction log). Builds run in process unless `config.jobs`
 * says otherwise: a quick command must not take over, and then wait for, a build some stopped
 * process left behind (`serve`, `worker` and `train` use the worker engine, which does).
 */
export async function withCurator<T>(opts: CommonOptions, fn: (curator: Curator) => Promise<T>, config: Omit<CuratorConfig, 'store'> = {}): Promise<T> {
  const curator = await openCurator({ jobs: { engine: 'in-process' }, ...config, store: opts.db });
  try {
    return await fn(curator);
  } finally {
    await curator.close();
  }
}

/**
 * createCurator on a database URL, where a failure to open the database that is not already a
 * coded error (a folder that cannot be made, a file that is not SQLite) becomes
 * STORE_UNAVAILABLE naming the URL (exit 6) instead of an unexpected error.
 */
export async function openCurator(config: CuratorConfig & { store: string }): Promise<Curator> {
  const { createCurator } = await import('../lifecycle/index.ts');
  try {
    return await createCurator(config);
  } catch (error) {
    if (error instanceof CuratorError) throw error;
    throw new CuratorError('STORE_UNAVAILABLE', `cannot open the database ${config.store}: ${error instanceof Error ? error.message : String(error)}`, { field: 'db', cause: error });
  }
}

/** Prints `data` as JSON with `--json`, else the text `render` makes. */
export function emit(opts: { json: boolean }, data: unknown, render: () => string): void {
  if (opts.json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else {
    const text = render();
    if (text !== '') process.stdout.write(`${text}\n`);
  }
}

/** Commander parser for an integer ≥ `min` (a bad value exits 2 with the option named). */
export function intAtLeast(min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer ≥ ${min}; got ${JSON.stringify(value)}`);
    return n;
  };
}

/** Commander parser for a finite number. */
export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`must be a number; got ${JSON.stringify(value)}`);
  return n;
}

/** Commander parser for an ISO date or date-time. */
export function isoDate(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`must be an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z; got ${JSON.stringify(value)}`);
  return d;
}

/**
 * An integer setting from the environment, read when a command runs (never while the program is
 * built, so a bad variable only fails the commands that use it); undefined when unset.
 */
export function envInt(name: string, min: number): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new CuratorError('INVALID_ARGUMENT', `environment variable ${name} must be an integer ≥ ${min}; got ${JSON.stringify(v)}`, { field: name });
  }
  return n;
}

/** Parses `global`, `group:<id>` or `user:<id>`. */
export function parseScope(value: string): Scope {
  if (value === 'global') return GLOBAL;
  const m = /^(group|user):(.+)$/.exec(value);
  if (m === null) throw new InvalidArgumentError(`must be 'global', 'group:<id>' or 'user:<id>'; got ${JSON.stringify(value)}`);
  return m[1] === 'group' ? { kind: 'group', groupId: m[2]! } : { kind: 'user', userId: m[2]! };
}

/** `global`, `group:<id>` or `user:<id>`: the inverse of {@link parseScope}. */
export function scopeText(scope: Scope): string {
  if (scope.kind === 'global') return 'global';
  return scope.kind === 'group' ? `group:${scope.groupId}` : `user:${scope.userId}`;
}

/** Parses a positional model id (bad input exits 2). */
export function modelId(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CuratorError('INVALID_ARGUMENT', `model id must be a positive integer; got ${JSON.stringify(value)}`, { field: 'id' });
  return Number(value);
}

/** Who the CLI acts as in promotion history and build records: --actor, else the OS user. */
export function defaultActor(): string {
  return process.env['CURATOR_ACTOR'] ?? `cli:${process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown'}`;
}
