import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFixture } from '../../helpers/fixtures.ts';
import { accuracyScore } from '../../../src/ml/metrics/accuracy.ts';
import {
  f1Score, fbetaScore, precisionRecallFscoreSupport, precisionScore, recallScore, type Average,
} from '../../../src/ml/metrics/precision-recall-f.ts';
import { confusionMatrix } from '../../../src/ml/metrics/confusion-matrix.ts';
import { rocAucScore } from '../../../src/ml/metrics/roc-auc.ts';
import { logLoss } from '../../../src/ml/metrics/log-loss.ts';
import { classificationReport, formatClassificationReport, reportToDict } from '../../../src/ml/metrics/classification-report.ts';
import type { ZeroDivision } from '../../../src/ml/metrics/labels.ts';

interface PrfEntry {
  average: Average; zero_division: ZeroDivision; beta: number; labels: string[] | null; pos_label: string | null;
  precision: number | number[]; recall: number | number[]; f: number | number[]; support: number[] | null;
}
interface Case {
  y_true: string[]; y_pred: string[]; score?: number[]; proba?: number[][]; classes: string[];
  expected: {
    accuracy: number; accuracy_count: number; prf: PrfEntry[];
    confusion: Record<string, unknown> & { default: number[][]; labels_order: string[]; with_labels?: { labels: string[]; matrix: number[][] } };
    report: Record<string, unknown>; report_zero1: Record<string, unknown>; report_text: string; report_text4: string;
    report_labels?: { labels: string[]; dict: Record<string, unknown>; text: string };
    roc_auc_score?: number; roc_auc_proba?: number; log_loss?: number; log_loss_sum?: number; log_loss_eps15?: number; log_loss_1d?: number;
    roc_auc_ovr_macro?: number; roc_auc_ovr_weighted?: number; roc_auc_ovr_micro?: number; roc_auc_ovr_none?: number[];
  };
}
interface Fx {
  cases: Record<string, Case>;
  numeric: { y_true: number[]; y_pred: number[]; precision: number; recall: number; f: number; accuracy: number };
}

const fx = readFixture<Fx>('metrics.json');
const TOL = 1e-12;

function close(actual: unknown, expected: unknown, what: string): void {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${what}: expected a number, got ${String(actual)}`);
    assert.ok(Math.abs((actual as number) - expected) <= TOL, `${what}: ${String(actual)} vs scikit-learn ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    const a = Array.from(actual as ArrayLike<unknown>);
    assert.equal(a.length, expected.length, `${what}: length`);
    expected.forEach((e, i) => close(a[i], e, `${what}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    const a = actual as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(expected).sort(), `${what}: keys`);
    for (const [k, v] of Object.entries(expected)) close(a[k], v, `${what}.${k}`);
    return;
  }
  assert.equal(actual, expected, what);
}

/**
 * scikit-learn 1.2 prints supports as floats ('8.0') when no sample at all is predicted right
 * (its counts fall back to a float zeros array); we print whole numbers, in the same width.
 */
function intSupport(text: string): string {
  return text.replace(/ (\d+)\.0\n/g, (_m, d: string) => `   ${d}\n`);
}

for (const [name, c] of Object.entries(fx.cases)) {
  const e = c.expected;
  describe(`metrics parity: ${name}`, () => {
    it('accuracy', () => {
      close(accuracyScore(c.y_true, c.y_pred), e.accuracy, 'accuracy');
      close(accuracyScore(c.y_true, c.y_pred, { normalize: false }), e.accuracy_count, 'count');
    });

    it(`precision/recall/F-beta/support for every average, zeroDivision and beta (${e.prf.length} combinations)`, () => {
      for (const p of e.prf) {
        const opts = {
          average: p.average, zeroDivision: p.zero_division,
          ...(p.labels ? { labels: p.labels } : {}), ...(p.pos_label !== null ? { posLabel: p.pos_label } : {}),
        };
        const what = `${JSON.stringify(opts)} beta=${p.beta}`;
        const r = precisionRecallFscoreSupport(c.y_true, c.y_pred, { ...opts, beta: p.beta });
        close(r.precision, p.precision, `${what} precision`);
        close(r.recall, p.recall, `${what} recall`);
        close(r.fScore, p.f, `${what} f`);
        if (p.support) close(r.support, p.support, `${what} support`);
        else assert.equal(r.support, null);
        close(fbetaScore(c.y_true, c.y_pred, { ...opts, beta: p.beta }), p.f, `${what} fbetaScore`);
        if (p.beta === 1) {
          close(precisionScore(c.y_true, c.y_pred, opts), p.precision, `${what} precisionScore`);
          close(recallScore(c.y_true, c.y_pred, opts), p.recall, `${what} recallScore`);
          close(f1Score(c.y_true, c.y_pred, opts), p.f, `${what} f1Score`);
        }
      }
    });

    it('confusion matrix (default, with labels, normalized)', () => {
      const cm = confusionMatrix(c.y_true, c.y_pred);
      assert.deepEqual(cm.labels, e.confusion.labels_order);
      assert.deepEqual(cm.matrix, e.confusion.default);
      if (e.confusion.with_labels) {
        assert.deepEqual(confusionMatrix(c.y_true, c.y_pred, { labels: e.confusion.with_labels.labels }).matrix, e.confusion.with_labels.matrix);
      }
      for (const norm of ['true', 'pred', 'all'] as const) {
        close(confusionMatrix(c.y_true, c.y_pred, { normalize: norm }).matrix, e.confusion[`normalize_${norm}`], `normalize ${norm}`);
      }
    });

    it('classification report: dict and text as scikit-learn prints them', () => {
      close(reportToDict(classificationReport(c.y_true, c.y_pred)), e.report, 'report');
      close(reportToDict(classificationReport(c.y_true, c.y_pred, { zeroDivision: 1 })), e.report_zero1, 'report zero1');
      assert.equal(formatClassificationReport(classificationReport(c.y_true, c.y_pred)), intSupport(e.report_text));
      assert.equal(formatClassificationReport(classificationReport(c.y_true, c.y_pred), 4), intSupport(e.report_text4));
      if (e.report_labels) {
        const r = classificationReport(c.y_true, c.y_pred, { labels: e.report_labels.labels });
        close(reportToDict(r), e.report_labels.dict, 'report with labels');
        assert.equal(formatClassificationReport(r), intSupport(e.report_labels.text));
      }
    });

    if (e.roc_auc_score !== undefined) {
      it('ROC AUC of binary scores (with ties) and of P(spam)', () => {
        close(rocAucScore(c.y_true, c.score!), e.roc_auc_score, 'roc_auc');
        close(rocAucScore(c.y_true, c.proba!.map((r) => r[1]!)), e.roc_auc_proba, 'roc_auc proba');
      });
    }
    if (e.roc_auc_ovr_macro !== undefined) {
      it('ROC AUC one-vs-rest: macro, weighted, micro, per class', () => {
        for (const avg of ['macro', 'weighted', 'micro'] as const) {
          close(rocAucScore(c.y_true, c.proba!, { multiClass: 'ovr', average: avg }), e[`roc_auc_ovr_${avg}`], avg);
        }
        close(rocAucScore(c.y_true, c.proba!, { multiClass: 'ovr', average: null }), e.roc_auc_ovr_none, 'per class');
      });
    }
    if (e.log_loss !== undefined) {
      it('log loss (eps auto and 1e-15, sum, one-column binary)', () => {
        close(logLoss(c.y_true, c.proba!, { labels: c.classes }), e.log_loss, 'log_loss');
        close(logLoss(c.y_true, c.proba!, { labels: c.classes, normalize: false }), e.log_loss_sum, 'sum');
        close(logLoss(c.y_true, c.proba!, { labels: c.classes, eps: 1e-15 }), e.log_loss_eps15, 'eps 1e-15');
        if (e.log_loss_1d !== undefined) close(logLoss(c.y_true, c.proba!.map((r) => r[1]!)), e.log_loss_1d, '1-d');
      });
    }
  });
}

describe('metrics parity: numeric 0/1 labels', () => {
  it('default positive label is 1, as scikit-learn', () => {
    const n = fx.numeric;
    close(precisionScore(n.y_true, n.y_pred), n.precision, 'precision');
    close(recallScore(n.y_true, n.y_pred), n.recall, 'recall');
    close(f1Score(n.y_true, n.y_pred), n.f, 'f1');
    close(accuracyScore(n.y_true, n.y_pred), n.accuracy, 'accuracy');
  });
});
