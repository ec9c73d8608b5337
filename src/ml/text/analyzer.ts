import { CuratorError } from '../errors.ts';
import type { AnalyzedDocs } from '../base/types.ts';
import { ENGLISH_STOP_WORDS } from './english-stop-words.ts';
import { murmurhash3String } from './murmurhash3.ts';
import { ASCII_WORD, bmpWordTable, DEFAULT_TOKEN_PATTERN, isAstralWordAt, Tokenizer } from './tokenizer.ts';

/** The settings that decide which features a document yields (scikit-learn's analyzer params). */
export interface AnalyzerOptions {
  lowercase: boolean;
  tokenPattern: string;
  ngramRange: readonly [number, number];
  stopWords: 'english' | readonly string[] | null;
}

/** scikit-learn's defaults: lowercase, the default token pattern, unigrams, no stop words. */
export const DEFAULT_ANALYZER_OPTIONS: AnalyzerOptions = {
  lowercase: true,
  tokenPattern: DEFAULT_TOKEN_PATTERN,
  ngramRange: [1, 1],
  stopWords: null,
};

// Local aliases: a loader may compile imported bindings to getters, too slow for per-character use.
const WORD_ASCII: Uint8Array = ASCII_WORD;
const isAstralWord = isAstralWordAt;
const bmpWords = bmpWordTable;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** A final avalanche, so the low bits of an FNV-1a hash index a power-of-two table well. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** FNV-1a over the UTF-16 units of `text[start, end)`, mixed. */
function hashRange(text: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return mix(h);
}

/**
 * An open-addressing string → id table that looks up a substring by offsets, so counting the
 * tokens of a text creates a string only for a token never seen before. Ids are dense from 0.
 * Term characters also sit in one Uint16Array pool: comparing against it is much faster than
 * against a JS string of unknown representation.
 */
export class TermTable {
  /** Id → string. */
  readonly terms: string[] = [];
  // Four ints per slot — id + 1 (0 = empty), hash, pool offset, length — so a probe touches one
  // cache line before comparing characters.
  private slots: Int32Array;
  private mask: number;
  private poolEnd = 0;
  private pool: Uint16Array = new Uint16Array(4096);

  /** `expected`: roughly how many terms will come, to size the table once. */
  constructor(expected = 256) {
    let size = 1024;
    while (size < expected * 2 && size < 1 << 20) size *= 2;
    this.slots = new Int32Array(size * 4);
    this.mask = size - 1;
  }

  get size(): number {
    return this.terms.length;
  }

  /** The id of `text[start, end)`, or -1. `h`, when given, must be the hash of that range. */
  find(text: string, start = 0, end = text.length, h = hashRange(text, start, end)): number {
    const r = this.probe(text, start, end, h);
    return r < 0 ? -1 : r;
  }

  /** The id, or -(free slot + 1) where the range would go. */
  private probe(text: string, start: number, end: number, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const len = end - start;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const p = i << 2;
      const s = slots[p]!;
      if (s === 0) return -(i + 1);
      if (slots[p + 1] === h && slots[p + 3] === len) {
        const off = slots[p + 2]!;
        const pool = this.pool;
        let k = 0;
        while (k < len && pool[off + k] === text.charCodeAt(start + k)) k++;
        if (k === len) return s - 1;
      }
    }
  }

  /** The id of `text[start, end)`, adding it when new. */
  intern(text: string, start = 0, end = text.length, h = hashRange(text, start, end)): number {
    const found = this.probe(text, start, end, h);
    return found >= 0 ? found : this.add(text, start, end, h, -found - 1);
  }

  private add(text: string, start: number, end: number, h: number, slot: number): number {
    const id = this.terms.length;
    const len = end - start;
    const off = this.poolEnd;
    if (off + len > this.pool.length) {
      const p = new Uint16Array(Math.max(this.pool.length * 2, off + len));
      p.set(this.pool);
      this.pool = p;
    }
    for (let k = 0; k < len; k++) this.pool[off + k] = text.charCodeAt(start + k);
    this.poolEnd = off + len;
    this.terms.push(start === 0 && end === text.length ? text : this.stringAt(off, len, text, start));
    const p = slot << 2;
    this.slots[p] = id + 1;
    this.slots[p + 1] = h;
    this.slots[p + 2] = off;
    this.slots[p + 3] = len;
    if ((id + 1) * 2 > this.mask) this.rehash();
    return id;
  }

  // V8 makes substrings of 13+ units views into their parent; copying from the pool keeps a
  // fitted vocabulary from holding whole emails alive.
  private stringAt(off: number, len: number, text: string, start: number): string {
    if (len < 13 || len > 8192) return text.slice(start, start + len);
    return String.fromCharCode.apply(null, this.pool.subarray(off, off + len) as unknown as number[]);
  }

  private rehash(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    this.slots = new Int32Array(size * 4);
    this.mask = size - 1;
    for (let q = 0; q < old.length; q += 4) {
      if (old[q] === 0) continue;
      let i = old[q + 1]! & this.mask;
      while (this.slots[i << 2] !== 0) i = (i + 1) & this.mask;
      this.slots.set(old.subarray(q, q + 4), i << 2);
    }
  }
}

/**
 * The default token pattern fused with the table: scans `text` (already lowercased), hashing each
 * token as it goes, and writes the ids of its tokens to `out.ids` (grown as needed) — interning
 * new ones when `add`, else skipping unknown ones. Returns the number of ids written.
 */
export function defaultTokenIds(text: string, table: TermTable, add: boolean, out: { ids: Int32Array }): number {
  const len = text.length;
  let ids = out.ids;
  let n = 0;
  let bmp: Uint8Array | undefined;
  let i = 0;
  while (i < len) {
    let c = text.charCodeAt(i);
    // skip to the next word character
    if (c < 128 ? WORD_ASCII[c] === 0 : !wordAt(text, i, c, (bmp ??= bmpWords()))) {
      i++;
      continue;
    }
    const start = i;
    let h = FNV_OFFSET;
    let cps = 0;
    while (i < len) {
      c = text.charCodeAt(i);
      if (c < 128) {
        if (WORD_ASCII[c] === 0) break;
        h = Math.imul(h ^ c, FNV_PRIME);
        i++;
      } else {
        if (!wordAt(text, i, c, (bmp ??= bmpWords()))) break;
        h = Math.imul(h ^ c, FNV_PRIME);
        i++;
        if (c >= 0xd800 && c <= 0xdbff) {
          h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
          i++;
        }
      }
      cps++;
    }
    if (cps < 2) continue;
    h = mix(h);
    const id = add ? table.intern(text, start, i, h) : table.find(text, start, i, h);
    if (id < 0) continue;
    if (n === ids.length) {
      const g = new Int32Array(ids.length * 2);
      g.set(ids);
      ids = out.ids = g;
    }
    ids[n++] = id;
  }
  return n;
}

/** Word test for a non-ASCII unit at `i` (a high surrogate counts with its pair). */
function wordAt(text: string, i: number, c: number, bmp: Uint8Array): boolean {
  if (c < 0xd800 || c >= 0xe000) return bmp[c] === 1;
  if (c > 0xdbff || i + 1 >= text.length) return false;
  const d = text.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff && isAstralWord(text, i);
}

/** An open-addressing (int, int) → id table: the n-gram extending sequence `a` by token `b`. */
class PairTable {
  private keys = new Int32Array(2048);
  private vals = new Int32Array(1024).fill(-1);
  private n = 0;

  get(a: number, b: number): number {
    const mask = this.vals.length - 1;
    let h = Math.imul(a, 0x9e3779b1) ^ b;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h ^= h >>> 12;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.vals[i]!;
      if (v < 0 || (this.keys[2 * i] === a && this.keys[2 * i + 1] === b)) return v < 0 ? -1 - i : v;
    }
  }

  /** Stores `id` in the empty slot `get` reported (as -1 - slot). */
  set(slotCode: number, a: number, b: number, id: number): void {
    const i = -1 - slotCode;
    this.keys[2 * i] = a;
    this.keys[2 * i + 1] = b;
    this.vals[i] = id;
    if (++this.n * 2 > this.vals.length) {
      const oldK = this.keys;
      const oldV = this.vals;
      this.keys = new Int32Array(oldK.length * 2);
      this.vals = new Int32Array(oldV.length * 2).fill(-1);
      this.n = 0;
      for (let j = 0; j < oldV.length; j++) if (oldV[j]! >= 0) this.set(this.get(oldK[2 * j]!, oldK[2 * j + 1]!), oldK[2 * j]!, oldK[2 * j + 1]!, oldV[j]!);
    }
  }
}

const orders = new WeakMap<readonly string[], Int32Array>();

/** Compares by code point, like Python's `sorted()`: UTF-16 order differs only for astral chars. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // surrogates (astral code points) sort after U+E000..U+FFFF
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** True when UTF-16 order may differ from code-point order for these strings. */
function needsCodePointSort(terms: readonly string[]): boolean {
  let astral = false;
  let high = false;
  for (const t of terms) {
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c >= 0xd800) {
        if (c < 0xe000) astral = true;
        else high = true;
        if (astral && high) return true;
      }
    }
  }
  return false;
}

/**
 * The ids of `terms` in Python's sorted() order, computed once per dictionary and cached, so each
 * cross-validation fold gets its sorted vocabulary by one pass instead of a string sort.
 * Dictionaries made by `Analyzer.analyze` are already sorted (identity order).
 */
export function termOrder(terms: readonly string[]): Int32Array {
  let order = orders.get(terms);
  if (order) return order;
  const ids = Array.from({ length: terms.length }, (_, i) => i);
  ids.sort(needsCodePointSort(terms) ? (i, j) => compareCodePoints(terms[i]!, terms[j]!) : (i, j) => (terms[i]! < terms[j]! ? -1 : terms[i]! > terms[j]! ? 1 : 0));
  order = Int32Array.from(ids);
  orders.set(terms, order);
  return order;
}

/**
 * Strings in code-point order (Python's sorted()) at nearly native speed: strings whose units are
 * all below U+D800 compare the same in UTF-16 and code-point order, so they sort natively; the
 * few others sort with compareCodePoints, and one merge joins the two lists.
 */
export function sortCodePoints(strings: readonly string[]): string[] {
  const plain: string[] = [];
  const other: string[] = [];
  for (const t of strings) {
    let wide = false;
    for (let i = 0; i < t.length; i++) {
      if (t.charCodeAt(i) >= 0xd800) {
        wide = true;
        break;
      }
    }
    (wide ? other : plain).push(t);
  }
  plain.sort();
  if (other.length === 0) return plain;
  other.sort(compareCodePoints);
  const out = new Array<string>(strings.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < plain.length && j < other.length) out[k++] = compareCodePoints(plain[i]!, other[j]!) <= 0 ? plain[i++]! : other[j++]!;
  while (i < plain.length) out[k++] = plain[i++]!;
  while (j < other.length) out[k++] = other[j++]!;
  return out;
}

/**
 * Renumbers a finished dictionary so ids follow sorted term order and rewrites the documents.
 * Then a vocabulary learned from any subset maps ids to columns monotonically, so a document's
 * ascending ids give ascending columns with no per-row sort.
 */
function sortDictionary(table: TermTable, docs: Int32Array[]): string[] {
  const sorted = sortCodePoints(table.terms);
  const perm = new Int32Array(sorted.length);
  for (let j = 0; j < sorted.length; j++) perm[table.find(sorted[j]!)] = j;
  for (const d of docs) for (let k = 0; k < d.length; k++) d[k] = perm[d[k]!]!;
  const identity = new Int32Array(sorted.length);
  for (let j = 0; j < identity.length; j++) identity[j] = j;
  orders.set(sorted, identity);
  return sorted;
}

/** One document as its distinct term ids (ascending) and how often each occurs. */
export interface DocTermCounts {
  ids: Int32Array;
  counts: Int32Array;
}

const docCounts = new WeakMap<Int32Array, DocTermCounts>();

/**
 * The distinct ids and counts of each document, cached per document array: cross-validation
 * folds share documents (selectSamples keeps the arrays), so each is condensed once.
 */
export function termCounts(docs: readonly Int32Array[], nTerms: number): DocTermCounts[] {
  const out = new Array<DocTermCounts>(docs.length);
  let seen: Int32Array | undefined;
  let count: Int32Array | undefined;
  let uniq = new Int32Array(1024);
  for (let d = 0; d < docs.length; d++) {
    const doc = docs[d]!;
    const cached = docCounts.get(doc);
    if (cached) {
      out[d] = cached;
      continue;
    }
    seen ??= new Int32Array(nTerms).fill(-1);
    count ??= new Int32Array(nTerms);
    if (uniq.length < doc.length) uniq = new Int32Array(doc.length * 2);
    let u = 0;
    for (let k = 0; k < doc.length; k++) {
      const id = doc[k]!;
      if (seen[id] !== d) {
        seen[id] = d;
        count[id] = 1;
        uniq[u++] = id;
      } else {
        count[id]!++;
      }
    }
    const ids = uniq.slice(0, u).sort();
    const counts = new Int32Array(u);
    for (let k = 0; k < u; k++) counts[k] = count[ids[k]!]!;
    out[d] = { ids, counts };
    docCounts.set(doc, out[d]);
  }
  return out;
}

/** The stop-word set of an analyzer setting (scikit-learn's `_check_stop_list`). */
export function stopWordSet(stopWords: AnalyzerOptions['stopWords']): ReadonlySet<string> | null {
  if (stopWords === null) return null;
  if (stopWords === 'english') return new Set(ENGLISH_STOP_WORDS);
  return new Set(stopWords);
}

function checkOptions(o: AnalyzerOptions): void {
  const [lo, hi] = o.ngramRange;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo) {
    throw new CuratorError('INVALID_PARAM', `The 'ngramRange' must be [minN, maxN] with 1 ≤ minN ≤ maxN. Got ${JSON.stringify(o.ngramRange)} instead.`, { field: 'ngramRange' });
  }
}

/**
 * Turns documents into feature ids: lowercase, tokenize, drop stop words, form word n-grams
 * (joined by one space), exactly as scikit-learn's `build_analyzer()` for `analyzer='word'`.
 * `analyze` tokenizes a corpus once into a shared dictionary; vectorizers then fit any subset of
 * it without tokenizing again.
 *
 * @example
 *   const a = new Analyzer({ ngramRange: [1, 2] });
 *   a.features('The cat sat'); // ['the', 'cat', 'sat', 'the cat', 'cat sat']
 *   const docs = a.analyze(texts); // docs.docs[i] holds ids into docs.terms
 */
export class Analyzer {
  readonly options: AnalyzerOptions;
  /** Equal for analyzers that produce the same features; AnalyzedDocs carry it. */
  readonly key: string;
  private readonly tokenizer: Tokenizer;
  private readonly stop: ReadonlySet<string> | null;

  constructor(options: Partial<AnalyzerOptions> = {}) {
    const o = { ...DEFAULT_ANALYZER_OPTIONS, ...options };
    checkOptions(o);
    this.options = o;
    this.tokenizer = new Tokenizer(o.tokenPattern);
    this.stop = stopWordSet(o.stopWords);
    let stopKey: string | null = null;
    if (o.stopWords === 'english') stopKey = 'english';
    else if (o.stopWords !== null) {
      const joined = [...new Set(o.stopWords)].sort().join('\u0000');
      stopKey = `${o.stopWords.length}:${(murmurhash3String(joined, 1) >>> 0).toString(16)}${(murmurhash3String(joined, 2) >>> 0).toString(16)}`;
    }
    this.key = JSON.stringify({ analyzer: 'word', lowercase: o.lowercase, tokenPattern: o.tokenPattern, ngramRange: o.ngramRange, stopWords: stopKey });
  }

  /** True when this analyzer emits exactly the tokens the default scanner finds (no stop words, unigrams). */
  get isPlainUnigram(): boolean {
    return this.stop === null && this.options.ngramRange[0] === 1 && this.options.ngramRange[1] === 1;
  }

  /** The tokenizer (after lowercasing), for callers that look tokens up without making strings. */
  get tokens(): Tokenizer {
    return this.tokenizer;
  }

  /** The stop words this analyzer drops, or null. */
  get stopWords(): ReadonlySet<string> | null {
    return this.stop;
  }

  /** Lowercases when configured. */
  prepare(doc: string): string {
    return this.options.lowercase ? doc.toLowerCase() : doc;
  }

  /** The features of one document as strings, in scikit-learn's order (all unigrams, then bigrams, ...). */
  features(doc: string): string[] {
    const toks = this.tokenizer.tokenize(this.prepare(doc));
    const kept = this.stop ? toks.filter((t) => !this.stop!.has(t)) : toks;
    const [minN, maxN] = this.options.ngramRange;
    if (minN === 1 && maxN === 1) return kept;
    const out: string[] = minN === 1 ? kept.slice() : [];
    for (let n = Math.max(minN, 2); n <= Math.min(maxN, kept.length); n++) {
      for (let i = 0; i + n <= kept.length; i++) out.push(kept.slice(i, i + n).join(' '));
    }
    return out;
  }

  /**
   * Analyzes every document once into a fresh shared dictionary. Non-string documents are refused
   * with INVALID_ARGUMENT naming their index.
   */
  analyze(docs: readonly string[], owner = 'Analyzer'): AnalyzedDocs {
    checkDocuments(docs, owner);
    let chars = 0;
    for (const d of docs) chars += d.length;
    // about one new term per 200 characters of e-mail; a table sized once never rehashes
    const table = new TermTable(chars / 100);
    const [minN, maxN] = this.options.ngramRange;
    const stop = this.stop;
    const isStop: number[] = [];
    const pairs = maxN > 1 ? new PairTable() : null;
    const tok = { ids: new Int32Array(4096) };
    let cur = new Int32Array(256);
    let grams = new Int32Array(4096);
    const out = new Array<Int32Array>(docs.length);
    for (let d = 0; d < docs.length; d++) {
      let m = this.tokenIds(this.prepare(docs[d]!), table, true, tok);
      const ids = tok.ids;
      if (stop) {
        let w = 0;
        for (let k = 0; k < m; k++) {
          const id = ids[k]!;
          isStop[id] ??= stop.has(table.terms[id]!) ? 1 : 0;
          if (isStop[id] === 0) ids[w++] = id;
        }
        m = w;
      }
      if (!pairs) {
        out[d] = ids.slice(0, m);
        continue;
      }
      // sklearn's order: all unigrams (when minN = 1), then all bigrams, and so on
      const need = m * (maxN - minN + 1);
      if (grams.length < need) grams = new Int32Array(need * 2);
      if (cur.length < m) cur = new Int32Array(m * 2);
      cur.set(ids.subarray(0, m));
      let len = 0;
      if (minN === 1) {
        grams.set(ids.subarray(0, m));
        len = m;
      }
      for (let n = 2; n <= Math.min(maxN, m); n++) {
        for (let i = 0; i + n <= m; i++) {
          const a = cur[i]!;
          const b = ids[i + n - 1]!;
          let id = pairs.get(a, b);
          if (id < 0) {
            const slot = id;
            id = table.intern(`${table.terms[a]!} ${table.terms[b]!}`);
            pairs.set(slot, a, b, id);
          }
          cur[i] = id;
          if (n >= minN) grams[len++] = id;
        }
      }
      out[d] = grams.slice(0, len);
    }
    return { analyzerKey: this.key, terms: sortDictionary(table, out), docs: out };
  }

  /**
   * The ids (in `table`) of the tokens of a prepared text, written to `out.ids` from 0; unknown
   * tokens are interned when `add`, else skipped. Stop words and n-grams are not applied here.
   */
  tokenIds(text: string, table: TermTable, add: boolean, out: { ids: Int32Array }): number {
    if (this.tokenizer.isDefault) return defaultTokenIds(text, table, add, out);
    const spans = this.tokenizer.scan(text);
    if (out.ids.length < spans.count) out.ids = new Int32Array(spans.count * 2);
    let n = 0;
    for (let k = 0; k < spans.count; k++) {
      const id = add ? table.intern(text, spans.starts[k]!, spans.ends[k]!) : table.find(text, spans.starts[k]!, spans.ends[k]!);
      if (id >= 0) out.ids[n++] = id;
    }
    return n;
  }
}

/** Refuses anything but an array of strings, naming the first bad index (scikit-learn's checks). */
export function checkDocuments(docs: unknown, owner: string): asserts docs is readonly string[] {
  if (typeof docs === 'string') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: expected an array of documents, got a single string.`, { field: 'documents' });
  }
  if (!Array.isArray(docs)) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: expected an array of documents (strings) or AnalyzedDocs, got ${docs === null ? 'null' : typeof docs}.`, { field: 'documents' });
  }
  for (let i = 0; i < docs.length; i++) {
    if (typeof docs[i] !== 'string') {
      const v: unknown = docs[i];
      throw new CuratorError('INVALID_ARGUMENT', `${owner}: document ${i} is ${v === null ? 'null' : typeof v}, expected a string.`, { field: `documents[${i}]` });
    }
  }
}
