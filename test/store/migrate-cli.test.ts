import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts', ...args]);

it('migrate applies the migrations once, then reports the schema up to date', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curator-migrate-'));
  try {
    const url = `sqlite:${join(dir, 'db', 'curator.db')}`;
    const first = await cli(['--db', url]);
    assert.match(first.stdout, /applied \d+ migration\(s\): 0001-initial/);
    const second = await cli(['--db', url]);
    assert.match(second.stdout, /schema is up to date/);
    await assert.rejects(cli(['--db', 'mysql://x']), (e: { code?: number; stderr?: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr ?? '', /INVALID_ARGUMENT.*unknown database URL scheme/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
