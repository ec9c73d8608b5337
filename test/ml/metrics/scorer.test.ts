import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFixture } from '../../helpers/fixtures.ts';
import { CuratorError } from '../../../src/ml/errors.ts';
import { DenseMatrix } from '../../../src/ml/dense/dense-matrix.ts';
import { getScorer, makeScorer, SCORER_NAMES } from '../../../src/ml/metrics/scorer.ts';
import { f1Score, precisionScore } from '../../../src/ml/metrics/precision-recall-f.ts';
import { logLoss } from '../../../src/ml/metrics/log-loss.ts';
import { rocAucScore } from '../../../src/ml/metrics/roc-auc.ts';

interface Case { y_true: string[]; y_pred: string[]; proba?: number[][]; score?: number[]; classes: string[]; expected: Record<string, unknown> }
const fx = readFixture<{ cases: Record<string, Case> }>('metrics.json');

/** Replays fixed outputs: X is a list of row numbers into the fixture's predictions. */
class Replay {
  readonly kind = 'Replay';
  calls = { predict: 0, proba: 0, decision: 0 };
  constructor(readonly c: Case, readonly classes: string[], private readonly withDecision: boolean) {}
  predict(X: readonly number[]): string[] {
    this.calls.predict++;
    return X.map((i) => this.c.y_pred[i]!);
  }
  predictProba(X: readonly number[]): DenseMatrix {
    this.calls.proba++;
    const k = this.c.proba![0]!.length;
    return new DenseMatrix(X.length, k, Float64Array.from(X.flatMap((i) => this.c.proba![i]!)));
  }
  get decisionFunction(): ((X: readonly number[]) => DenseMatrix) | undefined {
    if (!this.withDecision) return undefined;
    return (X) => {
      this.calls.decision++;
      return new DenseMatrix(X.length, 1, Float64Array.from(X, (i) => this.c.score![i]!));
    };
  }
}

const bin = fx.cases['binary']!;
const five = fx.cases['five']!;
const rows = (c: Case) => c.y_true.map((_, i) => i);
const near = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-12, `${a} vs ${b}`);

describe('scorers', () => {
  it('built-in names read the right output and match the metric (scikit-learn values)', () => {
    const est = new Replay(bin, ['ham', 'spam'], true);
    near(getScorer('roc_auc').score(est, rows(bin), bin.y_true), bin.expected['roc_auc_score'] as number);
    near(getScorer('accuracy').score(est, rows(bin), bin.y_true), bin.expected['accuracy'] as number);
    near(getScorer('f1').score(est, rows(bin), bin.y_true), f1Score(bin.y_true, bin.y_pred, { posLabel: 'spam' }));
    near(getScorer('precision_weighted').score(est, rows(bin), bin.y_true), precisionScore(bin.y_true, bin.y_pred, { average: 'weighted' }));
    // Without decisionFunction, roc_auc falls back to P(classes[1]).
    const probaOnly = new Replay(bin, ['ham', 'spam'], false);
    near(getScorer('roc_auc').score(probaOnly, rows(bin), bin.y_true), bin.expected['roc_auc_proba'] as number);
  });

  it('neg_log_loss is the negated loss and not greater-is-better', () => {
    const est = new Replay(five, five.classes, false);
    const s = getScorer('neg_log_loss');
    assert.equal(s.greaterIsBetter, false);
    assert.equal(s.needs, 'proba');
    near(s.score(est, rows(five), five.y_true), -(five.expected['log_loss'] as number));
    near(getScorer('roc_auc_ovr').score(est, rows(five), five.y_true), five.expected['roc_auc_ovr_macro'] as number);
    near(getScorer('roc_auc_ovr_weighted').score(est, rows(five), five.y_true), five.expected['roc_auc_ovr_weighted'] as number);
  });

  it('log loss scorer names the columns by the estimator classes, so a fold missing a class still scores', () => {
    const est = new Replay(five, five.classes, false);
    const idx = rows(five).filter((i) => five.y_true[i] !== 'echo');
    const yt = idx.map((i) => five.y_true[i]!);
    const P = idx.map((i) => five.proba![i]!);
    near(getScorer('neg_log_loss').score(est, idx, yt), -logLoss(yt, P, { labels: five.classes }));
  });

  it('makeScorer passes the metric options; greaterIsBetter negates', () => {
    const est = new Replay(bin, ['ham', 'spam'], true);
    const s = makeScorer(precisionScore, { posLabel: 'ham', zeroDivision: 0 });
    assert.equal(s.name, 'precisionScore');
    near(s.score(est, rows(bin), bin.y_true), precisionScore(bin.y_true, bin.y_pred, { posLabel: 'ham' }));
    const loss = makeScorer(logLoss, {}, { needs: 'proba', greaterIsBetter: false, name: 'nll' });
    near(loss.score(est, rows(bin), bin.y_true), -logLoss(bin.y_true, bin.proba!));
    const auc = makeScorer(rocAucScore, undefined, { needs: 'decision' });
    near(auc.score(est, rows(bin), bin.y_true), bin.expected['roc_auc_score'] as number);
  });

  it('unknown scorer names and missing outputs are coded errors', () => {
    assert.throws(() => getScorer('f2'), (e: unknown) => e instanceof CuratorError && e.code === 'INVALID_ARGUMENT' && /Unknown scorer "f2"\. Known scorers: accuracy/.test(e.message));
    assert.throws(() => getScorer('toString'), /Unknown scorer/);
    const noProba = { kind: 'Hard', predict: (X: readonly number[]) => X.map(() => 'ham') };
    assert.throws(() => getScorer('neg_log_loss').score(noProba, [0, 1], ['ham', 'spam']), /needs predictProba, which Hard does not have/);
    const multi = new Replay(five, five.classes, false);
    assert.throws(() => getScorer('roc_auc').score(multi, rows(five), five.y_true), /is for two classes; the estimator has 5\. Use 'roc_auc_ovr'/);
    assert.throws(() => makeScorer(precisionScore, { average: null }).score(new Replay(five, five.classes, false), rows(five), five.y_true), /not a number/);
    assert.ok(SCORER_NAMES.includes('f1_micro') && SCORER_NAMES.includes('recall_macro'));
  });
});
