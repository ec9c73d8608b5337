import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import type { ModelState } from '../../../src/ml/base/types.ts';
import { CuratorError, type ErrorCode } from '../../../src/ml/errors.ts';
import { decodeModelState, encodeModelState, loadModel, MODEL_FILE_VERSION, readModelHeader, saveModel } from '../../../src/ml/persist/model-file.ts';
import { Pipeline } from '../../../src/ml/pipeline/pipeline.ts';
import { CharCounter, NearestCentroid, restoreToy, TOY_LABELS, TOY_NEW, TOY_TEXTS } from '../pipeline/toy-estimators.ts';

const FILE_CODES: ErrorCode[] = ['MODEL_FILE_FOREIGN', 'MODEL_FILE_VERSION', 'MODEL_FILE_TRUNCATED', 'MODEL_FILE_CORRUPT', 'MODEL_FILE_KIND'];
const code = (c: ErrorCode, re?: RegExp) => (e: unknown) => e instanceof CuratorError && e.code === c && (re === undefined || re.test(e.message));

/** A state with every dtype, odd lengths (so padding matters), special floats, children and unicode. */
function richState(): ModelState {
  return {
    kind: 'Root',
    params: { alpha: 0.5, name: 'naïve — ünïcödé', list: [1, 'two', null, { deep: true }] },
    meta: { classes: ['ham', 'spam'], nFeatures: 3 },
    arrays: {
      f64: Float64Array.from([0.1, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, 1 / 3]),
      f32: Float32Array.from([1.5, -2.25, 3]),
      i32: Int32Array.from([-1, 2 ** 31 - 1, -(2 ** 31)]),
      u32: Uint32Array.from([2 ** 32 - 1]),
      i16: Int16Array.from([-32768, 32767, 5]),
      u16: Uint16Array.from([65535]),
      i8: Int8Array.from([-128, 127, 0, 1, 2]),
      u8: new TextEncoder().encode('héllo'),
      empty: new Float64Array(0),
    },
    children: {
      'steps.0': { kind: 'Child', params: {}, meta: {}, arrays: { w: new Float64Array([1, 2, 3]).subarray(1) }, children: {} },
      'steps.1': { kind: 'Child', params: { x: 1 }, meta: { m: [] }, arrays: {}, children: { inner: { kind: 'Leaf', params: {}, meta: {}, arrays: { v: Uint8Array.from([9]) }, children: {} } } },
    },
  };
}

function sameBits(a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }, b: typeof a): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function assertSameState(got: ModelState, want: ModelState): void {
  assert.equal(got.kind, want.kind);
  assert.deepEqual(got.params, want.params);
  assert.deepEqual(got.meta, want.meta);
  assert.deepEqual(Object.keys(got.arrays), Object.keys(want.arrays));
  for (const k of Object.keys(want.arrays)) {
    assert.equal(got.arrays[k]!.constructor, want.arrays[k]!.constructor, k);
    assert.ok(sameBits(got.arrays[k]!, want.arrays[k]!), `array ${k} differs`);
  }
  assert.deepEqual(Object.keys(got.children), Object.keys(want.children));
  for (const k of Object.keys(want.children)) assertSameState(got.children[k]!, want.children[k]!);
}

/** Splits a file into its parts, to build tampered files that still carry a valid checksum. */
function parts(bytes: Uint8Array): { version: number; header: Record<string, unknown>; data: Uint8Array } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const h = v.getUint32(12, true);
  const dataStart = Math.ceil((24 + h) / 8) * 8;
  return { version: v.getUint32(8, true), header: JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + h))), data: bytes.slice(dataStart, bytes.length - 8) };
}

/** Assembles a file with a correct checksum from a header (object or raw JSON text) and a data region. */
function assemble(header: unknown, data: Uint8Array, version = MODEL_FILE_VERSION): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const dataStart = Math.ceil((24 + json.length) / 8) * 8;
  const total = dataStart + data.length + 8;
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode('CURATOR\0'));
  const v = new DataView(out.buffer);
  v.setUint32(8, version, true);
  v.setUint32(12, json.length, true);
  v.setBigUint64(16, BigInt(total), true);
  out.set(json, 24);
  out.set(data, dataStart);
  v.setUint32(total - 8, crc32(out.subarray(0, total - 8)) >>> 0, true);
  return out;
}

function toyPipeline(): Pipeline {
  return new Pipeline([['chars', new CharCounter()], ['clf', new NearestCentroid()]]).fit(TOY_TEXTS, TOY_LABELS);
}

test('a state tree round-trips bit-exactly: every dtype, -0, NaN, ±Infinity, children, unicode', () => {
  const state = richState();
  assertSameState(decodeModelState(encodeModelState(state)), state);
});

test('the layout: magic, version, lengths, JSON header, 8-aligned sections, CRC-32 trailer', () => {
  const bytes = encodeModelState(richState());
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), 'CURATOR\0');
  const v = new DataView(bytes.buffer);
  assert.equal(v.getUint32(8, true), 3);
  assert.equal(Number(v.getBigUint64(16, true)), bytes.length);
  const { header } = parts(bytes);
  assert.equal(header['kind'], 'Root');
  const sections = header['sections'] as { name: string; dtype: string; offset: number; length: number }[];
  assert.deepEqual(sections.map((s) => s.name), ['f64', 'f32', 'i32', 'u32', 'i16', 'u16', 'i8', 'u8', 'empty', 'steps.0.w', 'steps.1.inner.v']);
  assert.deepEqual(sections.map((s) => s.dtype), ['f64', 'f32', 'i32', 'u32', 'i16', 'u16', 'i8', 'u8', 'f64', 'f64', 'u8']);
  for (const s of sections) assert.equal(s.offset % 8, 0, s.name);
  const h = v.getUint32(12, true);
  assert.equal(Math.ceil((24 + h) / 8) * 8 % 8, 0);
  assert.equal(v.getUint32(bytes.length - 8, true), crc32(bytes.subarray(0, bytes.length - 8)) >>> 0);
  assert.equal(v.getUint32(bytes.length - 4, true), 0);
});

test('saving is deterministic: the same model gives the same bytes', () => {
  const a = toyPipeline();
  assert.deepEqual(encodeModelState(a.toState()), encodeModelState(a.toState()));
  assert.deepEqual(encodeModelState(a.toState()), encodeModelState(toyPipeline().toState()));
});

test('aligned input is used zero-copy; unaligned input and { copy: true } get aligned copies', () => {
  const bytes = encodeModelState(richState());
  const direct = decodeModelState(bytes);
  assert.equal(direct.arrays['f64']!.buffer, bytes.buffer);

  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  const unaligned = shifted.subarray(3);
  const fromUnaligned = decodeModelState(unaligned);
  assert.notEqual(fromUnaligned.arrays['f64']!.buffer, shifted.buffer);
  assert.equal(fromUnaligned.arrays['f64']!.byteOffset % 8, 0);
  assertSameState(fromUnaligned, richState());

  const copied = decodeModelState(bytes, { copy: true });
  assert.notEqual(copied.arrays['f64']!.buffer, bytes.buffer);
  assertSameState(copied, richState());
  // a Node Buffer (a Uint8Array subclass, possibly at an odd pool offset) loads too
  assertSameState(decodeModelState(Buffer.from(bytes)), richState());
});

test('readModelHeader tells kind, params, version and the tree without rebuilding', () => {
  const bytes = encodeModelState(richState());
  const h = readModelHeader(bytes);
  assert.equal(h.kind, 'Root');
  assert.equal(h.formatVersion, 3);
  assert.equal(h.byteLength, bytes.length);
  assert.deepEqual(h.params, richState().params);
  assert.equal(h.children['steps.1']!.children['inner']!.kind, 'Leaf');
  assert.equal(h.checksum, (crc32(bytes.subarray(0, bytes.length - 8)) >>> 0).toString(16).padStart(8, '0'));
  assert.equal(h.sections.find((s) => s.name === 'f64')!.length, 7);
  // an unknown kind is still inspectable; only loading it fails
  assert.throws(() => loadModel(bytes), code('MODEL_FILE_KIND', /kind 'Root', which this Curator does not know/));
  // verify: false skips the checksum (for listing many files quickly)
  const flipped = bytes.slice();
  flipped[flipped.length - 1]! ^= 1;
  assert.throws(() => readModelHeader(flipped), code('MODEL_FILE_CORRUPT', /checksum/));
  assert.equal(readModelHeader(flipped, { verify: false }).kind, 'Root');
});

test('loadModel restores a registered kind, and `expect` guards the kind', () => {
  const pipe = toyPipeline();
  const bytes = saveModel(pipe);
  // the toy kinds are not registered: the pipeline's first step is reported, not crashed on
  assert.throws(() => loadModel(bytes), code('MODEL_FILE_KIND', /'CharCounter'/));
  assert.throws(() => loadModel(bytes, { expect: 'VotingClassifier' }), code('MODEL_FILE_KIND', /holds a Pipeline, but a VotingClassifier was expected/));
  const loaded = restoreToy(decodeModelState(bytes)) as Pipeline;
  assert.deepEqual(loaded.predictProba(TOY_NEW).data, pipe.predictProba(TOY_NEW).data);
});

test('foreign bytes are MODEL_FILE_FOREIGN', () => {
  const foreign = [
    Uint8Array.from([0x80, 0x04, 0x95, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]), // a pickle
    new TextEncoder().encode('{"kind":"Pipeline"}'),
    new TextEncoder().encode('CURATOX\0 and then some more bytes, enough for a preamble'),
    Uint8Array.from([0x43, 0x55, 0x52, 0x42]),
  ];
  for (const b of foreign) assert.throws(() => decodeModelState(b), code('MODEL_FILE_FOREIGN', /not a Curator model file/));
  assert.throws(() => decodeModelState('CURATOR' as never), code('INVALID_ARGUMENT'));
});

test('a newer or unknown format version is MODEL_FILE_VERSION', () => {
  const { header, data } = parts(encodeModelState(richState()));
  assert.throws(() => decodeModelState(assemble(header, data, 4)), code('MODEL_FILE_VERSION', /format version 4, but this Curator reads versions 2 to 3; it was written by a newer Curator/));
  assert.throws(() => decodeModelState(assemble(header, data, 1)), code('MODEL_FILE_VERSION', /version 1 \(SHA-256 trailer\) was never released/));
  assert.throws(() => decodeModelState(assemble(header, data, 0)), code('MODEL_FILE_VERSION'));
  assert.throws(() => readModelHeader(assemble(header, data, 7)), code('MODEL_FILE_VERSION'));
});

test('a file cut at any length is MODEL_FILE_TRUNCATED', () => {
  const bytes = encodeModelState(richState());
  for (let n = 0; n < bytes.length; n++) {
    assert.throws(() => decodeModelState(bytes.subarray(0, n)), code('MODEL_FILE_TRUNCATED'), `cut at ${n}`);
  }
  assert.throws(() => decodeModelState(bytes.subarray(0, 100)), code('MODEL_FILE_TRUNCATED', new RegExp(`100 of its ${bytes.length} bytes`)));
});

test('every single flipped byte is detected (MODEL_FILE_* error, never a crash or a wrong model)', () => {
  const bytes = encodeModelState(richState());
  const seen = new Set<string>();
  for (let i = 0; i < bytes.length; i++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      const b = bytes.slice();
      b[i]! ^= mask;
      try {
        decodeModelState(b);
        assert.fail(`flipping byte ${i} with ${mask} went unnoticed`);
      } catch (e) {
        assert.ok(e instanceof CuratorError && FILE_CODES.includes(e.code), `byte ${i}: ${String(e)}`);
        seen.add(e.code);
      }
    }
  }
  assert.ok(seen.has('MODEL_FILE_CORRUPT') && seen.has('MODEL_FILE_FOREIGN') && seen.has('MODEL_FILE_VERSION'));
});

test('random damage to a real pipeline file: errors are always MODEL_FILE_* codes', () => {
  const bytes = saveModel(toyPipeline());
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  for (let t = 0; t < 500; t++) {
    const b = bytes.slice(0, t % 3 === 0 ? rand(bytes.length + 1) : bytes.length);
    for (let k = 0; k <= rand(4); k++) if (b.length) b[rand(b.length)] = rand(256);
    if (b.length === bytes.length && b.every((v, i) => v === bytes[i])) continue;
    try {
      restoreToy(decodeModelState(b));
      assert.fail('damage went unnoticed');
    } catch (e) {
      assert.ok(e instanceof CuratorError && FILE_CODES.includes(e.code), String(e));
    }
  }
});

test('tampered files with a recomputed checksum are still rejected as MODEL_FILE_CORRUPT', () => {
  const { header, data } = parts(encodeModelState(richState()));
  const h = () => structuredClone(header) as { sections: Record<string, unknown>[]; arrays: string[]; [k: string]: unknown };
  const section = (name: string, patch: Record<string, unknown>) => {
    const x = h();
    Object.assign(x.sections.find((s) => s['name'] === name)!, patch);
    return x;
  };
  const cases: [unknown, RegExp, Uint8Array?][] = [
    ['{"kind": "Root", ', /not valid UTF-8 JSON/],
    ['[1, 2, 3]', /not a JSON object/],
    [section('f64', { dtype: 'f128' }), /unknown dtype "f128"/],
    [section('f64', { dtype: 'toString' }), /unknown dtype "toString"/],
    [section('f32', { offset: 4 }), /misaligned/],
    [section('f32', { offset: 0 }), /overlap/],
    [section('u8', { length: 1e9 }), /runs past the data region/],
    [section('u8', { length: -1 }), /invalid offset or length/],
    [section('u8', { length: 1.5 }), /invalid offset or length/],
    [section('u8', { name: 'f64' }), /claimed twice|share a name|no section/],
    [{ ...h(), sections: [...h().sections, { name: 'orphan', dtype: 'u8', offset: 0, length: 0 }] }, /'orphan' belongs to no estimator/],
    [{ ...h(), arrays: [...h().arrays, 'ghost'] }, /'ghost' that has no section/],
    [{ ...h(), kind: 7 }, /no estimator kind/],
    [{ ...h(), params: [] }, /'params' is not an object/],
    [{ ...h(), children: { x: { kind: 'A' } } }, /'params' is not an object/],
    [{ ...h(), sections: undefined }, /no 'sections' list/],
  ];
  for (const [hdr, re] of cases) {
    assert.throws(() => decodeModelState(assemble(hdr, data)), code('MODEL_FILE_CORRUPT', re), String(re));
  }
  // trailing bytes after the declared end
  const ok = assemble(h(), data);
  const longer = new Uint8Array(ok.length + 5);
  longer.set(ok);
  assert.throws(() => decodeModelState(longer), code('MODEL_FILE_CORRUPT', /5 unexpected bytes/));
  // a preamble length shorter than header + checksum
  const short = ok.slice();
  new DataView(short.buffer).setBigUint64(16, 10n, true);
  assert.throws(() => decodeModelState(short), code('MODEL_FILE_CORRUPT', /impossible length/));
});

test('deep nesting and __proto__ keys in a crafted header neither crash nor pollute', () => {
  let node: Record<string, unknown> = { kind: 'L', params: {}, meta: {}, arrays: [], children: {} };
  for (let i = 0; i < 100; i++) node = { kind: 'N', params: {}, meta: {}, arrays: [], children: { c: node } };
  assert.throws(() => decodeModelState(assemble({ ...node, sections: [] }, new Uint8Array(0))), code('MODEL_FILE_CORRUPT', /deeper than 32/));

  const json = '{"kind":"Root","params":{"__proto__":{"polluted":1}},"meta":{},"arrays":[],"children":{"__proto__":{"kind":"C","params":{},"meta":{},"arrays":[],"children":{}}},"sections":[]}';
  const state = decodeModelState(assemble(json, new Uint8Array(0)));
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.deepEqual(Object.keys(state.children), ['__proto__']);
  assert.equal(Object.getPrototypeOf(state.children), Object.prototype);
  assert.equal(state.children['__proto__']!.kind, 'C');
});

test('saving refuses states that JSON or the section table cannot hold exactly', () => {
  const base = (): ModelState => ({ kind: 'K', params: {}, meta: {}, arrays: {}, children: {} });
  const bad: [ModelState, RegExp][] = [
    [{ ...base(), meta: { x: NaN } }, /meta.x is NaN, which JSON cannot hold/],
    [{ ...base(), params: { C: Infinity } }, /params.C is Infinity/],
    [{ ...base(), meta: { w: new Float64Array(2) as never } }, /meta.w is a Float64Array, not a JSON value/],
    [{ ...base(), params: { est: new Map() as never } }, /params.est is a Map/],
    [{ ...base(), arrays: { b: new BigInt64Array(1) as never } }, /array 'b' is not one of the typed arrays/],
    [{ ...base(), arrays: { b: [1, 2] as never } }, /array 'b' is not one of the typed arrays/],
    [{ ...base(), kind: '' }, /has no kind/],
    [{ ...base(), arrays: { 'a.b': new Uint8Array(1) }, children: { a: { ...base(), arrays: { b: new Uint8Array(1) } } } }, /share the section name 'a.b'/],
    [{ ...base(), children: { c: { ...base(), meta: { v: undefined as never } } } }, /c.meta.v is undefined/],
  ];
  for (const [s, re] of bad) assert.throws(() => encodeModelState(s), code('INVALID_ARGUMENT', re), String(re));
});

test('a 10 MB model loads in a few milliseconds', () => {
  const big: ModelState = { kind: 'Big', params: {}, meta: {}, arrays: { coef: new Float64Array(1_300_000).map((_, i) => Math.sin(i)) }, children: {} };
  const bytes = encodeModelState(big);
  assert.ok(bytes.length > 10e6);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    decodeModelState(bytes);
    best = Math.min(best, performance.now() - t);
  }
  assert.ok(best < 40, `best load ${best.toFixed(1)} ms`);
});
