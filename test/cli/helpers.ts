import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.ts';

/** The repository root: the CLI runs from there, as `npx curator` does. */
export const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'curator.js');

/** What a finished CLI run printed and its exit code. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `curator …args` in a child process (through bin/curator.js, as `npx curator` does). */
export function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CURATOR_DEBUG: '', ...env }, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `curator …args` and leaves it running (serve, worker). */
export function start(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CURATOR_DEBUG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A temp folder with a SQLite URL in it; `done()` removes it. */
export function tempDb(): { dir: string; db: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'curator-cli-'));
  return { dir, db: `sqlite:${join(dir, 'curator.db')}`, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Rows per table: compared before and after a refused command to show nothing stored changed. */
export async function tableCounts(db: string): Promise<Record<string, number>> {
  const store = await openStore(db);
  try {
    return await store.listing.tableCounts();
  } finally {
    await store.close();
  }
}

/** A tiny ham/spam corpus a 3-fold build learns in well under a second (quotes and commas inside fields on purpose). */
export function tinyCorpus(n = 36): { text: string; label: 'ham' | 'spam' }[] {
  const words = {
    ham: ['meeting', 'lunch', 'project', 'report', 'family', 'weekend', 'notes', 'schedule'],
    spam: ['cheap', 'pills', 'winner', 'money', 'click', 'offer', 'free', 'prize'],
  };
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2 === 0 ? 'ham' : 'spam';
    const w = words[label];
    return { text: `${w[i % 8]} ${w[(i * 3) % 8]}, "${w[(i * 5) % 8]}" and ${w[(i + 1) % 8]} #${i}`, label };
  });
}

/** The records as CSV with a header `text,label` (fields quoted, quotes doubled). */
export function toCsv(records: readonly { text: string; label: string }[], head = 'text,label'): string {
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  return `${head}\n${records.map((r) => `${q(r.text)},${r.label}`).join('\r\n')}\n`;
}

/** Runs `jobs` at most `width` at a time, answers their results in order (several CLI processes overlap their start-up). */
export async function inParallel<T>(jobs: readonly (() => Promise<T>)[], width = 3): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, lane));
  return out;
}

/** Reads the child's stdout until its first line (serve --json prints one line once it listens). */
export async function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line on stdout within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening; stderr: ${err}`));
    });
  });
}
