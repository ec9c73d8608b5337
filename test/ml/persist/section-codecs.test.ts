import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import type { ModelState, NumericArray } from '../../../src/ml/base/types.ts';
import { CuratorError } from '../../../src/ml/errors.ts';
import { decodeModelState, encodeModelState, readModelHeader } from '../../../src/ml/persist/model-file.ts';
import { decodeSection, encodeSection, encodeWith, type Dtype } from '../../../src/ml/persist/section-codecs.ts';

const bytesOf = (a: NumericArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const corrupt = (re: RegExp) => (e: unknown) => e instanceof CuratorError && e.code === 'MODEL_FILE_CORRUPT' && re.test(e.message);

let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

/** Arrays shaped like the estimators' (and some edge cases), with the dtype each is saved as. */
function samples(): [string, NumericArray, Dtype][] {
  const n = 10_007; // not a multiple of 8 nor of the sparse block
  const idfLike = Float64Array.from({ length: n }, () => Math.log(5000 / (1 + Math.floor(rand() * 40))) + 1);
  const starts = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) starts[i] = starts[i - 1]! + (i % 997 === 0 ? 300 : 1 + Math.floor(rand() * 20));
  const mostlyZero = Float64Array.from({ length: n }, () => (rand() < 0.7 ? 0 : rand() - 0.5));
  // two fills (two "classes"), -0 among the zeros, extreme values among the rest
  const twoFills = Float64Array.from({ length: n }, (_, i) => (rand() < 0.6 ? (i < n / 2 ? -3.25 : -7.5) : rand()));
  twoFills[17] = -0;
  twoFills[18] = Number.MAX_VALUE;
  twoFills[19] = -Infinity;
  const signedZeros = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : 1));
  const fewInts = Int32Array.from({ length: n }, () => -(2 ** 31) + Math.floor(rand() * 3) * 2 ** 30);
  const falling = Int32Array.from({ length: n }, (_, i) => 1_000_000 - i * 3);
  return [
    ['idf-like (dict)', idfLike, 'f64'],
    ['term offsets (delta, with long terms)', starts, 'i32'],
    ['mostly zero (sparse)', mostlyZero, 'f64'],
    ['two fills, -0, extremes', twoFills, 'f64'],
    ['-0 and 0 apart', signedZeros, 'f64'],
    ['few i32 values, i32 extremes', fewInts, 'i32'],
    ['falling i32 (every step an exception)', falling, 'i32'],
    ['f32 few values', Float32Array.from({ length: n }, (_, i) => (i % 5) / 3), 'f32'],
  ];
}

test('every codec round-trips every sample bit-exactly', () => {
  for (const [name, array, dtype] of samples()) {
    for (const codec of ['delta', 'dict', 'sparse'] as const) {
      const e = encodeWith(codec, array, dtype);
      if (e === undefined) continue;
      const back = decodeSection(dtype, array.length, e.encoding, e.parts);
      assert.notEqual(typeof back, 'string', `${name} / ${codec}: ${String(back)}`);
      assert.equal((back as NumericArray).constructor, array.constructor, `${name} / ${codec}`);
      assert.ok(bytesOf(back as NumericArray).equals(bytesOf(array)), `${name} / ${codec} differs`);
    }
  }
  // the codecs that apply did apply
  assert.ok(encodeWith('delta', samples()[1]![1], 'i32'));
  assert.equal(encodeWith('delta', new Float64Array(5), 'f64'), undefined);
  assert.equal(encodeWith('dict', Float64Array.from({ length: 70_000 }, (_, i) => i), 'f64'), undefined, 'more than 65,536 distinct values');
});

test('the writer encodes only where a section shrinks below 60%, and never an array with a NaN', () => {
  const [idf, starts, mostlyZero] = samples();
  assert.equal(encodeSection(idf![1], 'f64')?.encoding.codec, 'dict');
  assert.equal(encodeSection(starts![1], 'i32')?.encoding.codec, 'delta');
  assert.equal(encodeSection(mostlyZero![1], 'f64')?.encoding.codec, 'sparse');
  const unique = Float64Array.from({ length: 5000 }, () => rand());
  assert.equal(encodeSection(unique, 'f64'), undefined);
  const withNaN = new Float64Array(5000);
  withNaN[3] = NaN;
  assert.equal(encodeSection(withNaN, 'f64'), undefined);
  assert.equal(encodeSection(new Float64Array(100), 'f64'), undefined, 'short arrays stay raw');
});

test('a model file with encoded sections round-trips, is smaller, and loads them as fresh arrays', () => {
  const arrays = Object.fromEntries(samples().map(([name, a]) => [name, a]));
  const state: ModelState = { kind: 'K', params: {}, meta: {}, arrays, children: { c: { kind: 'C', params: {}, meta: {}, arrays: { raw: Float64Array.from({ length: 3000 }, () => rand()) }, children: {} } } };
  const bytes = encodeModelState(state);
  const rawSize = Object.values(arrays).reduce((s, a) => s + a.byteLength, 0) + 3000 * 8;
  assert.ok(bytes.length < rawSize * 0.6, `${bytes.length} bytes for ${rawSize} raw`);
  const h = readModelHeader(bytes);
  assert.equal(h.formatVersion, 3);
  assert.ok(h.sections.filter((s) => s.encoding !== undefined).length >= 5);
  for (const s of h.sections) assert.equal(s.offset % 8, 0, s.name);
  for (const checksum of ['verify', 'verified'] as const) {
    const back = decodeModelState(bytes, { checksum });
    for (const [name, a] of Object.entries(arrays)) assert.ok(bytesOf(back.arrays[name]!).equals(bytesOf(a)), name);
    assert.ok(bytesOf(back.children['c']!.arrays['raw']!).equals(bytesOf(state.children['c']!.arrays['raw']!)));
    assert.equal(back.children['c']!.arrays['raw']!.buffer, bytes.buffer, 'raw sections are still views into the file');
  }
});

/** The file with its header edited and a recomputed CRC-32, as a crafted file would be. */
function withHeader(bytes: Uint8Array, edit: (sections: Record<string, unknown>[]) => void, version?: number): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const h = v.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + h))) as { sections: Record<string, unknown>[] };
  edit(header.sections);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const data = bytes.subarray(Math.ceil((24 + h) / 8) * 8, bytes.length - 8);
  const start = Math.ceil((24 + json.length) / 8) * 8;
  const out = new Uint8Array(start + data.length + 8);
  out.set(bytes.subarray(0, 24));
  const o = new DataView(out.buffer);
  if (version !== undefined) o.setUint32(8, version, true);
  o.setUint32(12, json.length, true);
  o.setBigUint64(16, BigInt(out.length), true);
  out.set(json, 24);
  out.set(data, start);
  o.setUint32(out.length - 8, crc32(out.subarray(0, out.length - 8)) >>> 0, true);
  return out;
}

test('crafted encodings are MODEL_FILE_CORRUPT, never a crash', () => {
  const [idf, starts, mostlyZero] = samples();
  const bytes = encodeModelState({ kind: 'K', params: {}, meta: {}, arrays: { idf: idf![1], starts: starts![1], zero: mostlyZero![1] }, children: {} });
  const patch = (name: string, p: Record<string, unknown>) => (sections: Record<string, unknown>[]) => {
    const s = sections.find((x) => x['name'] === name)!;
    s['encoding'] = { ...(s['encoding'] as object), ...p };
  };
  const cases: [(s: Record<string, unknown>[]) => void, RegExp][] = [
    [patch('idf', { codec: 'zstd' }), /unknown encoding "zstd"/],
    [patch('idf', { width: 3 }), /invalid dict encoding/],
    [patch('idf', { table: 300, width: 1 }), /invalid dict encoding/],
    [patch('idf', { table: 1e12 }), /invalid dict encoding|runs past the data region/],
    [patch('starts', { exceptions: -1 }), /invalid delta encoding/],
    [patch('starts', { exceptions: 0 }), /cannot be decoded: its exceptions do not match/],
    [patch('zero', { block: 1000 }), /invalid sparse encoding/],
    [patch('zero', { values: 1 }), /cannot be decoded: its bitmap does not match its values/],
    [(s) => void (s.find((x) => x['name'] === 'idf')!['encoding'] = 'dict'), /is not an object/],
    [(s) => void (s.find((x) => x['name'] === 'idf')!['length'] = 1e9), /runs past the data region/],
    [(s) => void (s.find((x) => x['name'] === 'starts')!['offset'] = 0), /overlap/],
  ];
  for (const [edit, re] of cases) assert.throws(() => decodeModelState(withHeader(bytes, edit)), corrupt(re), String(re));
  // a version 2 file cannot hold encoded sections
  assert.throws(() => decodeModelState(withHeader(bytes, () => {}, 2)), corrupt(/is encoded, which version 2 files never are/));
});

test('damage inside encoded sections is caught by the CRC-32 (and only skipped when the caller verified)', () => {
  const [idf, starts] = samples();
  const bytes = encodeModelState({ kind: 'K', params: {}, meta: {}, arrays: { idf: idf![1], starts: starts![1] }, children: {} });
  for (let i = 0; i < 200; i++) {
    const b = bytes.slice();
    const at = 200 + Math.floor(rand() * (b.length - 208));
    b[at]! ^= 1 << Math.floor(rand() * 8);
    assert.throws(() => decodeModelState(b), corrupt(/CRC-32 checksum does not match/), `byte ${at}`);
  }
  const trailer = bytes.slice();
  trailer[trailer.length - 8]! ^= 1;
  assert.throws(() => decodeModelState(trailer), corrupt(/CRC-32/));
  assert.ok(bytesOf(decodeModelState(trailer, { checksum: 'verified' }).arrays['idf']!).equals(bytesOf(idf![1])));
});
