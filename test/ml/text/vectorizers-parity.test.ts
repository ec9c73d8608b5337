import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { docsByKey, readFixture } from '../../helpers/fixtures.ts';
import type { CsrMatrix } from '../../../src/ml/sparse/csr-matrix.ts';
import { CountVectorizer } from '../../../src/ml/text/count-vectorizer.ts';
import { HashingVectorizer } from '../../../src/ml/text/hashing-vectorizer.ts';
import { TfidfVectorizer } from '../../../src/ml/text/tfidf-vectorizer.ts';

interface RawCsr { nRows: number; nCols: number; indptr: number[]; indices: number[]; data: number[] }
interface Setting {
  params: Record<string, unknown>;
  shape: [number, number];
  head: RawCsr;
  rows: { nnz: number[]; sum: number[]; weighted: number[] };
  vocabulary?: string[];
  vocabularyKeeps?: number[];
  vocabularyDrops?: number[];
  vocabularySample?: string[];
  vocabularySize?: number;
  idfSample?: number[];
  df?: number[];
}
interface Subset { keys: string[]; settings: Record<string, Setting> }
interface TextFixture { binary: Subset; multiclass: Subset; idfStep: number; vocabularySampleStep: number }

const fx = readFixture<TextFixture>('text.json');
const KINDS: Record<string, 'count' | 'tfidf' | 'hashing'> = {
  tfidf: 'tfidf', tfidf_sub_min2: 'tfidf', count_ngram: 'count', tfidf_l1: 'tfidf', hashing: 'hashing', count_max300: 'count', count_pattern: 'count',
};

/** scikit-learn's snake_case params as ours (tuples arrive as arrays already). */
function camel(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
}

function make(kind: 'count' | 'tfidf' | 'hashing', params: Record<string, unknown>): CountVectorizer | TfidfVectorizer | HashingVectorizer {
  const p = camel(params);
  if (kind === 'count') return new CountVectorizer(p);
  if (kind === 'tfidf') return new TfidfVectorizer(p);
  return new HashingVectorizer(p);
}

const close = (a: number, b: number, tol = 1e-9): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

function assertRowChecks(X: CsrMatrix, s: Setting, label: string): void {
  assert.deepEqual([X.nRows, X.nCols], s.shape, `${label}: shape`);
  for (let i = 0; i < X.nRows; i++) {
    const a = X.indptr[i]!;
    const b = X.indptr[i + 1]!;
    for (let k = a + 1; k < b; k++) assert.ok(X.indices[k - 1]! < X.indices[k]!, `${label}: row ${i} columns ascending`);
    let sum = 0;
    let weighted = 0;
    for (let k = a; k < b; k++) {
      sum += X.data[k]!;
      weighted += X.data[k]! * ((X.indices[k]! % 97) + 1);
    }
    assert.equal(b - a, s.rows.nnz[i], `${label}: row ${i} nnz`);
    assert.ok(close(sum, s.rows.sum[i]!), `${label}: row ${i} sum ${sum} vs ${s.rows.sum[i]}`);
    assert.ok(close(weighted, s.rows.weighted[i]!), `${label}: row ${i} column-weighted sum ${weighted} vs ${s.rows.weighted[i]}`);
  }
  const h = s.head;
  for (let i = 0; i < h.nRows; i++) {
    const ours = Array.from(X.indices.subarray(X.indptr[i]!, X.indptr[i + 1]!));
    assert.deepEqual(ours, h.indices.slice(h.indptr[i], h.indptr[i + 1]), `${label}: row ${i} columns`);
    for (let k = h.indptr[i]!; k < h.indptr[i + 1]!; k++) {
      const v = X.data[X.indptr[i]! + k - h.indptr[i]!]!;
      assert.ok(close(v, h.data[k]!), `${label}: row ${i} value ${v} vs ${h.data[k]}`);
    }
  }
}

function expectedVocabulary(subset: Subset, s: Setting): string[] | undefined {
  const full = subset.settings['tfidf']!.vocabulary!;
  if (s.vocabulary) return s.vocabulary;
  if (s.vocabularyKeeps) return s.vocabularyKeeps.map((i) => full[i]!);
  if (s.vocabularyDrops) {
    const drop = new Set(s.vocabularyDrops);
    return full.filter((_, i) => !drop.has(i));
  }
  return undefined;
}

for (const subsetName of ['binary', 'multiclass'] as const) {
  const subset = fx[subsetName];
  const texts = docsByKey(subset.keys).map((r) => r.text);
  describe(`parity with scikit-learn 1.2.1 on the ${subsetName} subset (${texts.length} emails)`, () => {
    for (const [name, s] of Object.entries(subset.settings)) {
      it(`${name} ${JSON.stringify(s.params)}: vocabulary, idf and matrix`, () => {
        const vec = make(KINDS[name]!, s.params);
        const X = vec.fitTransform(texts);
        assertRowChecks(X, s, name);
        if (!(vec instanceof HashingVectorizer)) {
          const vocab = vec.vocabulary;
          assert.equal(vocab.length, s.vocabularySize, 'vocabulary size');
          const want = expectedVocabulary(subset, s);
          if (want) assert.deepEqual(vocab, want, 'vocabulary');
          else assert.deepEqual(vocab.filter((_, i) => i % fx.vocabularySampleStep === 0), s.vocabularySample, 'vocabulary sample');
          // transform of the same texts equals fitTransform (raw lookup path vs fit path)
          const X2 = vec.transform(texts);
          assert.deepEqual(Array.from(X2.indices), Array.from(X.indices), 'transform columns');
          assert.deepEqual(Array.from(X2.data), Array.from(X.data), 'transform values');
        }
        if (vec instanceof TfidfVectorizer && s.df) {
          const idf = vec.idf;
          s.idfSample!.forEach((v, k) => assert.ok(close(idf[k * fx.idfStep]!, v), `idf[${k * fx.idfStep}] ${idf[k * fx.idfStep]} vs ${v}`));
          const smooth = s.params['smooth_idf'] === false ? 0 : 1;
          s.df.forEach((df, j) => assert.ok(close(idf[j]!, Math.log((texts.length + smooth) / (df + smooth)) + 1), `idf of column ${j} (df ${df})`));
        }
      });
    }
  });
}
