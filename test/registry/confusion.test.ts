import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confusionCell, confusionOf, fullConfusionEvaluations, parseConfusionCell } from '../../src/registry/confusion.ts';
import { Registry, type Evaluation } from '../../src/registry/index.ts';
import { forEachBackend } from '../store/backends.ts';
import { rejectsWith } from '../store/assertions.ts';
import { modelInput, newTask } from './helpers.ts';

const cvCell = (t: string, p: string, folds: number[]): Evaluation => ({ metric: 'confusion', label: confusionCell(t, p), mean: folds.reduce((a, b) => a + b, 0) / folds.length, std: 0, foldValues: folds });

describe('confusion cells', () => {
  it('a cell label round-trips any label text, and other labels are not cells', () => {
    for (const [t, p] of [['ham', 'spam'], ['a:b', '"quoted", comma'], ['ü', '[x]']] as const) assert.deepEqual(parseConfusionCell(confusionCell(t, p)), [t, p]);
    for (const label of [null, 'spam', '["one"]', '["a", 2]', '{"a":1}', '["", "x"]']) assert.equal(parseConfusionCell(label), undefined, String(label));
  });

  it('reads the out-of-fold matrix by summing each cell over folds (labels sorted, missing cells 0), else the full one', () => {
    const evals: Evaluation[] = [
      { metric: 'accuracy', label: null, mean: 0.8, std: 0, foldValues: [0.8, 0.8] },
      cvCell('b', 'b', [3, 4]), cvCell('a', 'a', [5, 5]), cvCell('a', 'c', [1, 0]), cvCell('c', 'b', [0, 2]), cvCell('c', 'c', [1, 1]),
      ...fullConfusionEvaluations(['a', 'b'], [[9, 1], [0, 7]]),
    ];
    assert.deepEqual(confusionOf(evals), { labels: ['a', 'b', 'c'], matrix: [[10, 0, 1], [0, 7, 0], [0, 2, 2]], source: 'cv' });
    assert.deepEqual(confusionOf(evals, 'full'), { labels: ['a', 'b'], matrix: [[9, 1], [0, 7]], source: 'full' });
    assert.deepEqual(confusionOf(evals.filter((e) => e.metric !== 'confusion')), { labels: ['a', 'b'], matrix: [[9, 1], [0, 7]], source: 'full' });
    assert.equal(confusionOf(evals.slice(0, 1)), null);
  });
});

forEachBackend('registry: confusion evaluations', (ctx) => {
  const registry = () => new Registry(ctx.store);

  it('stores the cells as evaluation rows and reads the same matrix back', async () => {
    const task = await newTask(ctx);
    const cells = [cvCell('ham', 'ham', [40, 41]), cvCell('ham', 'spam', [2, 1]), cvCell('spam', 'ham', [3, 0]), cvCell('spam', 'spam', [15, 18])];
    const model = await registry().models.register(modelInput(task, { evaluations: [...modelInput(task).evaluations!, ...cells, ...fullConfusionEvaluations(['ham', 'spam'], [[84, 0], [1, 35]])] }));
    const stored = await registry().models.evaluations(model.id);
    assert.deepEqual(confusionOf(stored), { labels: ['ham', 'spam'], matrix: [[81, 3], [3, 33]], source: 'cv' });
    assert.deepEqual(confusionOf(stored, 'full'), { labels: ['ham', 'spam'], matrix: [[84, 0], [1, 35]], source: 'full' });
  });

  it('refuses a confusion cell that is not a label pair or not a count, naming the field, and stores nothing', async () => {
    const task = await newTask(ctx);
    const r = registry();
    const ok = modelInput(task).evaluations!;
    await rejectsWith(r.models.register(modelInput(task, { evaluations: [...ok, { metric: 'confusion', label: 'spam', mean: 1, std: 0, foldValues: [1] }] })), 'INVALID_ARGUMENT', 'evaluations[2].label', /JSON pair/);
    await rejectsWith(r.models.register(modelInput(task, { evaluations: [...ok, { ...cvCell('ham', 'spam', [1, 2]), foldValues: [1, -2] }] })), 'INVALID_ARGUMENT', 'evaluations[2].foldValues[1]', /count/);
    await rejectsWith(r.models.register(modelInput(task, { evaluations: [{ metric: 'full_confusion', label: confusionCell('ham', 'ham'), mean: 0.5, std: 0, foldValues: [0.5] }] })), 'INVALID_ARGUMENT', 'evaluations[0].foldValues[0]');
    assert.equal(await r.models.count({ taskId: task }), 0);
  });
});
