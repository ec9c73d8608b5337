import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createProgram } from '../../src/cli/program.ts';
import { cli, inParallel } from './helpers.ts';

const COMMANDS = ['serve', 'worker', 'migrate', 'tasks', 'import', 'train', 'models', 'predict', 'feedback', 'monitor', 'demo', 'users', 'groups', 'tokens'];

// Each process costs a second of start-up (tsx and the module graph), so the binary is spawned for
// the top level and a few commands; the in-process walk below checks every command's help.
const SPAWNED = ['import', 'models', 'serve'];

it('the binary answers --help for the program and its commands with usage and exit codes, exit 0', async () => {
  const results = await inParallel([() => cli(['--help']), ...SPAWNED.map((c) => () => cli([c, '--help']))]);
  assert.match(results[0]!.stdout, /Usage: curator \[options\] \[command\]/);
  for (const c of COMMANDS) assert.match(results[0]!.stdout, new RegExp(`\\n  ${c}\\b`), `${c} is listed`);
  results.forEach((r, i) => {
    assert.equal(r.code, 0, r.stderr);
    if (i > 0) assert.match(r.stdout, new RegExp(`Usage: curator ${SPAWNED[i - 1]}`));
    assert.match(r.stdout, /Exit codes:\n {2}0 {2}ok\n {2}1 {2}unexpected/);
    assert.match(r.stdout, /3 {2}not found/);
  });
});

it('every command has help with its usage and the exit codes', () => {
  const program = createProgram();
  for (const c of COMMANDS) {
    const cmd = program.commands.find((x) => x.name() === c);
    assert.ok(cmd, `${c} exists`);
    let text = '';
    cmd.configureOutput({ writeOut: (s) => (text += s) });
    cmd.outputHelp();
    assert.match(text, new RegExp(`Usage: curator ${c}`));
    assert.match(text, /Exit codes:\n {2}0 {2}ok/, `${c} --help ends with the exit codes`);
  }
});

it('every subcommand has help, and every command that touches data takes --db and --json', () => {
  const seen: string[] = [];
  const walk = (cmd: ReturnType<typeof createProgram>, path: string): void => {
    for (const sub of cmd.commands) {
      const name = `${path} ${sub.name()}`.trim();
      if (sub.commands.length > 0) {
        walk(sub, name);
        continue;
      }
      seen.push(name);
      const help = sub.helpInformation();
      assert.match(help, new RegExp(`Usage: curator ${name}`));
      assert.match(help, /--db <url>/, `${name} has --db`);
      assert.match(help, /--json/, `${name} has --json`);
      assert.ok(sub.description().length > 10, `${name} has a description`);
    }
  };
  walk(createProgram(), '');
  for (const c of ['models ls', 'models show', 'models promote', 'models rollback', 'models retire', 'models export', 'users add', 'users ls', 'groups add', 'groups ls', 'tokens add', 'tokens ls', 'tokens revoke']) {
    assert.ok(seen.includes(c), `${c} exists`);
  }
});

it('an unknown command or option exits 2 with one line and a hint, no stack', async () => {
  const [cmd, opt] = await inParallel([() => cli(['frobnicate']), () => cli(['models', 'ls', '--nope'])]);
  assert.equal(cmd!.code, 2);
  assert.match(cmd!.stderr, /unknown command 'frobnicate'/);
  assert.equal(opt!.code, 2);
  assert.match(opt!.stderr, /unknown option '--nope'\n(.*\n)?\(add --help for usage\)/);
});
