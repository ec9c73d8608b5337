import { CommanderError } from 'commander';
import { CuratorError } from '../ml/errors.ts';
import { EXIT, exitCodeOf } from './exit-codes.ts';

/**
 * Prints an error as one line on stderr and answers the exit code. A `CuratorError` never shows
 * a stack (its code and message say what to fix); anything else is unexpected (exit 1) and
 * shows its stack only with CURATOR_DEBUG=1.
 */
export function reportError(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE; // commander printed it
  if (error instanceof CuratorError) {
    if (json) process.stderr.write(`${JSON.stringify({ error: { code: error.code, message: error.message, field: error.field ?? null } })}\n`);
    else process.stderr.write(`curator: ${error.code}${error.field === undefined ? '' : ` (${error.field})`}: ${error.message}\n`);
    return exitCodeOf(error.code);
  }
  const e = error instanceof Error ? error : new Error(String(error));
  if (json) process.stderr.write(`${JSON.stringify({ error: { code: 'UNEXPECTED', message: e.message, field: null } })}\n`);
  else process.stderr.write(`curator: unexpected error: ${e.message}${process.env['CURATOR_DEBUG'] ? `\n${e.stack ?? ''}` : ' (CURATOR_DEBUG=1 shows the stack)'}\n`);
  return EXIT.UNEXPECTED;
}
