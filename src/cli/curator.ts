/**
 * `curator`: the command-line entry (bin/curator.js starts it through tsx).
 *
 * @example npx curator --help
 * @example npx curator serve --demo
 */
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2));
