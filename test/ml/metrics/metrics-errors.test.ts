import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CuratorError } from '../../../src/ml/errors.ts';
import { accuracyScore } from '../../../src/ml/metrics/accuracy.ts';
import { f1Score, fbetaScore, precisionScore } from '../../../src/ml/metrics/precision-recall-f.ts';
import { confusionMatrix } from '../../../src/ml/metrics/confusion-matrix.ts';
import { rocAucScore } from '../../../src/ml/metrics/roc-auc.ts';
import { logLoss } from '../../../src/ml/metrics/log-loss.ts';
import { classificationReport, formatClassificationReport } from '../../../src/ml/metrics/classification-report.ts';

function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CuratorError, `expected a CuratorError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('metrics: bad input gives coded errors naming the problem', () => {
  it('mismatched lengths', () => {
    throwsCode(() => accuracyScore(['a', 'b'], ['a']), 'SHAPE_MISMATCH', /yTrue has 2 labels but yPred has 1/);
    throwsCode(() => f1Score(['a', 'b'], ['a', 'b', 'b'], { average: 'macro' }), 'SHAPE_MISMATCH', /same length/);
    throwsCode(() => rocAucScore(['a', 'b'], [0.1]), 'SHAPE_MISMATCH', /yScore has 1 entries/);
    throwsCode(() => logLoss(['a', 'b'], [[0.5, 0.5]]), 'SHAPE_MISMATCH', /yProba has 1 rows/);
  });

  it('empty y', () => {
    throwsCode(() => accuracyScore([], []), 'EMPTY_INPUT', /empty/);
    throwsCode(() => precisionScore([], [], { average: 'micro' }), 'EMPTY_INPUT', /empty/);
    throwsCode(() => rocAucScore([], []), 'EMPTY_INPUT', /yTrue is empty/);
    throwsCode(() => logLoss([], []), 'EMPTY_INPUT', /yTrue is empty/);
  });

  it('labels that are not strings, or mixed kinds', () => {
    throwsCode(() => accuracyScore(['a', null as unknown as string], ['a', 'b']), 'INVALID_ARGUMENT', /yTrue\[1\] is null/);
    throwsCode(() => accuracyScore(['a', 1], ['a', 'b']), 'INVALID_ARGUMENT', /mixes string and number/);
    throwsCode(() => accuracyScore(['a', 'b'], [1, 2]), 'INVALID_ARGUMENT', /yTrue holds string labels but yPred holds number/);
  });

  it('average, zeroDivision, beta and unknown options', () => {
    throwsCode(() => f1Score(['a', 'b'], ['a', 'b'], { average: 'samples' as never }), 'INVALID_ARGUMENT', /average must be one of/);
    throwsCode(() => f1Score(['a', 'b', 'c'], ['a', 'b', 'c']), 'INVALID_ARGUMENT', /3 labels \(multiclass\) but average is "binary"/);
    throwsCode(() => f1Score(['a', 'b'], ['a', 'b'], { zeroDivision: 2 as never }), 'INVALID_ARGUMENT', /zeroDivision must be "warn", 0 or 1/);
    throwsCode(() => fbetaScore(['a', 'b'], ['a', 'b'], { beta: -1 }), 'INVALID_ARGUMENT', /beta must be a number ≥ 0/);
    throwsCode(() => f1Score(['a', 'b'], ['a', 'b'], { pos_label: 'a' } as never), 'INVALID_ARGUMENT', /no option 'pos_label'/);
  });

  it('posLabel: not a present label, or needed because only one label is present', () => {
    throwsCode(() => precisionScore(['ham', 'spam'], ['ham', 'spam'], { posLabel: 'eggs' }), 'INVALID_ARGUMENT', /posLabel "eggs" is not a valid label/);
    throwsCode(() => precisionScore(['ham', 'ham'], ['ham', 'ham']), 'INVALID_ARGUMENT', /single label "ham"; name the positive label/);
    assert.equal(precisionScore(['ham', 'ham'], ['ham', 'ham'], { posLabel: 'spam', zeroDivision: 1 }), 1);
  });

  it('confusion matrix labels', () => {
    throwsCode(() => confusionMatrix(['a', 'b'], ['a', 'b'], { labels: [] }), 'INVALID_ARGUMENT', /at least one label/);
    throwsCode(() => confusionMatrix(['a', 'b'], ['a', 'b'], { labels: ['z'] }), 'INVALID_ARGUMENT', /none of the labels \["z"\] occurs in yTrue/);
    throwsCode(() => confusionMatrix(['a', 'b'], ['a', 'b'], { normalize: 'rows' as never }), 'INVALID_ARGUMENT', /normalize must be one of/);
  });

  it('ROC AUC: one class, multiclass without ovr, non-probabilities, column count', () => {
    throwsCode(() => rocAucScore(['a', 'a'], [0.1, 0.2]), 'INVALID_ARGUMENT', /only one class present/);
    const P = [[0.2, 0.3, 0.5], [0.6, 0.2, 0.2], [0.1, 0.8, 0.1]];
    throwsCode(() => rocAucScore(['a', 'b', 'c'], P), 'INVALID_ARGUMENT', /needs multiClass: "ovr"/);
    throwsCode(() => rocAucScore(['a', 'b', 'c'], [[1, 1, 1], [0.6, 0.2, 0.2], [0.1, 0.8, 0.1]], { multiClass: 'ovr' }), 'INVALID_ARGUMENT', /sums to 3/);
    throwsCode(() => rocAucScore(['a', 'b', 'b'], P, { multiClass: 'ovr' }), 'SHAPE_MISMATCH', /2 classes but yScore has 3 columns/);
    throwsCode(() => rocAucScore(['a', 'b'], [0.1, Number.NaN]), 'INVALID_ARGUMENT', /yScore\[1\] is NaN/);
  });

  it('log loss: one label, unknown label, column count, eps', () => {
    throwsCode(() => logLoss(['a', 'a'], [0.1, 0.2]), 'INVALID_ARGUMENT', /single label "a"; pass the true labels/);
    throwsCode(() => logLoss(['a', 'z'], [[0.5, 0.5], [0.5, 0.5]], { labels: ['a', 'b'] }), 'UNKNOWN_LABEL', /yTrue\[1\] is "z"/);
    throwsCode(() => logLoss(['a', 'b'], [[0.2, 0.3, 0.5], [0.5, 0.2, 0.3]]), 'SHAPE_MISMATCH', /2 classes but yProba has 3 columns/);
    throwsCode(() => logLoss(['a', 'b'], [0.1, 0.2], { eps: -1 }), 'INVALID_ARGUMENT', /eps must be/);
  });

  it('classification report: targetNames count, digits', () => {
    throwsCode(() => classificationReport(['a', 'b'], ['a', 'b'], { targetNames: ['x'] }), 'SHAPE_MISMATCH', /2 labels but 1 targetNames/);
    throwsCode(() => formatClassificationReport(classificationReport(['a', 'b'], ['a', 'b']), -1), 'INVALID_ARGUMENT', /digits/);
  });
});

describe('metrics: behaviour', () => {
  it('a perfect and an all-wrong binary prediction', () => {
    assert.equal(f1Score(['ham', 'spam'], ['ham', 'spam']), 1);
    assert.equal(f1Score(['ham', 'spam'], ['spam', 'ham']), 0);
  });

  it('report text rounds exact ties half to even, as Python does', () => {
    // precision of 'a' = 1/8 = 0.125 exactly: Python prints 0.12 where toFixed would print 0.13.
    const yTrue = ['a', 'b', 'b', 'b', 'b', 'b', 'b', 'b'];
    const yPred = ['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'];
    const text = formatClassificationReport(classificationReport(yTrue, yPred));
    assert.match(text, /\n {11}a {7}0\.12 {6}1\.00/);
  });

  it('target names label the rows', () => {
    const r = classificationReport(['h', 's'], ['h', 's'], { targetNames: ['ham', 'spam'] });
    assert.deepEqual(r.perLabel.map((x) => x.name), ['ham', 'spam']);
    assert.equal(r.accuracy, 1);
  });
});
