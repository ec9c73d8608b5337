/**
 * A small seeded PRNG (mulberry32) for the linear solvers' shuffles. Private to src/ml/linear so the
 * solvers do not depend on other areas; scikit-learn's and liblinear's generators differ anyway, so
 * only determinism for a given seed is promised, not the same sequence as scikit-learn.
 */
export class LinearRandom {
  private state: number;

  constructor(seed: number) {
    // fold any integer (also > 2^32) into 32 bits so every seed gives a usable state
    this.state = (Math.floor(Math.abs(seed)) % 4294967296) >>> 0;
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, n) for n ≥ 1; 53 random bits keep the bias negligible for any sample count. */
  nextInt(n: number): number {
    const u = (this.nextUint32() * 2097152 + (this.nextUint32() >>> 11)) / 9007199254740992;
    return Math.floor(u * n);
  }

  /** Shuffles `a` in place (Fisher–Yates). */
  shuffle(a: Int32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}
