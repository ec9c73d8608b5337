/*
 * A vocabulary as a hash table in three typed arrays, so a model file holds it ready to use:
 * loading wraps the sections in views and does no per-term work; the terms as JS strings are made
 * only when someone asks for them.
 *
 *   chars  the terms back to back, each UTF-16 code unit as 1-3 bytes the way UTF-8 encodes a
 *          code point (CESU-8: as compact as UTF-8 for BMP text, and a scanner compares it
 *          against a string unit by unit; an astral character is two 3-byte surrogates)
 *   starts term id → byte offset into chars; n + 1 entries, the last is chars.length
 *   slots  a power-of-two open-addressing table (linear probing): -1 for empty, else
 *          (tag << idBits) | id, where the tag is the top bits of the term's hash, so a probe
 *          rejects almost every other term without touching its characters
 *
 * The hash is FNV-1a over UTF-16 code units followed by an avalanche (`finishHash`). Scanners
 * compute it incrementally while they classify characters, so a token is looked up without ever
 * becoming a string. It is part of the file format: TERM_HASH names it in the state, and a state
 * made with another hash gets its slots rebuilt.
 */

/** Names the hash the slots of a saved TermIndex were built with. */
export const TERM_HASH = 'fnv1a-utf16-mix32';

/** FNV-1a's offset basis: the hash of the empty prefix. */
export const HASH_SEED = 0x811c9dc5 | 0;
/** FNV-1a's 32-bit prime: `h = Math.imul(h ^ unit, HASH_PRIME)` adds one code unit. */
export const HASH_PRIME = 0x01000193;

/** The final avalanche, so both the low bits (slot) and the high bits (tag) are well mixed. */
export function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The hash of `text[start, end)`: what a scanner computes for the same code units. */
export function hashRange(text: string, start = 0, end = text.length): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), HASH_PRIME);
  return finishHash(h);
}

/** Slots for `n` terms: a power of two keeping the load at or below 0.7 (and one slot free). */
function slotCount(n: number): number {
  let size = 8;
  while (size * 0.7 < n) size *= 2;
  return size;
}

/** Bits that hold a term id in a slot: enough for ids 0..n-1. The tag takes the rest up to bit 30. */
function idBitsFor(n: number): number {
  return Math.max(1, 32 - Math.clz32(Math.max(1, n - 1)));
}

function idMaskFor(idBits: number): number {
  return idBits >= 31 ? 0x7fffffff : (1 << idBits) - 1;
}

/** A slot value: the top (31 - idBits) bits of the hash above the id; never negative. */
function slotValue(h: number, id: number, idBits: number): number {
  return idBits >= 31 ? id : ((h >>> (idBits + 1)) << idBits) | id;
}

/**
 * A read-only string → id table over a fixed list of distinct terms (id = position in the list).
 * `find` looks up a substring by offsets; scanners probe the arrays directly (see `fields`).
 *
 * @example
 *   const ix = TermIndex.build(['cat', 'dog']);
 *   ix.find('hot dog', 4, 7); // 1
 *   ix.terms();               // ['cat', 'dog'] (made on first call)
 */
export class TermIndex {
  readonly size: number;
  readonly chars: Uint8Array;
  readonly starts: Int32Array;
  readonly slots: Int32Array;
  readonly mask: number;
  readonly idBits: number;
  readonly idMask: number;
  /** Right shift that turns a hash into its tag; 32 or more means no tag bits (tag 0). */
  readonly tagShift: number;
  private terms_: string[] | undefined;

  private constructor(chars: Uint8Array, starts: Int32Array, slots: Int32Array, terms?: string[]) {
    this.size = starts.length - 1;
    this.chars = chars;
    this.starts = starts;
    this.slots = slots;
    this.mask = slots.length - 1;
    this.idBits = idBitsFor(this.size);
    this.idMask = idMaskFor(this.idBits);
    this.tagShift = this.idBits + 1;
    this.terms_ = terms;
  }

  /** The tag a slot stores for a term with hash `h`. */
  tagOf(h: number): number {
    return this.tagShift >= 32 ? 0 : h >>> this.tagShift;
  }

  /** Indexes `terms` (distinct; a repeated term resolves to its first id). */
  static build(terms: readonly string[]): TermIndex {
    const n = terms.length;
    let total = 0;
    for (const t of terms) total += encodedLength(t, 0, t.length);
    const chars = new Uint8Array(total);
    const starts = new Int32Array(n + 1);
    let off = 0;
    for (let j = 0; j < n; j++) {
      const t = terms[j]!;
      starts[j] = off;
      for (let i = 0; i < t.length; i++) {
        const u = t.charCodeAt(i);
        if (u < 0x80) chars[off++] = u;
        else if (u < 0x800) {
          chars[off++] = 0xc0 | (u >> 6);
          chars[off++] = 0x80 | (u & 63);
        } else {
          chars[off++] = 0xe0 | (u >> 12);
          chars[off++] = 0x80 | ((u >> 6) & 63);
          chars[off++] = 0x80 | (u & 63);
        }
      }
    }
    starts[n] = off;
    return new TermIndex(chars, starts, fillSlots(chars, starts), terms.slice());
  }

  /**
   * Wraps saved arrays without copying or scanning them, so loading costs nothing per term.
   * `slots` null (a state made with another hash) rebuilds the table from the characters.
   * Returns a reason string instead when the arrays cannot be a TermIndex.
   *
   * Only what keeps lookups safe is checked, in O(1) for a well-formed table: an empty slot must
   * exist (every probe stops there). Odd offsets or ids in a crafted file read `undefined`, which
   * never equals a byte, so they can only fail to match; the file's checksum covers the rest.
   */
  static fromArrays(chars: Uint8Array, starts: Int32Array, slots: Int32Array | null): TermIndex | string {
    const n = starts.length - 1;
    if (n < 0 || starts[0] !== 0 || starts[n] !== chars.length) return 'its term offsets do not cover its characters';
    if (slots === null) return new TermIndex(chars, starts, fillSlots(chars, starts));
    const size = slots.length;
    if (size < 8 || (size & (size - 1)) !== 0 || size <= n) return 'its term slot table has an impossible size';
    if (slots.indexOf(-1) < 0) return 'its term slot table has no empty slot';
    return new TermIndex(chars, starts, slots);
  }

  /** The id of `text[start, end)`, or -1. `h` must be `hashRange(text, start, end)` when given. */
  find(text: string, start = 0, end = text.length, h = hashRange(text, start, end)): number {
    const { slots, mask, starts, chars, idBits, idMask } = this;
    const len = encodedLength(text, start, end);
    const tag = this.tagOf(h);
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = slots[i]!;
      if (v < 0) return -1;
      if (v >>> idBits !== tag) continue;
      const id = v & idMask;
      const s = starts[id]!;
      if (starts[id + 1]! - s === len && sameUnits(chars, s, text, start, end)) return id;
    }
  }

  /** Every term as a string, in id order (built on first call, then cached). */
  terms(): string[] {
    if (this.terms_) return this.terms_;
    const { chars, starts, size } = this;
    // Decode everything into one string, then take slices of it: V8 makes a slice of 13+ units a
    // view, so 176,000 terms cost one pass over the bytes instead of 176,000 decodes.
    const units = new Uint16Array(chars.length);
    const at = new Int32Array(size + 1); // term id → unit offset
    let u = 0;
    let j = 0;
    for (let b = 0; b < chars.length; ) {
      while (j <= size && starts[j]! <= b) at[j++] = u;
      const c = chars[b]!;
      if (c < 0x80) {
        units[u++] = c;
        b++;
      } else if (c < 0xe0) {
        units[u++] = ((c & 0x1f) << 6) | (chars[b + 1]! & 63);
        b += 2;
      } else {
        units[u++] = ((c & 0x0f) << 12) | ((chars[b + 1]! & 63) << 6) | (chars[b + 2]! & 63);
        b += 3;
      }
    }
    while (j <= size) at[j++] = u;
    let all = '';
    for (let i = 0; i < u; i += 8192) all += String.fromCharCode.apply(null, units.subarray(i, Math.min(u, i + 8192)) as unknown as number[]);
    const out = new Array<string>(size);
    for (let k = 0; k < size; k++) out[k] = all.slice(at[k], at[k + 1]);
    this.terms_ = out;
    return out;
  }
}

/** Bytes of `text[start, end)` in the chars encoding: 1 below U+0080, 2 below U+0800, else 3. */
export function encodedLength(text: string, start: number, end: number): number {
  let n = end - start;
  for (let i = start; i < end; i++) {
    const u = text.charCodeAt(i);
    if (u >= 0x80) n += u < 0x800 ? 1 : 2;
  }
  return n;
}

/** True when the bytes at `chars[off..]` encode exactly the units of `text[start, end)` (lengths already equal). */
function sameUnits(chars: Uint8Array, off: number, text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const u = text.charCodeAt(i);
    if (u < 0x80) {
      if (chars[off++] !== u) return false;
    } else if (u < 0x800) {
      if (chars[off] !== (0xc0 | (u >> 6)) || chars[off + 1] !== (0x80 | (u & 63))) return false;
      off += 2;
    } else {
      if (chars[off] !== (0xe0 | (u >> 12)) || chars[off + 1] !== (0x80 | ((u >> 6) & 63)) || chars[off + 2] !== (0x80 | (u & 63))) return false;
      off += 3;
    }
  }
  return true;
}

/** The slot table for the terms in (chars, starts), first id winning for repeated terms. */
function fillSlots(chars: Uint8Array, starts: Int32Array): Int32Array {
  const n = starts.length - 1;
  const slots = new Int32Array(slotCount(n)).fill(-1);
  const mask = slots.length - 1;
  const idBits = idBitsFor(n);
  const idMask = idMaskFor(idBits);
  for (let id = 0; id < n; id++) {
    const s = starts[id]!;
    const e = starts[id + 1]!;
    let h = HASH_SEED;
    for (let k = s; k < e; ) {
      const c = chars[k]!;
      let u: number;
      if (c < 0x80) {
        u = c;
        k++;
      } else if (c < 0xe0) {
        u = ((c & 0x1f) << 6) | (chars[k + 1]! & 63);
        k += 2;
      } else {
        u = ((c & 0x0f) << 12) | ((chars[k + 1]! & 63) << 6) | (chars[k + 2]! & 63);
        k += 3;
      }
      h = Math.imul(h ^ u, HASH_PRIME);
    }
    h = finishHash(h);
    const v = slotValue(h, id, idBits);
    let i = h & mask;
    let dup = false;
    for (; slots[i] !== -1; i = (i + 1) & mask) {
      const o = slots[i]!;
      if (o >>> idBits === v >>> idBits && sameTerm(chars, starts, o & idMask, id)) {
        dup = true;
        break;
      }
    }
    if (!dup) slots[i] = v;
  }
  return slots;
}

function sameTerm(chars: Uint8Array, starts: Int32Array, a: number, b: number): boolean {
  const sa = starts[a]!;
  const sb = starts[b]!;
  const len = starts[a + 1]! - sa;
  if (starts[b + 1]! - sb !== len) return false;
  for (let k = 0; k < len; k++) if (chars[sa + k] !== chars[sb + k]) return false;
  return true;
}
