import { Option, type Command } from 'commander';
import { CuratorError } from '../../ml/errors.ts';
import { emit, withCommon, withCurator, type CommonOptions } from '../common.ts';
import { readRecords, type ImportRecord } from '../importers/read-records.ts';
import { createProgress } from '../progress.ts';

interface ImportOptions extends CommonOptions {
  task: string;
  user: string;
  format?: 'csv' | 'jsonl' | 'folder';
  textColumn: string;
  labelColumn: string;
  idColumn?: string;
}

/** Rows written per statement batch (the progress bar moves per batch). */
const BATCH = 500;

/**
 * `curator import <path>`: labelled documents from a CSV file, a JSON-lines file or a folder of
 * text files (labels from sub-folder names). Every record is read and checked first (text,
 * label in the task's labels, the annotating user), then all documents and labels are written
 * in one transaction: bad input stores nothing.
 */
export function registerImport(program: Command): void {
  withCommon(
    program
      .command('import')
      .description('import labelled documents from a CSV file, a JSONL file, or a folder of text files (<dir>/<label>/*.txt)')
      .argument('<path>', 'the file or folder')
      .requiredOption('--task <id>', 'the task to add the documents to')
      .option('--user <id>', 'who the labels are recorded as (must exist)', 'admin')
      .addOption(new Option('--format <format>', 'input format (default: from the path)').choices(['csv', 'jsonl', 'folder']))
      .option('--text-column <name>', 'CSV column or JSONL key holding the text', 'text')
      .option('--label-column <name>', 'CSV column or JSONL key holding the label (empty: unlabelled)', 'label')
      .option('--id-column <name>', 'CSV column or JSONL key holding an external id (unique per task)'),
  ).action(async (path: string, opts: ImportOptions) => {
    await withCurator(opts, async (curator) => {
      const { task } = await curator.task(opts.task);
      const store = curator.store;
      if ((await store.corpus.getUser(opts.user)) === undefined) {
        throw new CuratorError('NOT_FOUND', `no user '${opts.user}' (create it with: curator users add ${opts.user}), or pass --user`, { field: 'user' });
      }
      const records = readRecords(path, {
        textColumn: opts.textColumn, labelColumn: opts.labelColumn,
        ...(opts.format === undefined ? {} : { format: opts.format }),
        ...(opts.idColumn === undefined ? {} : { idColumn: opts.idColumn }),
      });
      if (records.length === 0) throw new CuratorError('EMPTY_INPUT', `${path} holds no documents`, { field: 'path' });
      checkLabels(records, task.labels, task.id);
      const bar = createProgress('import');
      let labelled = 0;
      try {
        await store.transaction(async (tx) => {
          for (let start = 0; start < records.length; start += BATCH) {
            const chunk = records.slice(start, start + BATCH);
            const docs = await tx.corpus.addDocuments(task.id, chunk.map((r) => ({
              content: r.text, authorId: opts.user, metadata: { source: r.origin },
              ...(r.externalId === null ? {} : { externalId: r.externalId }),
            })));
            for (let i = 0; i < chunk.length; i++) {
              const label = chunk[i]!.label;
              if (label === null) continue;
              await tx.corpus.annotate({ documentId: docs[i]!.id, userId: opts.user, label });
              labelled++;
            }
            bar.update(start + chunk.length, records.length, 'documents');
          }
        });
      } finally {
        bar.stop();
      }
      const result = { task: task.id, documents: records.length, labelled, unlabelled: records.length - labelled, user: opts.user };
      emit(opts, result, () =>
        `imported ${records.length} document(s) into task '${task.id}' (${labelled} labelled by ${opts.user}); build a model with: curator train --task ${task.id}`);
    });
  });
}

/** Every label must be one of the task's: the first unknown one is named with where it came from. */
function checkLabels(records: readonly ImportRecord[], labels: readonly string[], taskId: string): void {
  const known = new Set(labels);
  for (const r of records) {
    if (r.label !== null && !known.has(r.label)) {
      throw new CuratorError('UNKNOWN_LABEL', `${r.origin}: label ${JSON.stringify(r.label)} is not a label of task '${taskId}' (${labels.join(', ')})`, { field: 'label' });
    }
  }
}
