import { CuratorError } from '../errors.ts';
import { CsrMatrix } from '../sparse/csr-matrix.ts';
import { isAnalyzed, type AnalyzedDocs } from './types.ts';

/** Inputs that cross-validation can split by row index. */
export type Samples = CsrMatrix | AnalyzedDocs | readonly unknown[];

/** Number of samples (rows, documents) in `x`. */
export function sampleCount(x: Samples): number {
  if (x instanceof CsrMatrix) return x.nRows;
  if (Array.isArray(x)) return x.length;
  if (isAnalyzed(x as AnalyzedDocs)) return (x as AnalyzedDocs).docs.length;
  throw new CuratorError('INVALID_ARGUMENT', 'Expected a CsrMatrix, an array of samples or AnalyzedDocs.', { field: 'X' });
}

/**
 * The samples at `idx`, same kind as `x`. AnalyzedDocs keep their shared dictionary, so a fold's
 * vectorizer still learns its vocabulary from that fold's documents only.
 */
export function selectSamples<T extends Samples>(x: T, idx: ArrayLike<number>): T {
  if (x instanceof CsrMatrix) return x.selectRows(idx) as T;
  if (Array.isArray(x)) return Array.from(idx, (i) => x[i]) as unknown as T;
  const a = x as AnalyzedDocs;
  const docs = Array.from(idx, (i) => a.docs[i]!);
  return { analyzerKey: a.analyzerKey, terms: a.terms, docs } as AnalyzedDocs as T;
}
