import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { docsByKey, readFixture } from '../../helpers/fixtures.ts';
import { selectSamples } from '../../../src/ml/base/select-samples.ts';
import { CuratorError } from '../../../src/ml/errors.ts';
import { CsrMatrix } from '../../../src/ml/sparse/csr-matrix.ts';
import { CountVectorizer } from '../../../src/ml/text/count-vectorizer.ts';
import { HashingVectorizer } from '../../../src/ml/text/hashing-vectorizer.ts';
import { TfidfTransformer } from '../../../src/ml/text/tfidf-transformer.ts';
import { TfidfVectorizer } from '../../../src/ml/text/tfidf-vectorizer.ts';

const keys = readFixture<{ binary: { keys: string[] } }>('text.json').binary.keys;
const texts = docsByKey(keys).map((r) => r.text);

function sameMatrix(a: CsrMatrix, b: CsrMatrix, label: string): void {
  assert.deepEqual([a.nRows, a.nCols], [b.nRows, b.nCols], `${label}: shape`);
  assert.deepEqual(Array.from(a.indptr), Array.from(b.indptr), `${label}: indptr`);
  assert.deepEqual(Array.from(a.indices), Array.from(b.indices), `${label}: indices`);
  assert.deepEqual(Array.from(a.data), Array.from(b.data), `${label}: data (bit-identical)`);
}

const isCode = (code: string, re?: RegExp, field?: string) => (e: unknown): boolean => {
  assert.ok(e instanceof CuratorError, `expected a CuratorError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  if (field !== undefined) assert.equal(e.field, field);
  return true;
};

const SETTINGS = [
  {},
  { sublinearTf: true, minDf: 2 },
  { ngramRange: [1, 2] as const, minDf: 2, stopWords: 'english' as const, maxFeatures: 2000 },
  { norm: 'l1' as const, smoothIdf: false, maxDf: 0.5, binary: true },
  { ngramRange: [2, 3] as const, tokenPattern: "\\b[a-z][a-z']+\\b", minDf: 0.01 },
];

describe('AnalyzedDocs: tokenize once, fit any fold', () => {
  const train = Int32Array.from({ length: texts.length }, (_, i) => i).filter((i) => i % 4 !== 1);
  const test = Int32Array.from({ length: texts.length }, (_, i) => i).filter((i) => i % 4 === 1);
  for (const params of SETTINGS) {
    it(`fitting on a subset of AnalyzedDocs equals fitting on those raw texts: ${JSON.stringify(params)}`, () => {
      const all = new TfidfVectorizer(params).analyze(texts);
      const a = new TfidfVectorizer(params);
      const Xa = a.fitTransform(selectSamples(all, train));
      const b = new TfidfVectorizer(params);
      const Xb = b.fitTransform(Array.from(train, (i) => texts[i]!));
      assert.deepEqual(a.vocabulary, b.vocabulary, 'vocabulary learned from the fold only');
      assert.deepEqual(Array.from(a.idf), Array.from(b.idf), 'idf');
      sameMatrix(Xa, Xb, 'fitTransform');
      sameMatrix(a.transform(selectSamples(all, test)), b.transform(Array.from(test, (i) => texts[i]!)), 'transform of the held-out fold');
      // fit() then transform() agrees with fitTransform()
      const c = new TfidfVectorizer(params).fit(selectSamples(all, train));
      sameMatrix(c.transform(selectSamples(all, train)), Xa, 'fit + transform');
    });
  }

  it('a fixed vocabulary in user order gives the same matrix from AnalyzedDocs as from raw texts', () => {
    const vocabulary = ['the', 'and', 'money', 'free', 'click', 'zzzz-not-a-token'];
    const all = new CountVectorizer({ vocabulary }).analyze(texts);
    const a = new CountVectorizer({ vocabulary }).fitTransform(all);
    const b = new CountVectorizer({ vocabulary }).fitTransform(texts);
    sameMatrix(a, b, 'fixed vocabulary');
    assert.ok(a.nnz > 0);
  });

  it('terms seen only in the held-out fold stay out of the vocabulary', () => {
    const docs = ['alpha beta', 'beta gamma', 'delta only here'];
    const all = new CountVectorizer().analyze(docs);
    const v = new CountVectorizer().fit(selectSamples(all, [0, 1]));
    assert.deepEqual(v.vocabulary, ['alpha', 'beta', 'gamma']);
    assert.equal(v.transform(selectSamples(all, [2])).nnz, 0);
  });

  it('refuses AnalyzedDocs made with other analyzer settings', () => {
    const other = new TfidfVectorizer({ ngramRange: [1, 2] }).analyze(texts.slice(0, 5));
    assert.throws(() => new TfidfVectorizer().fit(other), isCode('INVALID_ARGUMENT', /different analyzer/, 'documents'));
    const fitted = new TfidfVectorizer().fit(texts.slice(0, 5));
    assert.throws(() => fitted.transform(other), isCode('INVALID_ARGUMENT', /different analyzer/));
    assert.throws(() => new HashingVectorizer().transform(other), isCode('INVALID_ARGUMENT', /different analyzer/));
  });

  it('vectorizers that differ only in weighting share one AnalyzedDocs', () => {
    const all = new TfidfVectorizer().analyze(texts.slice(0, 20));
    assert.doesNotThrow(() => new TfidfVectorizer({ sublinearTf: true, minDf: 2 }).fit(all));
    assert.doesNotThrow(() => new CountVectorizer({ maxFeatures: 10 }).fit(all));
  });
});

describe('state round trip', () => {
  for (const params of SETTINGS) {
    it(`TfidfVectorizer ${JSON.stringify(params)} transforms bit-identically after toState/fromState`, () => {
      const v = new TfidfVectorizer(params).fit(texts.slice(0, 200));
      const state = v.toState();
      assert.ok(state.arrays['termChars'] instanceof Uint8Array && state.arrays['termStarts'] instanceof Int32Array && state.arrays['termSlots'] instanceof Int32Array);
      // The idf as its distinct values and a code per term where that is much smaller (large vocabularies), else plain.
      const codes = state.arrays['idfCodes'];
      const coded = state.arrays['idfTable'] instanceof Float64Array && (codes instanceof Uint8Array || codes instanceof Uint16Array);
      assert.ok(coded !== (state.arrays['idf'] instanceof Float64Array), Object.keys(state.arrays).join(', '));
      if (coded) assert.ok(state.arrays['idfTable']!.length * 8 + state.arrays['idfCodes']!.byteLength <= 0.6 * 8 * v.idf.length);
      const w = TfidfVectorizer.fromState(structuredClone(state));
      assert.deepEqual(w.getParams(), v.getParams());
      assert.deepEqual(w.vocabulary, v.vocabulary);
      sameMatrix(w.transform(texts.slice(200)), v.transform(texts.slice(200)), 'raw transform');
      const analyzed = w.analyze(texts.slice(200));
      sameMatrix(w.transform(analyzed), v.transform(texts.slice(200)), 'AnalyzedDocs transform');
      // The idf accessor gives the plain values, bit for bit, and transforms still agree after it.
      assert.deepEqual(new Uint8Array(w.idf.buffer, w.idf.byteOffset, w.idf.byteLength), new Uint8Array(v.idf.buffer, v.idf.byteOffset, v.idf.byteLength));
      sameMatrix(w.transform(texts.slice(200)), v.transform(texts.slice(200)), 'transform after reading idf');
    });
  }

  it('CountVectorizer, TfidfTransformer and HashingVectorizer round-trip too', () => {
    const cv = new CountVectorizer({ stopWords: 'english' }).fit(texts.slice(0, 50));
    sameMatrix(CountVectorizer.fromState(cv.toState()).transform(texts.slice(50, 60)), cv.transform(texts.slice(50, 60)), 'CountVectorizer');
    const counts = cv.transform(texts.slice(0, 50));
    const tt = new TfidfTransformer({ sublinearTf: true }).fit(counts);
    sameMatrix(TfidfTransformer.fromState(tt.toState()).transform(counts), tt.transform(counts), 'TfidfTransformer');
    const hv = new HashingVectorizer({ nFeatures: 1024 }).fit(texts.slice(0, 3));
    sameMatrix(HashingVectorizer.fromState(hv.toState()).transform(texts.slice(0, 3)), hv.transform(texts.slice(0, 3)), 'HashingVectorizer');
  });

  it('a corrupt or foreign state is refused with MODEL_FILE_* codes', () => {
    const state = new TfidfVectorizer().fit(texts.slice(0, 10)).toState();
    assert.throws(() => TfidfVectorizer.fromState({ ...state, kind: 'CountVectorizer' }), isCode('MODEL_FILE_KIND'));
    const plain = new TfidfVectorizer().fit(texts.slice(0, 2)).toState();
    assert.ok(plain.arrays['idf'] instanceof Float64Array, 'a small vocabulary keeps a plain idf');
    assert.throws(() => TfidfVectorizer.fromState({ ...plain, arrays: { ...plain.arrays, idf: new Float64Array(3) } }), isCode('MODEL_FILE_CORRUPT', /idf/));
    assert.ok(state.arrays['idfTable'] instanceof Float64Array, 'a larger one is coded');
    assert.throws(() => TfidfVectorizer.fromState({ ...state, arrays: { ...state.arrays, idfCodes: new Uint16Array(3) } }), isCode('MODEL_FILE_CORRUPT', /idf/));
    assert.throws(() => TfidfVectorizer.fromState({ ...state, arrays: { ...state.arrays, idfTable: new Int32Array(3) } }), isCode('MODEL_FILE_CORRUPT', /idf/));
    const { termStarts: _drop, ...rest } = state.arrays;
    assert.throws(() => TfidfVectorizer.fromState({ ...state, arrays: rest }), isCode('MODEL_FILE_CORRUPT', /vocabulary/));
    assert.throws(() => TfidfVectorizer.fromState({ ...state, params: { ...state.params, norm: 'l3' } }), isCode('MODEL_FILE_CORRUPT', /norm/));
  });

  it('toState before fit throws NotFittedError', () => {
    assert.throws(() => new TfidfVectorizer().toState(), isCode('NOT_FITTED', /TfidfVectorizer.*toState/));
    assert.throws(() => new HashingVectorizer().toState(), isCode('NOT_FITTED'));
  });
});

describe('scikit-learn semantics', () => {
  it('idf is ln((1 + n) / (1 + df)) + 1, rows are l2-normalized, empty documents give empty rows', () => {
    const v = new TfidfVectorizer();
    const X = v.fitTransform(['apple banana', 'apple', '']);
    assert.deepEqual(v.vocabulary, ['apple', 'banana']);
    assert.deepEqual(Array.from(v.idf), [Math.log(4 / 3) + 1, Math.log(4 / 2) + 1]);
    assert.equal(X.indptr[3], X.indptr[2]);
    assert.ok(Math.abs(X.get(0, 0) ** 2 + X.get(0, 1) ** 2 - 1) < 1e-15);
    assert.equal(X.get(1, 0), 1);
  });

  it('vocabulary is in code-point order (as Python sorted), not UTF-16 order', () => {
    const v = new CountVectorizer().fit(['\uff21\uff21 𝒳𝒳 zz']);
    assert.deepEqual(v.vocabulary, ['zz', '\uff41\uff41', '𝒳𝒳']);
  });

  it('minDf/maxDf: integers above 1 count documents, values below 1 are fractions, 1 means no limit', () => {
    const docs = ['a1 b1 c1', 'a1 b1', 'a1', 'a1 d1'];
    assert.deepEqual(new CountVectorizer({ minDf: 2 }).fit(docs).vocabulary, ['a1', 'b1']);
    assert.deepEqual(new CountVectorizer({ minDf: 0.5 }).fit(docs).vocabulary, ['a1', 'b1']);
    assert.deepEqual(new CountVectorizer({ maxDf: 0.5 }).fit(docs).vocabulary, ['b1', 'c1', 'd1']);
    assert.deepEqual(new CountVectorizer({ maxDf: 2 }).fit(docs).vocabulary, ['b1', 'c1', 'd1']);
    assert.deepEqual(new CountVectorizer({ maxDf: 1, minDf: 1 }).fit(docs).vocabulary, ['a1', 'b1', 'c1', 'd1']);
  });

  it('a fixed vocabulary keeps its order and ignores other terms', () => {
    const v = new CountVectorizer({ vocabulary: ['zebra', 'apple'] });
    const X = v.fitTransform(['apple apple zebra', 'nothing here']);
    assert.deepEqual(v.vocabulary, ['zebra', 'apple']);
    assert.deepEqual(X.toDense(), [[1, 2], [0, 0]]);
  });

  it('binary counts are 0/1 and n-grams are joined by one space', () => {
    const v = new CountVectorizer({ binary: true, ngramRange: [1, 2] });
    const X = v.fitTransform(['go go  go']);
    assert.deepEqual(v.vocabulary, ['go', 'go go']);
    assert.deepEqual(X.toDense(), [[1, 1]]);
  });

  it('HashingVectorizer: sklearn defaults; stateless transform; fit marks fitted', () => {
    const hv = new HashingVectorizer();
    assert.deepEqual(hv.getParams(), { lowercase: true, tokenPattern: '(?u)\\b\\w\\w+\\b', ngramRange: [1, 1], stopWords: null, nFeatures: 2 ** 20, binary: false, norm: 'l2', alternateSign: true, dtype: 'float64' });
    assert.equal(hv.isFitted, false);
    const X = hv.transform(['foo foo bar']);
    assert.equal(X.nCols, 2 ** 20);
    assert.equal(hv.fit(['x']).isFitted, true);
    const analyzed = hv.analyze(['foo foo bar']);
    sameMatrix(hv.transform(analyzed), X, 'AnalyzedDocs vs raw');
  });
});

describe('bad input', () => {
  it('empty vocabulary -> EMPTY_VOCABULARY, as scikit-learn', () => {
    assert.throws(() => new CountVectorizer().fit(['a b c', '!!']), isCode('EMPTY_VOCABULARY', /empty vocabulary; perhaps the documents only contain stop words/));
    assert.throws(() => new TfidfVectorizer({ stopWords: 'english' }).fit(['the and of']), isCode('EMPTY_VOCABULARY'));
    assert.throws(() => new CountVectorizer().fit([]), isCode('EMPTY_VOCABULARY'));
    assert.throws(() => new CountVectorizer({ minDf: 3 }).fit(['aa bb', 'aa', 'cc']), isCode('EMPTY_VOCABULARY', /no terms remain/));
  });

  it('non-string documents -> INVALID_ARGUMENT naming the index', () => {
    assert.throws(() => new TfidfVectorizer().fit(['ok', 42 as unknown as string]), isCode('INVALID_ARGUMENT', /document 1 is number/, 'documents[1]'));
    const v = new TfidfVectorizer().fit(['ok text']);
    assert.throws(() => v.transform([null as unknown as string]), isCode('INVALID_ARGUMENT', /document 0 is null/));
    assert.throws(() => v.transform('a single string' as unknown as string[]), isCode('INVALID_ARGUMENT', /single string/));
    assert.throws(() => new HashingVectorizer().transform([{} as unknown as string]), isCode('INVALID_ARGUMENT', /document 0/));
  });

  it('unknown and out-of-range params -> UNKNOWN_PARAM / INVALID_PARAM naming the param', () => {
    assert.throws(() => new TfidfVectorizer({ minDF: 2 } as never), isCode('UNKNOWN_PARAM', /minDF/, 'minDF'));
    assert.throws(() => new TfidfVectorizer({ minDf: 1.5 }), isCode('INVALID_PARAM', /'minDf' parameter of TfidfVectorizer/, 'minDf'));
    assert.throws(() => new TfidfVectorizer({ maxDf: -0.1 }), isCode('INVALID_PARAM', /'maxDf'/, 'maxDf'));
    assert.throws(() => new TfidfVectorizer({ ngramRange: [2, 1] }), isCode('INVALID_PARAM', /'ngramRange'/, 'ngramRange'));
    assert.throws(() => new TfidfVectorizer({ norm: 'l3' as never }), isCode('INVALID_PARAM', /'norm'/, 'norm'));
    assert.throws(() => new CountVectorizer({ vocabulary: ['a', 'a'] }), isCode('INVALID_PARAM', /'vocabulary'/, 'vocabulary'));
    assert.throws(() => new CountVectorizer({ stopWords: 'french' as never }), isCode('INVALID_PARAM', /'stopWords'/));
    assert.throws(() => new HashingVectorizer({ nFeatures: 0 }), isCode('INVALID_PARAM', /'nFeatures'/));
    assert.throws(() => new CountVectorizer({ tokenPattern: '(a)(b)' }).fit(['ab']), isCode('INVALID_PARAM', /capturing groups/, 'tokenPattern'));
  });

  it('maxDf below minDf -> INVALID_PARAM', () => {
    assert.throws(() => new CountVectorizer({ minDf: 3, maxDf: 2 }).fit(['aa', 'aa', 'aa']), isCode('INVALID_PARAM', /maxDf corresponds to < documents than minDf/, 'maxDf'));
  });

  it('transform before fit -> NotFittedError naming the method', () => {
    assert.throws(() => new TfidfVectorizer().transform(['x']), isCode('NOT_FITTED', /transform/));
    assert.throws(() => new CountVectorizer().vocabulary, isCode('NOT_FITTED', /vocabulary/));
    assert.throws(() => new TfidfTransformer().transform(CsrMatrix.fromDense([[1]])), isCode('NOT_FITTED'));
  });

  it('TfidfTransformer: non-finite counts -> INVALID_FEATURES; wrong width -> SHAPE_MISMATCH', () => {
    assert.throws(() => new TfidfTransformer().fit(CsrMatrix.fromDense([[1, NaN]])), isCode('INVALID_FEATURES', /NaN/));
    const t = new TfidfTransformer().fit(CsrMatrix.fromDense([[1, 2]]));
    assert.throws(() => t.transform(CsrMatrix.fromDense([[1, 2, 3]])), isCode('SHAPE_MISMATCH', /3 features, but TfidfTransformer is expecting 2/));
    assert.throws(() => t.transform([[1, 2]] as never), isCode('INVALID_ARGUMENT', /CsrMatrix/));
  });
});
