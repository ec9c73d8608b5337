import { CuratorError } from '../errors.ts';

/** scikit-learn's default `token_pattern`: runs of two or more word characters. */
export const DEFAULT_TOKEN_PATTERN = '(?u)\\b\\w\\w+\\b';

// Python's `\w` on str is `ch.isalnum() or ch == '_'`: letters (L*) and numbers (N*), but not
// combining marks. JavaScript's `\w` is ASCII-only even with the u flag, so we spell it out.
const WORD_CLASS = '\\p{L}\\p{N}_';
/** 1 for the ASCII word characters `[0-9A-Za-z_]`. */
export const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_WORD[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ? 1 : 0;
}
const ASTRAL_WORD = new RegExp(`^[${WORD_CLASS}]$`, 'u');

/** True when the surrogate pair at `text[i], text[i+1]` is an astral word character. */
export function isAstralWordAt(text: string, i: number): boolean {
  return ASTRAL_WORD.test(text.slice(i, i + 2));
}
let bmpWord: Uint8Array | undefined;

/** One byte per BMP code unit (1 = word character), built once from the engine's Unicode tables. */
export function bmpWordTable(): Uint8Array {
  if (bmpWord) return bmpWord;
  const table = new Uint8Array(0x10000);
  // One regex pass over all non-surrogate BMP characters is ~100x faster than testing each one.
  const codes = new Uint16Array(0x10000 - 0x800);
  for (let c = 0, k = 0; c < 0x10000; c++) if (c < 0xd800 || c >= 0xe000) codes[k++] = c;
  let all = '';
  for (let i = 0; i < codes.length; i += 8192) all += String.fromCharCode(...codes.subarray(i, i + 8192));
  for (const m of all.matchAll(new RegExp(`[${WORD_CLASS}]+`, 'gu'))) {
    for (let i = m.index; i < m.index + m[0].length; i++) table[all.charCodeAt(i)] = 1;
  }
  bmpWord = table;
  return table;
}

/** True when the code point is a word character as Python's `re` sees it (`\w` on str). */
export function isWordCodePoint(cp: number): boolean {
  if (cp < 128) return ASCII_WORD[cp] === 1;
  if (cp < 0x10000) return bmpWordTable()[cp] === 1;
  return ASTRAL_WORD.test(String.fromCodePoint(cp));
}

/** Start/end offsets (UTF-16 units) of the tokens of one text, reused across calls. */
export interface Spans {
  starts: Int32Array;
  ends: Int32Array;
  count: number;
}

function grow(s: Spans): void {
  const starts = new Int32Array(s.starts.length * 2);
  const ends = new Int32Array(s.ends.length * 2);
  starts.set(s.starts);
  ends.set(s.ends);
  s.starts = starts;
  s.ends = ends;
}

/**
 * The default pattern as a scanner: maximal runs of word characters at least two code points
 * long (an astral letter is two UTF-16 units but one code point, as in Python). This is what
 * `\b\w\w+\b` matches, since a greedy `\w+` always ends where `\b` holds.
 */
function scanDefault(text: string, out: Spans): void {
  const len = text.length;
  let bmp: Uint8Array | undefined;
  let n = 0;
  let start = -1;
  let cps = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    let w: number;
    if (c < 128) {
      w = ASCII_WORD[c]!;
    } else if (c < 0xd800 || c >= 0xe000) {
      bmp ??= bmpWordTable();
      w = bmp[c]!;
    } else if (c <= 0xdbff && i + 1 < len) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        w = ASTRAL_WORD.test(text.slice(i, i + 2)) ? 1 : 0;
        if (w) {
          if (start < 0) {
            start = i;
            cps = 0;
          }
          cps++;
          i++;
          continue;
        }
      } else {
        w = 0;
      }
    } else {
      w = 0; // a lone surrogate is its own code point (category Cs), never a word character
    }
    if (w) {
      if (start < 0) {
        start = i;
        cps = 0;
      }
      cps++;
    } else if (start >= 0) {
      if (cps >= 2) {
        if (n === out.starts.length) grow(out);
        out.starts[n] = start;
        out.ends[n++] = i;
      }
      start = -1;
    }
  }
  if (start >= 0 && cps >= 2) {
    if (n === out.starts.length) grow(out);
    out.starts[n] = start;
    out.ends[n++] = len;
  }
  out.count = n;
}

const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/');
const WORD_BOUNDARY = `(?:(?<=[${WORD_CLASS}])(?![${WORD_CLASS}])|(?<![${WORD_CLASS}])(?=[${WORD_CLASS}]))`;
const NOT_WORD_BOUNDARY = `(?:(?<=[${WORD_CLASS}])(?=[${WORD_CLASS}])|(?<![${WORD_CLASS}])(?![${WORD_CLASS}]))`;

/**
 * Translates a Python `re` pattern into an equivalent JavaScript RegExp, giving `\w`, `\b`, `\d`
 * their Unicode meaning as in Python 3. Covers the constructs token patterns use; anything with
 * no faithful translation is refused rather than silently tokenized differently.
 */
export function pythonPatternToRegExp(pattern: string): RegExp {
  let src = pattern;
  let flags = 'gu';
  const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags += f;
      else if (f !== 'u') throw unsupported(pattern, `the inline flag (?${f})`);
    }
    src = src.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === '\\') {
      const e = src[++i];
      if (e === undefined) throw unsupported(pattern, 'a trailing backslash');
      if (e === 'w') out += inClass ? WORD_CLASS : `[${WORD_CLASS}]`;
      else if (e === 'W') {
        if (inClass) throw unsupported(pattern, '\\W inside a character class');
        out += `[^${WORD_CLASS}]`;
      } else if (e === 'd') out += '\\p{Nd}';
      else if (e === 'D') out += '\\P{Nd}';
      else if (e === 'b') out += inClass ? '\\x08' : WORD_BOUNDARY;
      else if (e === 'B') {
        if (inClass) throw unsupported(pattern, '\\B inside a character class');
        out += NOT_WORD_BOUNDARY;
      } else if (e === 'A') out += '(?<![\\s\\S])';
      else if (e === 'Z') out += '(?![\\s\\S])';
      else if (/[a-zA-Z0-9]/.test(e)) out += `\\${e}`;
      else if (JS_SYNTAX.has(e) || (inClass && e === '-')) out += `\\${e}`;
      else out += e; // Python lets any punctuation be escaped; the u flag does not
    } else if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
    } else if (ch === '[') {
      inClass = true;
      out += ch;
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') out += `\\${src[++i]}`; // a leading ']' is literal in Python
    } else if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (src.startsWith('(?P=', i)) {
      const close = src.indexOf(')', i);
      out += `\\k<${src.slice(i + 4, close)}>`;
      i = close;
    } else {
      out += ch;
    }
  }
  try {
    return new RegExp(out, flags);
  } catch (err) {
    throw new CuratorError('INVALID_PARAM', `The 'tokenPattern' ${JSON.stringify(pattern)} is not a valid regular expression: ${(err as Error).message}`, { field: 'tokenPattern', cause: err });
  }
}

function unsupported(pattern: string, what: string): CuratorError {
  return new CuratorError('INVALID_PARAM', `The 'tokenPattern' ${JSON.stringify(pattern)} uses ${what}, which has no JavaScript equivalent.`, { field: 'tokenPattern' });
}

/**
 * Splits (already lowercased) text into token spans, as scikit-learn's `token_pattern.findall`:
 * the whole match, or the one capturing group when the pattern has one.
 *
 * @example
 *   const t = new Tokenizer();
 *   t.tokenize('Hello, wörld! a 42'); // ['Hello', 'wörld', '42']
 */
export class Tokenizer {
  readonly pattern: string;
  private readonly regex: RegExp | undefined;
  private readonly group: boolean;
  private readonly spans: Spans = { starts: new Int32Array(256), ends: new Int32Array(256), count: 0 };

  constructor(pattern: string = DEFAULT_TOKEN_PATTERN) {
    this.pattern = pattern;
    if (pattern === DEFAULT_TOKEN_PATTERN || pattern === '\\b\\w\\w+\\b') {
      this.regex = undefined;
      this.group = false;
      return;
    }
    const re = pythonPatternToRegExp(pattern);
    const groups = new RegExp(`${re.source}|`, re.flags.replace('g', '')).exec('')!.length - 1;
    if (groups > 1) {
      throw new CuratorError('INVALID_PARAM', `The 'tokenPattern' ${JSON.stringify(pattern)} has ${groups} capturing groups; at most one is allowed.`, { field: 'tokenPattern' });
    }
    this.group = groups === 1;
    this.regex = this.group ? new RegExp(re.source, `${re.flags}d`) : re;
  }

  /** True for scikit-learn's default pattern, which a hand-written scanner handles. */
  get isDefault(): boolean {
    return this.regex === undefined;
  }

  /** Finds the token spans of `text`; the returned object is reused by the next call. */
  scan(text: string): Spans {
    const out = this.spans;
    if (!this.regex) {
      scanDefault(text, out);
      return out;
    }
    let n = 0;
    for (const m of text.matchAll(this.regex)) {
      let s = m.index;
      let e = s + m[0].length;
      if (this.group) {
        const g = m.indices![1];
        if (g) [s, e] = g;
        else e = s; // an unmatched group is '' in Python's findall
      }
      if (n === out.starts.length) grow(out);
      out.starts[n] = s;
      out.ends[n++] = e;
    }
    out.count = n;
    return out;
  }

  /** The tokens of `text` as strings (no lowercasing here; the analyzer does that). */
  tokenize(text: string): string[] {
    const s = this.scan(text);
    const out = new Array<string>(s.count);
    for (let i = 0; i < s.count; i++) out[i] = text.slice(s.starts[i]!, s.ends[i]!);
    return out;
  }
}
