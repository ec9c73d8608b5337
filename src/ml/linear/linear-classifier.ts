import { BaseEstimator } from '../base/base-estimator.ts';
import { plainValues } from '../base/coded-values.ts';
import type { ModelState } from '../base/types.ts';
import type { DenseMatrix } from '../dense/dense-matrix.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import { classesFromDecision, linearDecision, writeLinearState, type LinearWeights } from './linear-model.ts';

/**
 * What LinearSVC, LogisticRegression and SGDClassifier share once fitted: one weight row per
 * output, the accessors scikit-learn users expect (classes, coef, intercept), the decision
 * function, predict and the weights' part of the model state. Subclasses only fit and add their
 * own extras (probabilities, solver counters), and declare `implements Classifier` with their
 * concrete params.
 */
export abstract class LinearClassifier<P extends object> extends BaseEstimator<P> {
  protected weights_: LinearWeights | undefined;

  get isFitted(): boolean {
    return this.weights_ !== undefined;
  }

  get classes(): readonly string[] {
    this.assertFitted('classes');
    return this.weights_!.classes;
  }

  /** Weights, nOutputs × nFeatures (one row for two classes), like scikit-learn's coef_. */
  get coef(): Float64Array {
    this.assertFitted('coef');
    const w = this.weights_!;
    return (w.coef = plainValues(w.coef));
  }

  /** Intercepts, one per output, like scikit-learn's intercept_. */
  get intercept(): Float64Array {
    this.assertFitted('intercept');
    return this.weights_!.intercept;
  }

  abstract fit(X: CsrMatrix, y: readonly string[]): this;

  /** X·coefᵀ + intercept; one column (positive = classes[1]) for two classes. */
  decisionFunction(X: CsrMatrix): DenseMatrix {
    this.assertFitted('decisionFunction');
    return linearDecision(`${this.kind}.decisionFunction`, X, this.weights_!);
  }

  predict(X: CsrMatrix): string[] {
    this.assertFitted('predict');
    return classesFromDecision(linearDecision(`${this.kind}.predict`, X, this.weights_!), this.weights_!.classes);
  }

  /** The model state with the weights written; subclasses add their counters to `meta`. */
  toState(): ModelState {
    this.assertFitted('toState');
    return writeLinearState(this.baseState(), this.weights_!);
  }
}
