import { distinctValues } from '../persist/section-codecs.ts';

/**
 * Float64 weights kept as their distinct values and one code per element, as a model file
 * stores them (idf has ~900 distinct values over 176,000 terms, LinearSVC's coef ~31,000).
 * Estimators that read their weights in one hot loop read them through the codes instead of
 * rebuilding the plain array on load: rebuilding took ~0.4 ms per 176,000 values on the main
 * thread of every model load, and on PostgreSQL that thread also receives the file, so its
 * busy time lengthens the transfer. A read through a code costs one more load per nonzero
 * feature at predict; the values, and so every prediction, are bit for bit the same.
 */
export interface CodedValues {
  /** The distinct values. */
  readonly table: Float64Array;
  /** Per element, its value's index in `table`. */
  readonly codes: Uint8Array | Uint16Array;
}

/** Coded weights pay off (as the model file's dict codec decides) when at most this fraction of the raw size. */
const CODE_BELOW = 0.6;

/**
 * `values` as CodedValues when that takes at most 60% of their bytes (few distinct values),
 * else undefined. Never for values holding a NaN (a code would not keep its payload).
 */
export function codeValues(values: Float64Array): CodedValues | undefined {
  const n = values.length;
  if (n < 1024) return undefined;
  for (let i = 0; i < n; i++) if (Number.isNaN(values[i]!)) return undefined;
  // 8-byte values, 1- or 2-byte codes: the table may hold this many and still save enough.
  const maxTable = Math.floor((CODE_BELOW * 8 - 2) * (n / 8));
  const d = distinctValues(values, 'f64', Math.max(0, Math.min(65536, maxTable)));
  return d === undefined ? undefined : { table: d.table as Float64Array, codes: d.codes };
}

/** The plain array the codes stand for. */
export function decodeValues(c: CodedValues): Float64Array {
  const { table, codes } = c;
  const out = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]!]!;
  return out;
}

/** Reads coded values from two state arrays; a reason string when they cannot be `length` of them. */
export function readCodedValues(table: unknown, codes: unknown, length: number): CodedValues | string {
  if (!(table instanceof Float64Array)) return 'its value table is not float64';
  if (!(codes instanceof Uint8Array || codes instanceof Uint16Array) || codes.length !== length) return `its codes are not ${length} uint8 or uint16 values`;
  // Codes are not scanned: one past the table (only a crafted file has one; the checksums catch
  // damage) reads undefined, a NaN weight, like the model file's own dict sections.
  return { table, codes };
}

/** The plain values of weights that may be coded (made once by the caller, who keeps them). */
export function plainValues(v: Float64Array | CodedValues): Float64Array {
  return v instanceof Float64Array ? v : decodeValues(v);
}
