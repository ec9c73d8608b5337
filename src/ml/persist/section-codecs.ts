/*
 * Lossless encodings of a model file's typed-array sections (format version 3). A loaded model
 * is read from the database, SHA-256-hashed and checksummed byte by byte, so every megabyte a
 * file does not hold is time saved on every load (~1 ms per MB on SQLite, ~2 ms on PostgreSQL);
 * decoding an encoded section is one pass over the output that costs less than the bytes it
 * saves. What the estimators' arrays look like, and what each encoding is for:
 *
 *   delta   an Int32Array rising in small steps (a vocabulary's term offsets): each element as
 *           its step from the previous one in a byte; a step outside 0..254 is written 255 and
 *           the element itself follows in a list of exceptions (i32)
 *   dict    few distinct values (idf takes one value per document frequency: ~900 distinct in a
 *           176,000-term vocabulary): the distinct values, then a 1- or 2-byte code per element
 *   sparse  mostly one value per block of 4,096 elements, too many distinct values for a dict
 *           (zero weights of terms a class never saw, on a larger corpus): per block its fill
 *           value, then a bitmap of the elements that differ from it and those elements in order
 *
 * Decoding reproduces the array bit for bit: an array holding a NaN (whose payload a JS number
 * would not keep) is never encoded, and -0 is told apart from 0. The writer keeps an encoding
 * only where it makes the section much smaller (ENCODE_BELOW), so a load never pays a decode
 * pass for a few saved bytes.
 */

import type { NumericArray } from '../base/types.ts';

/** The section dtypes a file may declare, with their element sizes. */
export const DTYPES = {
  f64: { size: 8, Ctor: Float64Array },
  f32: { size: 4, Ctor: Float32Array },
  i32: { size: 4, Ctor: Int32Array },
  u32: { size: 4, Ctor: Uint32Array },
  i16: { size: 2, Ctor: Int16Array },
  u16: { size: 2, Ctor: Uint16Array },
  i8: { size: 1, Ctor: Int8Array },
  u8: { size: 1, Ctor: Uint8Array },
} as const;

/** A section dtype name. */
export type Dtype = keyof typeof DTYPES;

type Typed = NumericArray;

/** How an encoded section is stored; its parts follow one another, each at a multiple of 8. */
export type Encoding =
  | { codec: 'delta'; exceptions: number }
  | { codec: 'dict'; table: number; width: 1 | 2 }
  | { codec: 'sparse'; block: number; values: number };

/** One stored array of an encoded section: its dtype and element count. */
export interface Part {
  dtype: Dtype;
  length: number;
}

/** Encoded sections must be at most this fraction of their raw size. */
const ENCODE_BELOW = 0.6;
/** Elements per fill value of the sparse codec. */
const SPARSE_BLOCK = 4096;
/** Elements of a block the sparse codec's writer looks at to choose its fill. */
const SPARSE_SAMPLE = 256;
/** Arrays shorter than this are stored raw: nothing worth saving, and small files stay simple. */
const MIN_ENCODED_LENGTH = 1024;

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** The parts of a section of `length` elements of `dtype` stored with `encoding`, in layout order. */
export function partsOf(dtype: Dtype, length: number, encoding: Encoding): Part[] {
  switch (encoding.codec) {
    case 'delta':
      return [
        { dtype: 'u8', length },
        { dtype: 'i32', length: encoding.exceptions },
      ];
    case 'dict':
      return [
        { dtype, length: encoding.table },
        { dtype: encoding.width === 1 ? 'u8' : 'u16', length },
      ];
    case 'sparse':
      return [
        { dtype, length: Math.ceil(length / encoding.block) },
        { dtype: 'u8', length: Math.ceil(length / 8) },
        { dtype, length: encoding.values },
      ];
  }
}

/** Bytes a section takes in the data region, parts padded to 8 bytes (the last one too). */
export function storedBytes(dtype: Dtype, length: number, encoding: Encoding | undefined): number {
  if (encoding === undefined) return length * DTYPES[dtype].size;
  return partsOf(dtype, length, encoding).reduce((sum, p) => sum + align8(p.length * DTYPES[p.dtype].size), 0);
}

/**
 * Why an encoding read from a file cannot be decoded, or undefined when it is well-formed for a
 * section of `length` elements of `dtype`.
 */
export function checkEncoding(v: unknown, dtype: Dtype, length: number): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'is not an object';
  const e = v as Record<string, unknown>;
  const count = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  switch (e['codec']) {
    case 'delta':
      return dtype === 'i32' && count(e['exceptions']) && (e['exceptions'] as number) <= length ? undefined : 'has an invalid delta encoding';
    case 'dict':
      return count(e['table']) && (e['width'] === 1 || e['width'] === 2) && (e['table'] as number) <= 256 ** (e['width'] as number) ? undefined : 'has an invalid dict encoding';
    case 'sparse': {
      const block = e['block'];
      const okBlock = count(block) && (block as number) >= 8 && (block as number) <= 1 << 20 && ((block as number) & ((block as number) - 1)) === 0;
      return okBlock && count(e['values']) && (e['values'] as number) <= length ? undefined : 'has an invalid sparse encoding';
    }
    default:
      return `has an unknown encoding ${JSON.stringify(e['codec'])}`;
  }
}

/**
 * The smallest encoding of `array` that takes at most ENCODE_BELOW of its raw size, with its
 * parts' arrays; undefined to store it raw.
 */
export function encodeSection(array: Typed, dtype: Dtype): { encoding: Encoding; parts: Typed[] } | undefined {
  const n = array.length;
  // Bytes gain nothing: a code or a bitmap bit plus the values is never 60% of one byte each.
  if (n < MIN_ENCODED_LENGTH || DTYPES[dtype].size === 1 || hasNaN(array)) return undefined;
  const raw = n * DTYPES[dtype].size;
  let best: { encoding: Encoding; parts: Typed[]; bytes: number } | undefined;
  const consider = (encoded: { encoding: Encoding; parts: Typed[] } | undefined) => {
    if (encoded === undefined) return;
    const bytes = storedBytes(dtype, n, encoded.encoding);
    if (bytes <= raw * ENCODE_BELOW && (best === undefined || bytes < best.bytes)) best = { ...encoded, bytes };
  };
  if (array instanceof Int32Array) consider(encodeDelta(array));
  // A dict pays off with at most this many distinct values (8-byte values, 2-byte codes: 0.35 n).
  const maxTable = Math.floor(((raw * ENCODE_BELOW) / n - 2) * (n / DTYPES[dtype].size));
  consider(encodeDict(array, dtype, Math.max(0, Math.min(65536, maxTable))));
  consider(encodeSparse(array, dtype, Math.min(raw * ENCODE_BELOW, best?.bytes ?? Infinity)));
  return best === undefined ? undefined : { encoding: best.encoding, parts: best.parts };
}

/** Encodes `array` with one given codec, whatever the size (for tests and measurements); undefined where the codec does not apply. */
export function encodeWith(codec: Encoding['codec'], array: Typed, dtype: Dtype): { encoding: Encoding; parts: Typed[] } | undefined {
  if (hasNaN(array)) return undefined;
  if (codec === 'delta') return array instanceof Int32Array ? encodeDelta(array) : undefined;
  return codec === 'dict' ? encodeDict(array, dtype, 65536) : encodeSparse(array, dtype);
}

/** Rebuilds a section from its parts (views into the file, in partsOf order). Returns a reason string when they do not add up. */
export function decodeSection(dtype: Dtype, length: number, encoding: Encoding, parts: Typed[]): Typed | string {
  switch (encoding.codec) {
    case 'delta':
      return undelta(length, parts[0] as Uint8Array, parts[1] as Int32Array);
    case 'dict': {
      const [table, codes] = parts as [Typed, Uint8Array | Uint16Array];
      // One loop per common pair of types, so each stays monomorphic (a shared one runs ~3x slower).
      // A code past the table (only a crafted file has one: the checksums catch damage) reads
      // undefined, stored as NaN or 0: a wrong weight like any other a crafted file could hold.
      if (table instanceof Float64Array && codes instanceof Uint16Array) return undictF64U16(length, table, codes);
      const out = new DTYPES[dtype].Ctor(length);
      for (let i = 0; i < length; i++) out[i] = table[codes[i]!]!;
      return out;
    }
    case 'sparse': {
      const [fills, mask, values] = parts as [Typed, Uint8Array, Typed];
      if (fills instanceof Float64Array && values instanceof Float64Array) return unsparseF64(length, encoding.block, fills, mask, values);
      return unsparse(new DTYPES[dtype].Ctor(length), encoding.block, fills, mask, values);
    }
  }
}

function unsparseF64(length: number, block: number, fills: Float64Array, mask: Uint8Array, values: Float64Array): Float64Array | string {
  const out = new Float64Array(length);
  for (let b = 0; b < fills.length; b++) {
    const f = fills[b]!;
    // A fresh array is all zeros already; Object.is keeps a -0 fill.
    if (!Object.is(f, 0)) out.fill(f, b * block, Math.min(length, (b + 1) * block));
  }
  let k = 0;
  for (let j = 0; j < mask.length; j++) {
    let m = mask[j]!;
    while (m !== 0) {
      out[j * 8 + (31 - Math.clz32(m & -m))] = values[k++]!;
      m &= m - 1;
    }
  }
  return sparseEnd(length, mask, k, values.length) ?? out;
}

function unsparse(out: Typed, block: number, fills: Typed, mask: Uint8Array, values: Typed): Typed | string {
  const length = out.length;
  for (let b = 0; b < fills.length; b++) {
    const f = fills[b]!;
    if (!Object.is(f, 0)) out.fill(f as never, b * block, Math.min(length, (b + 1) * block));
  }
  let k = 0;
  for (let j = 0; j < mask.length; j++) {
    let m = mask[j]!;
    while (m !== 0) {
      out[j * 8 + (31 - Math.clz32(m & -m))] = values[k++]!;
      m &= m - 1;
    }
  }
  return sparseEnd(length, mask, k, values.length) ?? out;
}

/** Why a decoded sparse section is inconsistent: the bitmap marks other than `values` elements, or elements past the end. */
function sparseEnd(length: number, mask: Uint8Array, used: number, values: number): string | undefined {
  if (used !== values) return 'its bitmap does not match its values';
  if (length % 8 !== 0 && mask.length > 0 && mask[mask.length - 1]! >>> length % 8 !== 0) return 'its bitmap marks elements past its end';
  return undefined;
}

function undelta(length: number, steps: Uint8Array, wide: Int32Array): Int32Array | string {
  const out = new Int32Array(length);
  let prev = 0;
  let w = 0;
  for (let i = 0; i < length; i++) {
    const d = steps[i]!;
    prev = d === 255 ? wide[w++]! : (prev + d) | 0;
    out[i] = prev;
  }
  return w === wide.length ? out : 'its exceptions do not match its steps';
}

function undictF64U16(length: number, table: Float64Array, codes: Uint16Array): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = table[codes[i]!]!;
  return out;
}

/** 1- or 2-byte elements as one 32-bit word each (their value), so equality is by bits as for wider types. */
function lowWords(a: Typed): Uint32Array {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! >>> 0;
  return out;
}

function hasNaN(a: Typed): boolean {
  if (!(a instanceof Float64Array || a instanceof Float32Array)) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) return true;
  return false;
}

/** A Map key that tells -0 from 0 (Map's SameValueZero does not). */
const keyOf = (v: number): number | string => (v === 0 && Object.is(v, -0) ? '-0' : v);

function encodeDelta(a: Int32Array): { encoding: Encoding; parts: Typed[] } {
  const steps = new Uint8Array(a.length);
  const wide: number[] = [];
  let prev = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - prev;
    if (d >= 0 && d < 255) steps[i] = d;
    else {
      steps[i] = 255;
      wide.push(a[i]!);
    }
    prev = a[i]!;
  }
  return { encoding: { codec: 'delta', exceptions: wide.length }, parts: [steps, Int32Array.from(wide)] };
}

function encodeDict(a: Typed, dtype: Dtype, maxTable: number): { encoding: Encoding; parts: Typed[] } | undefined {
  const d = distinctValues(a, dtype, maxTable);
  if (d === undefined) return undefined;
  return { encoding: { codec: 'dict', table: d.table.length, width: d.codes instanceof Uint8Array ? 1 : 2 }, parts: [d.table, d.codes] };
}

/**
 * The distinct values of `a` in order of first appearance, and each element's code into them
 * (1 byte when there are at most 256); undefined past `maxTable` distinct values (at most
 * 65,536). Values are told apart by their bits (-0 is not 0), in an open-addressing table over
 * 32-bit words: a Map keyed by numbers made saving a 7 MB model take 300 ms.
 */
export function distinctValues(a: Typed, dtype: Dtype, maxTable: number): { table: Typed; codes: Uint8Array | Uint16Array } | undefined {
  maxTable = Math.min(maxTable, 65536);
  const n = a.length;
  const size = DTYPES[dtype].size;
  // Each element as `per` 32-bit words (2-byte elements: the value itself, one word).
  const per = size === 8 ? 2 : 1;
  const words = size >= 4 ? new Uint32Array(a.buffer, a.byteOffset, n * per) : lowWords(a);
  let cap = 16;
  while (cap < maxTable * 2) cap *= 2;
  const slots = new Int32Array(cap).fill(-1);
  const mask = cap - 1;
  const firstOf: number[] = []; // code -> index of the element that introduced it
  const codes = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const lo = words[i * per]!;
    const hi = per === 2 ? words[i * per + 1]! : 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    let c = -1;
    for (let j = h & mask; ; j = (j + 1) & mask) {
      const k = slots[j]!;
      if (k < 0) {
        if (firstOf.length >= maxTable) return undefined;
        c = firstOf.length;
        firstOf.push(i);
        slots[j] = c;
        break;
      }
      const e = firstOf[k]!;
      if (words[e * per] === lo && (per === 1 || words[e * per + 1] === hi)) {
        c = k;
        break;
      }
    }
    codes[i] = c;
  }
  const table = new DTYPES[dtype].Ctor(firstOf.length);
  for (let c = 0; c < firstOf.length; c++) table[c] = a[firstOf[c]!]!;
  return { table, codes: table.length <= 256 ? Uint8Array.from(codes) : codes };
}

function encodeSparse(a: Typed, dtype: Dtype, maxBytes = Infinity): { encoding: Encoding; parts: Typed[] } | undefined {
  const n = a.length;
  const size = DTYPES[dtype].size;
  const block = SPARSE_BLOCK;
  const fills = new DTYPES[dtype].Ctor(Math.ceil(n / block));
  // Equality by bits (so -0 is not 0): each element as `per` 32-bit words, or as its value for 2-byte types.
  const per = size === 8 ? 2 : 1;
  const words = size >= 4 ? new Uint32Array(a.buffer, a.byteOffset, n * per) : lowWords(a);
  const fillAt = new Int32Array(fills.length);
  let explicit = 0;
  for (let b = 0; b < fills.length; b++) {
    const start = b * block;
    const end = Math.min(n, start + block);
    // The fill: the most frequent value among the block's first elements (a sample keeps saving
    // fast; a value filling most of the block is all but certain to lead it).
    const seen = new Map<number | string, number>();
    let at = start;
    let most = 0;
    for (let i = start; i < Math.min(end, start + SPARSE_SAMPLE); i++) {
      const key = keyOf(a[i]!);
      const c = (seen.get(key) ?? 0) + 1;
      seen.set(key, c);
      if (c > most) {
        most = c;
        at = i;
      }
    }
    fillAt[b] = at;
    fills[b] = a[at]!;
    const lo = words[at * per]!;
    const hi = per === 2 ? words[at * per + 1]! : 0;
    for (let i = start; i < end; i++) if (words[i * per] !== lo || (per === 2 && words[i * per + 1] !== hi)) explicit++;
  }
  const encoding: Encoding = { codec: 'sparse', block, values: explicit };
  if (storedBytes(dtype, n, encoding) > maxBytes) return undefined;
  const mask = new Uint8Array(Math.ceil(n / 8));
  const values = new DTYPES[dtype].Ctor(explicit);
  let k = 0;
  for (let b = 0; b < fills.length; b++) {
    const at = fillAt[b]!;
    const lo = words[at * per]!;
    const hi = per === 2 ? words[at * per + 1]! : 0;
    for (let i = b * block; i < Math.min(n, (b + 1) * block); i++) {
      if (words[i * per] !== lo || (per === 2 && words[i * per + 1] !== hi)) {
        mask[i >> 3]! |= 1 << (i & 7);
        values[k++] = a[i]!;
      }
    }
  }
  return { encoding, parts: [fills, mask, values] };
}
