/*
 * A process to kill: `node --import tsx test/jobs/crash-child.ts <mode> <db file> [maxAttempts]`.
 * - `build`: a curator on the SQLite file (worker-thread jobs) labels emails and starts a build;
 *   once the cross-validation is under way it prints `KILL <jobId>` and the parent SIGKILLs it.
 * - `register`: registers a model and, inside the registration transaction after the blob is
 *   written, prints `KILL 0` and spins until it is killed.
 */
import { createCurator } from '../../src/lifecycle/index.ts';
import { Registry } from '../../src/registry/index.ts';
import { openStore } from '../../src/store/index.ts';
import { emails, QUICK } from '../lifecycle/helpers.ts';

const [mode, file, maxAttempts = '2'] = process.argv.slice(2);
const url = `sqlite:${file}`;

if (mode === 'build') {
  const curator = await createCurator({ store: url, jobs: { maxAttempts: Number(maxAttempts), progressWriteMs: 0 } });
  await curator.addUser('ana');
  await curator.createTask({ id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 12 }, minLabels: { global: 20, user: 40, group: 40 } });
  const records = emails(900);
  const docs = await curator.addDocuments('spam', records.map((r) => ({ content: r.text })));
  await curator.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'ana', label: records[i]!.label })));
  let told = false;
  void curator.build('spam', {
    reason: 'initial model',
    onProgress: (p) => {
      if (!told && p.stage === 'cv' && (p.fold ?? 0) >= 2) {
        told = true;
        process.stdout.write(`KILL ${(p as { jobId?: number }).jobId}\n`);
      }
    },
  });
} else if (mode === 'register') {
  const store = await openStore(url);
  await store.corpus.createTask({ id: 'spam', labels: ['ham', 'spam'] });
  await new Registry(store).models.register(
    { taskId: 'spam', estimator: 'MultinomialNB', formatVersion: 1, buildTimeMs: 1, blob: new Uint8Array(1 << 20).fill(7), evaluations: [{ metric: 'f1_macro', label: null, mean: 0.9, std: 0, foldValues: [0.9] }] },
    {
      afterStep: (step) => {
        if (step !== 'blob') return;
        process.stdout.write('KILL 0\n');
        for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
      },
    },
  );
} else {
  throw new Error(`crash-child: unknown mode ${mode}`);
}
