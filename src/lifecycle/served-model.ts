import type { Classifier } from '../ml/base/types.ts';
import type { CsrMatrix } from '../ml/sparse/csr-matrix.ts';
import type { Pipeline } from '../ml/pipeline/pipeline.ts';
import type { Model } from '../store/index.ts';

/** One document's prediction by one model. */
export interface ModelVote {
  readonly label: string;
  /** Per class (in `classes` order): predictProba where the classifier has it, else a softmax of its decision values. */
  readonly probabilities: Float64Array;
}

/**
 * A registered model loaded for serving: its row (id, scope, validated score) and the fitted
 * pipeline. Immutable, so it stays valid for predictions already running when a promotion
 * replaces it.
 */
export class ServedModel {
  readonly classes: readonly string[];
  private readonly features: (texts: readonly string[]) => CsrMatrix;
  private readonly clf: Classifier;
  private hasProba: boolean;

  constructor(
    readonly model: Model,
    readonly pipeline: Pipeline,
  ) {
    this.classes = pipeline.classes;
    const steps = pipeline.steps;
    const transformers = steps.slice(0, -1).map(([, e]) => e as unknown as { transform(x: unknown): unknown });
    this.features = (texts) => transformers.reduce<unknown>((x, t) => t.transform(x), texts) as CsrMatrix;
    this.clf = steps[steps.length - 1]![1] as Classifier;
    this.hasProba = typeof this.clf.predictProba === 'function';
  }

  /** The validated primary metric (mean over the CV folds); -Infinity when unscored. */
  get score(): number {
    return this.model.score ?? -Infinity;
  }

  /** Label and class probabilities of one text (features computed once for both). */
  vote(text: string): ModelVote {
    const X = this.features([text]);
    const label = this.clf.predict(X)[0]!;
    const k = this.classes.length;
    if (this.hasProba) {
      try {
        return { label, probabilities: Float64Array.from(this.clf.predictProba!(X).data.subarray(0, k)) };
      } catch {
        // e.g. SGDClassifier with hinge loss declares predictProba but has no probabilities.
        this.hasProba = false;
      }
    }
    const d = this.clf.decisionFunction!(X).data;
    // Binary decision functions give one column, positive = classes[1].
    const z = k === 2 && d.length === 1 ? [-d[0]! / 2, d[0]! / 2] : Array.from(d.subarray(0, k));
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const s = e.reduce((a, b) => a + b, 0);
    return { label, probabilities: Float64Array.from(e, (v) => v / s) };
  }
}
