/**
 * A small seeded pseudo-random generator (mulberry32): fast, 32-bit state, and the same sequence
 * for the same seed on every platform. Its numbers differ from numpy's, so a shuffled split with
 * the same seed is a different (equally valid) split than scikit-learn's.
 *
 * @example
 *   const rng = new Random(42); rng.shuffle(Int32Array.of(0, 1, 2, 3));
 */
export class Random {
  private state: number;

  /** `seed`: any finite integer; null draws a seed from Math.random (not reproducible). */
  constructor(seed: number | null) {
    const s = seed === null ? Math.floor(Math.random() * 2 ** 32) : seed;
    // Fold the high bits in, so seeds beyond 2^32 (and negatives) still give distinct streams.
    this.state = (s ^ Math.floor(s / 2 ** 32)) >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
