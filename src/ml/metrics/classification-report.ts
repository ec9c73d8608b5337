import { CuratorError } from '../errors.ts';
import { checkLabelList, checkOptionKeys, checkTargets, zeroDivisionValue, type Label, type ZeroDivision } from './labels.ts';
import { labelCounts, prfFromCounts } from './precision-recall-f.ts';

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions {
  /** Labels to report and their order (default: sorted yTrue ∪ yPred). */
  labels?: readonly Label[];
  /** Display names for the labels, in the same order. */
  targetNames?: readonly string[];
  /** Value of a 0/0 ratio: 'warn' (default, acts as 0), 0 or 1. */
  zeroDivision?: ZeroDivision;
}

/** One line of the report. */
export interface ReportRow {
  precision: number;
  recall: number;
  f1Score: number;
  support: number;
}

/** scikit-learn's `classification_report(output_dict=True)`, with typed fields. */
export interface ClassificationReport {
  /** Per label, in report order, under its display name. */
  perLabel: (ReportRow & { name: string; label: Label })[];
  /** Present when the micro average equals accuracy (all present labels reported), as scikit-learn. */
  accuracy?: number;
  /** Present only when accuracy is not (labels given that leave some out). */
  microAvg?: ReportRow;
  macroAvg: ReportRow;
  weightedAvg: ReportRow;
}

/**
 * Precision, recall, F1 and support per label plus the averages, as scikit-learn's
 * `classification_report`. {@link formatClassificationReport} prints it as scikit-learn does;
 * {@link reportToDict} gives scikit-learn's `output_dict` shape.
 *
 * @example
 *   const r = classificationReport(yTest, clf.predict(Xtest));
 *   r.macroAvg.f1Score; console.log(formatClassificationReport(r));
 */
export function classificationReport(yTrue: readonly Label[], yPred: readonly Label[], options: ClassificationReportOptions = {}): ClassificationReport {
  const owner = 'classificationReport';
  checkOptionKeys(owner, options, ['labels', 'targetNames', 'zeroDivision']);
  const t = checkTargets(owner, yTrue, yPred);
  const given = checkLabelList(owner, options.labels, t.present);
  const labels = given ?? t.present;
  const presentSet = new Set(t.present);
  const microIsAccuracy = given === undefined || (new Set(given).size === presentSet.size && given.every((l) => presentSet.has(l)));
  const names = options.targetNames ? [...options.targetNames] : labels.map(String);
  if (names.length !== labels.length) {
    throw new CuratorError('SHAPE_MISMATCH', `${owner}: ${labels.length} labels but ${names.length} targetNames; pass one name per label.`, { field: 'targetNames' });
  }
  const zero = zeroDivisionValue(owner, options.zeroDivision);
  // One counting pass serves the per-label rows and all three averages.
  const counts = labelCounts(t, labels);
  const per = prfFromCounts(counts, null, zero, 1);
  const p = per.precision as Float64Array;
  const r = per.recall as Float64Array;
  const f = per.fScore as Float64Array;
  const s = per.support!;
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i]!;
  const avg = (average: 'micro' | 'macro' | 'weighted'): ReportRow => {
    const a = prfFromCounts(counts, average, zero, 1);
    return { precision: a.precision as number, recall: a.recall as number, f1Score: a.fScore as number, support: total };
  };
  const out: ClassificationReport = {
    perLabel: labels.map((label, i) => ({ name: names[i]!, label, precision: p[i]!, recall: r[i]!, f1Score: f[i]!, support: s[i]! })),
    macroAvg: avg('macro'),
    weightedAvg: avg('weighted'),
  };
  const micro = avg('micro');
  if (microIsAccuracy) out.accuracy = micro.precision;
  else out.microAvg = micro;
  return out;
}

/** The report in scikit-learn's `output_dict=True` shape ('f1-score', 'macro avg', ...). */
export function reportToDict(report: ClassificationReport): Record<string, number | Record<string, number>> {
  const row = (x: ReportRow) => ({ precision: x.precision, recall: x.recall, 'f1-score': x.f1Score, support: x.support });
  const out: Record<string, number | Record<string, number>> = {};
  for (const l of report.perLabel) out[l.name] = row(l);
  if (report.accuracy !== undefined) out['accuracy'] = report.accuracy;
  if (report.microAvg) out['micro avg'] = row(report.microAvg);
  out['macro avg'] = row(report.macroAvg);
  out['weighted avg'] = row(report.weightedAvg);
  return out;
}

/** Python's `format(x, '.{digits}f')`: exact ties round half to even, where JS's toFixed rounds up. */
function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  const exact = x.toFixed(100).replace(/0+$/, '');
  const dot = exact.indexOf('.');
  if (dot < 0 || exact.length !== dot + digits + 2 || !exact.endsWith('5')) return s;
  // x lies exactly halfway: keep the even neighbour.
  const down = exact.slice(0, -1);
  const lastDigit = Number(down.at(-1) === '.' ? down.at(-2) : down.at(-1));
  return lastDigit % 2 === 0 ? (digits === 0 ? down.replace(/\.$/, '') : down) : s;
}

const width = (s: string) => [...s].length;
const padLeft = (s: string, w: number) => ' '.repeat(Math.max(0, w - width(s))) + s;

/**
 * The report as scikit-learn's text table (`classification_report(..., digits)`).
 *
 * @example
 *   console.log(formatClassificationReport(classificationReport(yTrue, yPred)));
 */
export function formatClassificationReport(report: ClassificationReport, digits = 2): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new CuratorError('INVALID_ARGUMENT', `formatClassificationReport: digits must be an integer in [0, 20]. Got ${digits} instead.`, { field: 'digits' });
  }
  const heading = 'weighted avg';
  const w = Math.max(...report.perLabel.map((l) => width(l.name)), heading.length, digits);
  const headers = ['precision', 'recall', 'f1-score', 'support'];
  let out = `${padLeft('', w)} ${headers.map((h) => ' ' + padLeft(h, 9)).join('')}\n\n`;
  const line = (name: string, x: ReportRow) =>
    `${padLeft(name, w)} ${[x.precision, x.recall, x.f1Score].map((v) => ' ' + padLeft(fixed(v, digits), 9)).join('')} ${padLeft(String(x.support), 9)}\n`;
  for (const l of report.perLabel) out += line(l.name, l);
  out += '\n';
  if (report.microAvg) out += line('micro avg', report.microAvg);
  else if (report.accuracy !== undefined) {
    out += `${padLeft('accuracy', w)} ${' '.repeat(10)}${' '.repeat(10)} ${padLeft(fixed(report.accuracy, digits), 9)} ${padLeft(String(report.macroAvg.support), 9)}\n`;
  }
  out += line('macro avg', report.macroAvg);
  out += line('weighted avg', report.weightedAvg);
  return out;
}
