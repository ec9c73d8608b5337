/*
 * A small Curator cluster of child processes for the scale-out test, kill loop and bench:
 * M `curator worker` processes and N API servers on one PostgreSQL schema and one set of queues.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REDIS_URL, type ScaleEnv } from './helpers.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** One child process and the JSON lines it printed. */
export class Child {
  readonly lines: Record<string, unknown>[] = [];
  readonly stderr: string[] = [];
  private readonly waiters = new Set<() => void>();
  exited: number | string | null = null;

  constructor(readonly name: string, readonly proc: ChildProcess) {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.stderr.push(line);
        }
        for (const w of this.waiters) w();
      }
    });
    proc.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString('utf8')));
    proc.on('exit', (code, signal) => {
      this.exited = code ?? signal;
      for (const w of this.waiters) w();
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Log lines (workers). */
  get log(): string[] {
    return this.lines.filter((l) => l['event'] === 'log').map((l) => String(l['line']));
  }

  /** Waits for a line matching `pred` (already printed or to come). */
  waitFor(pred: (l: Record<string, unknown>) => boolean, ms = 60_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.lines.find(pred);
        if (hit !== undefined) {
          done();
          resolve(hit);
        } else if (this.exited !== null) {
          done();
          reject(new Error(`${this.name} exited (${this.exited}) before the line came; stderr: ${this.stderr.join('').slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no such line within ${ms} ms; stderr: ${this.stderr.join('').slice(-2000)}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Stops the process (SIGTERM, then SIGKILL after `graceMs`) and waits for its exit. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited !== null) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(t);
  }

  /** Kills the process at once, as a crash would. */
  async kill(): Promise<void> {
    if (this.exited !== null) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    await gone;
  }
}

function spawnTs(name: string, script: string, args: readonly string[], extraEnv: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', `${HERE}${script}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv } });
  return new Child(name, proc);
}

/** Starts a worker process and waits until it takes jobs. */
export async function startWorkerProcess(env: ScaleEnv, name: string, lockDurationMs = 3000, extraEnv: Record<string, string> = {}): Promise<Child> {
  const c = spawnTs(name, 'worker-child.ts', [env.dbUrl, REDIS_URL, env.queue, env.prefix, String(lockDurationMs)], extraEnv);
  await c.waitFor((l) => l['event'] === 'ready');
  return c;
}

/** Starts an API server process; resolves with it and its base URL. */
export async function startServerProcess(env: ScaleEnv, name: string): Promise<{ child: Child; base: string }> {
  const c = spawnTs(name, 'server-child.ts', [env.dbUrl, REDIS_URL, env.queue, env.prefix]);
  const l = await c.waitFor((x) => x['event'] === 'listening');
  return { child: c, base: `http://127.0.0.1:${String(l['port'])}` };
}

/** JSON over HTTP with a bearer token; throws on a non-2xx answer with its body. */
export async function api<T = Record<string, unknown>>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return (text === '' ? {} : JSON.parse(text)) as T;
}

/** Concurrent predict requests against several servers until stopped; counts answers and failures. */
export class LoadGenerator {
  ok = 0;
  readonly failures: string[] = [];
  readonly modelIds = new Set<number>();
  private running = true;
  private readonly loops: Promise<void>[] = [];

  constructor(bases: readonly string[], token: string, taskId: string, texts: readonly string[], concurrency = 4) {
    for (let i = 0; i < concurrency; i++) {
      this.loops.push((async () => {
        for (let n = i; this.running; n++) {
          const base = bases[n % bases.length]!;
          try {
            const a = await api<{ modelId: number }>(base, token, 'POST', `/v1/tasks/${taskId}/predict`, { text: texts[n % texts.length] });
            this.ok++;
            this.modelIds.add(a.modelId);
          } catch (error) {
            this.failures.push(`${base}: ${(error as Error).message}`);
          }
        }
      })());
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}
