/**
 * The decay test: a **one-sided exact binomial test** of a live proportion (accuracy, or the
 * recall of one label) against the model's cross-validated estimate.
 *
 * Out of `n` live trials (feedbacks; for recall, feedbacks whose true label is the label) the
 * model got `k` right. Under H0 the live rate p is at least `p0 = cvMean − margin` (the model is
 * as good as cross-validation said, give or take the tolerated margin); the alternative is
 * p < p0. The p-value is the binomial lower tail P(X ≤ k | n, p0), summed exactly (no normal
 * approximation, so it holds for small n and p0 near 1, where a z-test is badly off). Several
 * proportions are tested at once (accuracy and each label's recall), so each is held to
 * alpha / m (Bonferroni) to keep the family-wise false-alarm rate at alpha.
 * The z statistic (p̂ − p0) / sqrt(p0 (1 − p0) / n) is reported alongside for reading, not for deciding.
 */

/** One tested proportion. */
export interface ProportionTest {
  /** 'accuracy' or 'recall'. */
  readonly metric: string;
  readonly label: string | null;
  /** Trials and successes in the window. */
  readonly n: number;
  readonly k: number;
  readonly live: number;
  readonly cv: number;
  /** The null's bound: cv − margin. */
  readonly p0: number;
  readonly z: number;
  readonly pValue: number;
  /** The level this test was held to (alpha / m). */
  readonly level: number;
  readonly significant: boolean;
}

/**
 * P(X ≤ k) for X ~ Binomial(n, p), summed in log space (exact up to rounding for any n).
 *
 * @example binomialCdf(0, 10, 0.5); // 0.0009765625
 */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const logRatio = Math.log(p) - Math.log1p(-p);
  let logPmf = n * Math.log1p(-p); // P(X = 0)
  let logSum = logPmf;
  for (let i = 0; i < k; i++) {
    logPmf += Math.log((n - i) / (i + 1)) + logRatio;
    const hi = Math.max(logSum, logPmf);
    logSum = hi + Math.log(Math.exp(logSum - hi) + Math.exp(logPmf - hi));
  }
  return Math.min(1, Math.exp(logSum));
}

/**
 * One-sided exact binomial test of "k successes in n trials is significantly below p0".
 *
 * @example oneSidedBinomialTest(40, 100, 0.9).pValue < 1e-20; // true
 */
export function oneSidedBinomialTest(k: number, n: number, p0: number): { pValue: number; z: number } {
  const pHat = n > 0 ? k / n : 0;
  const sd = Math.sqrt((p0 * (1 - p0)) / Math.max(1, n));
  const z = sd > 0 ? (pHat - p0) / sd : pHat < p0 ? -Infinity : 0;
  return { pValue: binomialCdf(k, n, p0), z };
}

/**
 * Runs the decay test on several proportions: each with at least `minSamples` trials and a
 * cross-validated estimate is tested at alpha / (number tested).
 */
export function decayTests(
  candidates: readonly { metric: string; label: string | null; n: number; k: number; cv: number | undefined }[],
  options: { alpha: number; margin: number; minSamples: number },
): ProportionTest[] {
  const tested = candidates.filter((c) => c.n >= options.minSamples && c.cv !== undefined && Number.isFinite(c.cv));
  const level = options.alpha / Math.max(1, tested.length);
  return tested.map((c) => {
    const p0 = Math.max(0, Math.min(1, c.cv! - options.margin));
    const { pValue, z } = oneSidedBinomialTest(c.k, c.n, p0);
    return { metric: c.metric, label: c.label, n: c.n, k: c.k, live: c.n > 0 ? c.k / c.n : 0, cv: c.cv!, p0, z, pValue, level, significant: pValue < level };
  });
}
