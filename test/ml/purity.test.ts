import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ML = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'ml');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// DESIGN.md: src/ml does no I/O and imports nothing from the other layers. CRC-32 for model-file
// checksums is the one computation it borrows from Node.
const ALLOWED_BUILTINS = new Set(['node:zlib']);

test('src/ml imports only itself (and the CRC-32 of node:zlib for checksums): no I/O, no other layer', () => {
  const offenders: string[] = [];
  for (const f of files(ML)) {
    const src = readFileSync(f, 'utf8');
    const specs = [
      ...src.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm),
      ...src.matchAll(/^\s*import\s+'([^']+)'/gm),
      ...src.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
    ];
    for (const m of specs) {
      const spec = m[1]!;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(f), spec);
        if (relative(ML, target).startsWith('..')) offenders.push(`${relative(ML, f)} imports ${spec}`);
      } else if (!ALLOWED_BUILTINS.has(spec)) {
        offenders.push(`${relative(ML, f)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});
