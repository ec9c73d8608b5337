import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCandidates } from '../../../src/ml/default-candidates.ts';
import { loadModel, MODEL_FILE_VERSION, readModelHeader, saveModel } from '../../../src/ml/persist/model-file.ts';
import type { Pipeline } from '../../../src/ml/pipeline/pipeline.ts';
import { docsByKey } from '../../helpers/fixtures.ts';

/*
 * fixtures/*.v2.bin were written by Curator before format version 3 (commit b4e3501), from the
 * 24 training emails in v2-models.json; models registered then sit in users' databases in this
 * form and must keep loading, and predicting exactly as they did.
 */
const DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
interface Recorded {
  bytes: number;
  predictions: string[];
  scoresSha256: string;
}
const recorded = JSON.parse(readFileSync(join(DIR, 'v2-models.json'), 'utf8')) as { trainKeys: string[]; testKeys: string[] } & Record<string, Recorded>;
const testDocs = docsByKey(recorded.testKeys).map((r) => r.text);

/** SHA-256 of the decision values (or probabilities), so "same scores" means the same bits. */
function scoresHash(p: Pipeline): string {
  const clf = p.finalEstimator as { decisionFunction?: unknown };
  const data = typeof clf.decisionFunction === 'function' ? p.decisionFunction(testDocs).data : p.predictProba(testDocs).data;
  return createHash('sha256').update(Buffer.from(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

for (const [file, candidate] of [
  ['linear-svc-tfidf', 'LinearSVC+tfidf'],
  ['multinomial-nb-tfidf', 'MultinomialNB+tfidf'],
] as const) {
  test(`${candidate}: a version 2 file still loads and scores bit-identically; saved again it is version 3 and smaller`, () => {
    const bytes = new Uint8Array(readFileSync(join(DIR, `${file}.v2.bin`)));
    const want = recorded[file]!;
    assert.equal(bytes.length, want.bytes);
    const header = readModelHeader(bytes);
    assert.equal(header.formatVersion, 2);
    assert.ok(header.sections.every((s) => s.encoding === undefined));
    for (const checksum of ['verify', 'verified'] as const) {
      const model = loadModel(bytes, { expect: 'Pipeline', checksum });
      assert.deepEqual(model.predict(testDocs), want.predictions);
      assert.equal(scoresHash(model), want.scoresSha256);
    }
    // the same bytes with one flipped bit are still rejected by their CRC-32
    const damaged = bytes.slice();
    damaged[bytes.length >> 1]! ^= 4;
    assert.throws(() => loadModel(damaged), /CRC-32 checksum does not match/);

    const again = saveModel(loadModel(bytes));
    assert.equal(readModelHeader(again).formatVersion, MODEL_FILE_VERSION);
    assert.ok(again.length < bytes.length * 0.85, `${again.length} bytes vs ${bytes.length}`);
    const reloaded = loadModel(again, { expect: 'Pipeline' });
    assert.deepEqual(reloaded.predict(testDocs), want.predictions);
    assert.equal(scoresHash(reloaded), want.scoresSha256);

    // and a model fitted today on the same emails is the same model, now written as version 3
    const y = docsByKey(recorded.trainKeys).map((r) => r.label);
    const fresh = defaultCandidates().find((c) => c.name === candidate)!.make().fit(docsByKey(recorded.trainKeys).map((r) => r.text), y);
    assert.equal(scoresHash(loadModel(saveModel(fresh), { expect: 'Pipeline' })), want.scoresSha256);
  });
}
