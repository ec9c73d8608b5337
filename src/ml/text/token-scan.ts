import { bmpWordTable } from './tokenizer.ts';
import { finishHash, HASH_PRIME, HASH_SEED, type TermIndex } from './term-index.ts';

/*
 * The default analyzer (lowercase, then scikit-learn's `\b\w\w+\b`) fused into one pass over the
 * raw text: each code unit goes through a table that gives its lowercase form when that is a word
 * character and 0 otherwise, the hash of the current run grows as it goes, and a finished run is
 * probed in the TermIndex by comparing code units. No lowercased copy, no substring, no string.
 *
 * JavaScript's toLowerCase (which matches Python's str.lower here) maps every BMP code unit on
 * its own except two: 'İ' (U+0130) becomes two units, and 'Σ' (U+03A3) depends on its neighbours
 * (final sigma). Those, and surrogates (astral characters), are marked BAIL: a text containing
 * one goes through the exact path (toLowerCase + the exact tokenizer) instead. Until some text
 * needs a unit above U+00FF, the table covers only Latin-1 and everything else is BAIL too; the
 * first such text completes the table (a few milliseconds, once per process) and is retried.
 */

// Local copies: a loader may compile imported bindings to getters, too slow for per-token use.
const SEED = HASH_SEED;
const PRIME = HASH_PRIME;
const finish = finishHash;

/** Table value of a code unit the fused scanner does not handle. */
export const BAIL = 0xffff;

interface ScanTable {
  lw: Uint16Array;
  complete: boolean;
}

const tables: { lower?: ScanTable; plain?: ScanTable } = {};

function latin1Word(c: number): boolean {
  // Python's \w in Latin-1: ASCII [0-9A-Za-z_], ª ² ³ µ ¹ º ¼ ½ ¾, and the letters À..ÿ except × ÷
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  return c === 0xaa || c === 0xb2 || c === 0xb3 || c === 0xb5 || c === 0xb9 || c === 0xba || (c >= 0xbc && c <= 0xbe) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);
}

/** The scan table for `lowercase`: code unit → (lowercased) unit when a word character, 0 when not, BAIL. */
export function scanTable(lowercase: boolean): ScanTable {
  const key = lowercase ? 'lower' : 'plain';
  let t = tables[key];
  if (t) return t;
  const lw = new Uint16Array(0x10000).fill(BAIL);
  for (let c = 0; c < 256; c++) {
    // Latin-1 lowercases within Latin-1 (À..Þ but × to +32) and keeps its word-ness
    const l = lowercase && ((c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0xde && c !== 0xd7)) ? c + 32 : c;
    lw[c] = latin1Word(l) ? l : 0;
  }
  t = { lw, complete: false };
  tables[key] = t;
  return t;
}

/** Fills the table above U+00FF from the engine's own toLowerCase and Python's \w classes. */
export function completeScanTable(t: ScanTable, lowercase: boolean): void {
  if (t.complete) return;
  const word = bmpWordTable();
  const units: number[] = [];
  for (let c = 0x100; c < 0x10000; c++) if (!(c >= 0xd800 && c <= 0xdfff) && c !== 0x130 && c !== 0x3a3) units.push(c);
  let src = '';
  for (let i = 0; i < units.length; i += 8192) src += String.fromCharCode.apply(null, units.slice(i, i + 8192));
  const low = lowercase ? src.toLowerCase() : src;
  const lw = t.lw;
  if (low.length === src.length) {
    for (let i = 0; i < units.length; i++) {
      const l = low.charCodeAt(i);
      lw[units[i]!] = word[l] === 1 ? l : 0;
    }
  } else {
    // an engine whose lowercasing expands some other unit: those stay BAIL
    for (const c of units) {
      const l = lowercase ? String.fromCharCode(c).toLowerCase() : String.fromCharCode(c);
      if (l.length === 1) lw[c] = word[l.charCodeAt(0)] === 1 ? l.charCodeAt(0) : 0;
    }
  }
  t.complete = true;
}

/** Per-document counting scratch: counts by term id and the ids touched so far. */
export class TermCounts {
  readonly counts: Int32Array;
  touched: Int32Array;
  n = 0;

  constructor(nTerms: number) {
    this.counts = new Int32Array(nTerms);
    this.touched = new Int32Array(Math.min(Math.max(nTerms, 16), 4096));
  }

  /** Counts one occurrence of `id`. */
  add(id: number): void {
    if (this.counts[id]!++ === 0) {
      if (this.n === this.touched.length) this.grow();
      this.touched[this.n++] = id;
    }
  }

  grow(): void {
    const g = new Int32Array(this.touched.length * 2);
    g.set(this.touched);
    this.touched = g;
  }

  /** Forgets the current document (zeroes only what it touched). */
  clear(): void {
    const { counts, touched } = this;
    for (let k = 0; k < this.n; k++) counts[touched[k]!] = 0;
    this.n = 0;
  }
}

/**
 * Counts the tokens of raw `text` that are in `ix` (ids flagged in `skip` excepted) into `out`.
 * Returns false, with nothing counted, when the text holds a BAIL unit.
 */
export function scanCount(text: string, lw: Uint16Array, ix: TermIndex, skip: Uint8Array | null, out: TermCounts): boolean {
  const { slots, mask, starts, chars, idBits, idMask, tagShift } = ix;
  const counts = out.counts;
  let touched = out.touched;
  let n = out.n;
  const len = text.length;
  let i = 0;
  while (i < len) {
    let c = lw[text.charCodeAt(i)]!;
    if (c === 0) {
      i++;
      continue;
    }
    if (c === BAIL) {
      out.n = n;
      out.clear();
      return false;
    }
    const start = i;
    let h = Math.imul(SEED ^ c, PRIME);
    let any = c;
    while (++i < len) {
      c = lw[text.charCodeAt(i)]!;
      if (c === 0 || c === BAIL) break;
      h = Math.imul(h ^ c, PRIME);
      any |= c;
    }
    if (c === BAIL && i < len) continue; // the outer loop bails at i
    if (i - start < 2) continue;
    const tlen = any < 0x80 ? i - start : encodedRunLength(text, start, i, lw);
    h = finish(h);
    const tag = tagShift >= 32 ? 0 : h >>> tagShift;
    let id = -1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = slots[s]!;
      if (v < 0) break;
      if (v >>> idBits !== tag) continue;
      const cand = v & idMask;
      let off = starts[cand]!;
      if (starts[cand + 1]! - off !== tlen) continue;
      let k = start;
      if (any < 0x80) {
        while (k < i && chars[off] === lw[text.charCodeAt(k)]) {
          off++;
          k++;
        }
      } else {
        k = matchRun(chars, off, text, start, i, lw);
      }
      if (k === i) {
        id = cand;
        break;
      }
    }
    if (id < 0 || (skip !== null && skip[id] === 1)) continue;
    if (counts[id]!++ === 0) {
      if (n === touched.length) {
        out.n = n;
        out.grow();
        touched = out.touched;
      }
      touched[n++] = id;
    }
  }
  out.n = n;
  return true;
}

/** Encoded (TermIndex chars) length of the lowercased run `text[start, end)`. */
function encodedRunLength(text: string, start: number, end: number, lw: Uint16Array): number {
  let n = end - start;
  for (let i = start; i < end; i++) {
    const u = lw[text.charCodeAt(i)]!;
    if (u >= 0x80) n += u < 0x800 ? 1 : 2;
  }
  return n;
}

/** Compares the lowercased run with the encoded term at `off`; returns `end` on a match. */
function matchRun(chars: Uint8Array, off: number, text: string, start: number, end: number, lw: Uint16Array): number {
  for (let i = start; i < end; i++) {
    const u = lw[text.charCodeAt(i)]!;
    if (u < 0x80) {
      if (chars[off++] !== u) return -1;
    } else if (u < 0x800) {
      if (chars[off] !== (0xc0 | (u >> 6)) || chars[off + 1] !== (0x80 | (u & 63))) return -1;
      off += 2;
    } else {
      if (chars[off] !== (0xe0 | (u >> 12)) || chars[off + 1] !== (0x80 | ((u >> 6) & 63)) || chars[off + 2] !== (0x80 | (u & 63))) return -1;
      off += 3;
    }
  }
  return end;
}

/** Sorts `a[0, n)` ascending (the engine's typed-array sort beat a hand-written quicksort here). */
export function sortInts(a: Int32Array, n: number): void {
  if (n > 1) a.subarray(0, n).sort();
}
