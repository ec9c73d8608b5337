import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpamCorpus } from '../../../src/demo/spam-corpus.ts';
import { defaultCandidates } from '../../../src/ml/default-candidates.ts';
import { ModelFileReader } from '../../../src/ml/persist/model-file-reader.ts';
import { loadModel, readModelHeader, saveModel } from '../../../src/ml/persist/model-file.ts';
import { storedBytes } from '../../../src/ml/persist/section-codecs.ts';
import type { Pipeline } from '../../../src/ml/pipeline/pipeline.ts';
import { CuratorError } from '../../../src/ml/errors.ts';

/*
 * ModelFileReader is fed a file the way the registry feeds it from PostgreSQL: a buffer of the
 * file's full size, filled front to back in pieces, `advance` after each. Whatever the pieces,
 * `finish` must give the model `loadModel` gives, or the error it gives.
 */

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const corpus = loadSpamCorpus();
const train = [...corpus.filter((r) => r.label === 'spam').slice(0, 150), ...corpus.filter((r) => r.label !== 'spam').slice(0, 150)];
const probe = corpus.slice(2000, 2040).map((r) => r.text);

function fitted(name: string): Uint8Array {
  const pipe = defaultCandidates()
    .find((c) => c.name === name)!
    .make()
    .fit(
      train.map((r) => r.text),
      train.map((r) => r.label),
    );
  return saveModel(pipe);
}

const files: [string, Uint8Array][] = [
  ['LinearSVC+tfidf, version 3', fitted('LinearSVC+tfidf')],
  ['MultinomialNB+tfidf, version 3', fitted('MultinomialNB+tfidf')],
  ['LinearSVC+tfidf, version 2 fixture', new Uint8Array(readFileSync(join(FIXTURES, 'linear-svc-tfidf.v2.bin')))],
  ['MultinomialNB+tfidf, version 2 fixture', new Uint8Array(readFileSync(join(FIXTURES, 'multinomial-nb-tfidf.v2.bin')))],
];

/** Copies `bytes` into a fresh buffer piece by piece (sizes from `sizes`, cycled), advancing the reader after each. */
function feed(reader: ModelFileReader, bytes: Uint8Array, sizes: readonly number[]): Uint8Array {
  const file = new Uint8Array(bytes.length);
  let filled = 0;
  for (let i = 0; filled < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, bytes.length - filled);
    file.set(bytes.subarray(filled, filled + n), filled);
    filled += n;
    reader.advance(file, filled);
  }
  return file;
}

/** Decision values as one array, so "the same model" means the same bits. */
function scores(p: Pipeline): number[] {
  const clf = p.finalEstimator as { decisionFunction?: unknown };
  return Array.from(typeof clf.decisionFunction === 'function' ? p.decisionFunction(probe).data : p.predictProba(probe).data);
}

const PIECES: Record<string, number[]> = {
  'one byte at a time': [1],
  'odd sizes': [7, 13, 1000, 3],
  'socket-sized reads': [65_536, 262_144, 4096],
  'all at once': [Number.MAX_SAFE_INTEGER],
};

for (const [label, bytes] of files) {
  test(`${label}: fed in pieces, finish gives exactly the model loadModel gives`, () => {
    const want = loadModel(bytes, { expect: 'Pipeline' });
    for (const [how, sizes] of Object.entries(PIECES)) {
      if (how === 'one byte at a time' && bytes.length > 200_000) continue; // 300k advance calls add nothing the odd sizes miss
      const reader = new ModelFileReader({ expect: 'Pipeline', checksum: 'verified' });
      const file = feed(reader, bytes, sizes);
      const got = reader.finish(file);
      assert.deepEqual(got.predict(probe), want.predict(probe), how);
      assert.deepEqual(scores(got), scores(want), how);
      // Saved again, a model is its weights, bit for bit: none was rebuilt from bytes not yet in.
      assert.ok(Buffer.from(saveModel(got)).equals(Buffer.from(saveModel(want))), how);
    }
  });
}

test('a version 3 file puts its encoded sections first, so they are rebuilt while the raw bytes still arrive', () => {
  for (const [label, bytes] of files.slice(0, 2)) {
    const { sections } = readModelHeader(bytes);
    const encoded = sections.filter((s) => s.encoding !== undefined);
    const raw = sections.filter((s) => s.encoding === undefined);
    assert.ok(encoded.length > 0 && raw.length > 0, label);
    const lastEncoded = Math.max(...encoded.map((s) => s.offset));
    assert.ok(raw.every((s) => s.offset > lastEncoded), `${label}: ${sections.map((s) => `${s.name}@${s.offset}`).join(' ')}`);
  }
});

test('what was rebuilt from one buffer is not used for another: finish on other bytes loads those bytes', () => {
  const bytes = files[0]![1];
  // The same file with some of its term slots scrambled (the CRC-32 is not checked: 'verified').
  const { sections } = readModelHeader(bytes);
  const slots = sections.find((s) => s.name === 'steps.0.termSlots')!;
  assert.equal(slots.encoding?.codec, 'sparse');
  const scrambled = bytes.slice();
  // Bytes among its last values: other slots, still a well-formed section.
  const at = findDataStart(bytes) + slots.offset + storedBytes(slots.dtype, slots.length, slots.encoding) - 72;
  for (let i = at; i < at + 64; i++) scrambled[i] = 255 - scrambled[i]!;
  // Saved again, a model is its weights, bit for bit.
  const want = Buffer.from(saveModel(loadModel(bytes)));
  assert.ok(!Buffer.from(saveModel(loadModel(scrambled, { checksum: 'verified' }))).equals(want), 'the scrambled bytes make another model');
  const reader = new ModelFileReader({ expect: 'Pipeline', checksum: 'verified' });
  feed(reader, scrambled, [4096]);
  assert.ok(Buffer.from(saveModel(reader.finish(bytes.slice()))).equals(want));
});

test('damaged, foreign or crafted bytes: advance never throws, finish throws what loadModel throws', () => {
  const bytes = files[1]![1];
  const headerAt = 24;
  const cases: [string, Uint8Array][] = [];
  const foreign = bytes.slice();
  foreign[0] = 0x58;
  cases.push(['foreign magic', foreign]);
  const badJson = bytes.slice();
  badJson[headerAt] = 0x5b; // '{' becomes '[': still JSON, not an object
  cases.push(['header not an object', badJson]);
  const badUtf8 = bytes.slice();
  badUtf8[headerAt + 5] = 0xff;
  cases.push(['header not UTF-8', badUtf8]);
  const longer = bytes.slice();
  new DataView(longer.buffer).setBigUint64(16, BigInt(bytes.length + 100), true);
  cases.push(['declared longer than it is', longer]);
  const newer = bytes.slice();
  new DataView(newer.buffer).setUint32(8, 99, true);
  cases.push(['a newer format version', newer]);
  for (const [label, damaged] of cases) {
    const expected = codeOf(() => loadModel(damaged, { expect: 'Pipeline', checksum: 'verified' }));
    assert.ok(expected !== undefined, `${label}: loadModel rejects it`);
    const reader = new ModelFileReader({ expect: 'Pipeline', checksum: 'verified' });
    const file = feed(reader, damaged, [100, 5000]);
    assert.equal(codeOf(() => reader.finish(file)), expected, label);
  }
  // The kind check stays where it was: an intact file of another kind.
  const reader = new ModelFileReader({ expect: 'VotingClassifier', checksum: 'verified' });
  assert.equal(codeOf(() => reader.finish(feed(reader, bytes, [65_536]))), 'MODEL_FILE_KIND');
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof CuratorError, String(error));
    return error.code;
  }
}

/** Where the sections start: after the 24-byte preamble and the header, padded to 8. */
function findDataStart(bytes: Uint8Array): number {
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return Math.ceil((24 + headerBytes) / 8) * 8;
}
