import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { docsByKey, readFixture } from '../../helpers/fixtures.ts';
import type { CsrMatrix } from '../../../src/ml/sparse/csr-matrix.ts';
import { CountVectorizer } from '../../../src/ml/text/count-vectorizer.ts';
import { TermIndex } from '../../../src/ml/text/term-index.ts';
import { TfidfVectorizer } from '../../../src/ml/text/tfidf-vectorizer.ts';

// The default analyzer runs fused (lowercase + \w\w+ + lookup in one pass over the raw text).
// The same pattern written differently goes through toLowerCase and the regex tokenizer instead:
// the reference the fused path must match exactly.
const EXACT_PATTERN = '(?u)\\b\\w\\w+\\b(?:)';

const keys = readFixture<{ binary: { keys: string[] } }>('text.json').binary.keys;
const texts = docsByKey(keys).map((r) => r.text);

let latin1 = '';
for (let c = 1; c < 256; c++) latin1 += `${String.fromCharCode(c)}${String.fromCharCode(c)}x `;

const ADVERSARIAL = [
  latin1,
  latin1.toUpperCase(),
  'İstanbul İİ iİi DİYARBAKIR', // İ lowercases to i + U+0307 (not a word character)
  'STRASSE Straße ẞIG ßß', // ẞ (U+1E9E) lowercases to ß
  'ΟΔΟΣ ΟΔΟΣ. ΣΑΣ Σ ΣΣ AΣ.B σς', // final sigma depends on the neighbours
  '\u212Aelvin kelvin \u212A\u212A', // the Kelvin sign lowercases to ASCII k
  '𝒜𝒷𝒸 x𝒜 😀ab ab😀 𐐀𐐁 𐐨𐐩', // astral letters (one code point, two units), emoji, Deseret case pairs
  'lone \ud800ab ab\udc00 \udbff\udfff', // lone surrogates are not word characters
  '__init__ _a a_ __ 42 4² ½½ ⅧⅧ Ⅷx 〇〇 ٣٣', // underscores, digits, other numbers
  'cafe\u0301 e\u0301e\u0301 ǅǆ ǅa ῼῳ', // combining marks, titlecase letters
  '中文字符 日本語テキスト 한국어 текст ТЕКСТ Ωmega', // CJK, Cyrillic, Greek
  'a'.repeat(100_000) + ' ' + 'Ab'.repeat(50_000), // very long runs
  '', ' ', 'a', 'ab', '\u00a0ab\u00a0', 'x\u0130', // short and empty
];

function sameMatrix(a: CsrMatrix, b: CsrMatrix, label: string): void {
  assert.deepEqual([a.nRows, a.nCols], [b.nRows, b.nCols], `${label}: shape`);
  assert.deepEqual(Array.from(a.indptr), Array.from(b.indptr), `${label}: indptr`);
  assert.deepEqual(Array.from(a.indices), Array.from(b.indices), `${label}: indices`);
  assert.deepEqual(Array.from(a.data), Array.from(b.data), `${label}: data`);
}

describe('fused default analyzer == exact path', () => {
  for (const [name, docs] of [['fixture corpus', texts], ['adversarial strings', ADVERSARIAL], ['both', [...ADVERSARIAL, ...texts.slice(0, 50)]]] as const) {
    for (const lowercase of [true, false]) {
      it(`${name}, lowercase ${lowercase}: same vocabulary and identical counts`, () => {
        const exact = new CountVectorizer({ tokenPattern: EXACT_PATTERN, lowercase }).fit(docs);
        const fused = new CountVectorizer({ lowercase }).fit(docs);
        assert.deepEqual(fused.vocabulary, exact.vocabulary);
        // a fixed vocabulary (also with stop words in it) so transform looks every token up
        const vocabulary = [...exact.vocabulary, 'the', 'and', 'kelvin', 'straße', 'σς', 'i̇stanbul'].filter((t, i, a) => a.indexOf(t) === i);
        for (const stopWords of [null, 'english'] as const) {
          const e = new CountVectorizer({ tokenPattern: EXACT_PATTERN, lowercase, vocabulary, stopWords }).fit(docs);
          const f = new CountVectorizer({ lowercase, vocabulary, stopWords }).fit(docs);
          sameMatrix(f.transform(docs), e.transform(docs), `fixed vocabulary, stopWords ${stopWords}`);
          // and after a model-file style round trip (the index used in place)
          sameMatrix(CountVectorizer.fromState(f.toState()).transform(docs), e.transform(docs), 'loaded');
        }
        sameMatrix(fused.transform(docs), exact.transform(docs), 'learned vocabulary');
      });
    }
  }

  it('raw-text transform equals the AnalyzedDocs path', () => {
    const v = new TfidfVectorizer().fit([...ADVERSARIAL, ...texts]);
    const docs = [...ADVERSARIAL, ...texts.slice(0, 100)];
    sameMatrix(v.transform(docs), v.transform(v.analyze(docs)), 'tf-idf');
  });
});

describe('TermIndex', () => {
  const terms = ['cat', 'dog', 'straße', 'σς', '𝒜𝒷', 'ab\ud800', '', 'x'.repeat(300)];
  it('finds every term (by offsets too) and nothing else; terms() decodes them back', () => {
    const ix = TermIndex.build(terms);
    terms.forEach((t, j) => assert.equal(ix.find(t), j, t));
    assert.equal(ix.find('hot dog!', 4, 7), 1);
    for (const t of ['ca', 'cats', 'Dog', 'strasse', '𝒜', 'x'.repeat(299)]) assert.equal(ix.find(t), -1, t);
    assert.deepEqual(TermIndex.build(terms).terms(), terms);
  });

  it('rebuilt from its arrays (slots or not) it is the same table', () => {
    const ix = TermIndex.build(terms);
    const again = TermIndex.fromArrays(ix.chars, ix.starts, ix.slots);
    const rebuilt = TermIndex.fromArrays(ix.chars, ix.starts, null);
    assert.ok(again instanceof TermIndex && rebuilt instanceof TermIndex);
    assert.deepEqual(Array.from(rebuilt.slots), Array.from(ix.slots));
    assert.deepEqual(again.terms(), terms);
    assert.match(String(TermIndex.fromArrays(ix.chars, ix.starts, new Int32Array(ix.slots.length))), /no empty slot/);
    assert.match(String(TermIndex.fromArrays(ix.chars, ix.starts.subarray(1), ix.slots)), /offsets/);
  });
});
