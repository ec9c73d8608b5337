import { CuratorError } from '../ml/errors.ts';
import { ModelFileReader } from '../ml/persist/model-file-reader.ts';
import type { EstimatorOfKind, ModelKind } from '../ml/persist/model-kinds.ts';
import {
  GLOBAL,
  MODEL_ORDERS,
  type Evaluation,
  type Model,
  type ModelFilter,
  type Page,
  type PageRequest,
  type Scope,
  type Store,
} from '../store/index.ts';
import { blake3OfBytes, blake3Stream, sha256OfBytes, sha256Stream, type HashStream } from './checksum.ts';
import { checkConfusionCell, isConfusionMetric } from './confusion.ts';
import { rollbackWithin } from './promotions.ts';
import * as v from './validate.ts';

/** What `register` stores: the seed's row (estimator, hyperparameters, build time, score), the blob and its scores. */
export interface RegisterModelInput {
  readonly taskId: string;
  /** Global when omitted. */
  readonly scope?: Scope;
  readonly estimator: string;
  readonly hyperparameters?: Readonly<Record<string, unknown>>;
  readonly buildTimeMs: number;
  readonly score?: number | null;
  readonly scoreMetric?: string | null;
  /** Version of the model file format the blob is in. */
  readonly formatVersion: number;
  /** The model file: opaque bytes to the registry. */
  readonly blob: Uint8Array;
  readonly evaluations?: readonly Evaluation[];
  readonly snapshotId?: number | null;
  readonly jobId?: number | null;
  readonly parentId?: number | null;
  /** 'failed' records a build that produced no usable model; default 'candidate'. */
  readonly status?: 'candidate' | 'failed';
  readonly createdBy?: string | null;
  readonly createdAt?: Date;
}

/** The step of a registration that just ran, for fault injection in tests. */
export type RegisterStep = 'model' | 'blob' | 'evaluations';

/** Options of `register`. */
export interface RegisterOptions {
  /** Called inside the transaction after each step; throwing aborts and rolls everything back. */
  readonly afterStep?: (step: RegisterStep, model: Model) => void | Promise<void>;
}

/** A model with its verified bytes. */
export interface LoadedModel {
  readonly model: Model;
  readonly bytes: Uint8Array;
}

/** Options of `applyRetention`. */
export interface RetentionPolicy {
  /** Non-active models to keep per task and scope (newest first); the active model is always kept. */
  readonly keep: number;
  /** Only this task (all tasks when omitted). */
  readonly taskId?: string;
  readonly at?: Date;
}

/** What a retention pass did. */
export interface RetentionReport {
  /** Models that went from candidate to retired. */
  readonly retired: readonly number[];
  /** Models whose blob was deleted. */
  readonly blobsDeleted: readonly number[];
  /** Blob bytes deleted, as the database counted them. */
  readonly bytesFreed: number;
}

/**
 * The models table with its blobs and scores: register, load (checksum verified), list, retire,
 * and a retention policy that really deletes old blobs.
 *
 * @example
 * const registry = new ModelRegistry(store);
 * const model = await registry.register({ taskId: 'spam', estimator: 'MultinomialNB', hyperparameters: { alpha: 1 },
 *   buildTimeMs: 42, score: 0.97, scoreMetric: 'f1_macro', formatVersion: 1, blob });
 * const { bytes } = await registry.load(model.id);
 */
export class ModelRegistry {
  constructor(private readonly store: Store) {}

  /** Stores the row, the blob and the evaluations in one transaction: all of them or nothing. */
  async register(input: RegisterModelInput, options: RegisterOptions = {}): Promise<Model> {
    const fn = 'register';
    if (typeof input !== 'object' || input === null) throw new CuratorError('INVALID_ARGUMENT', `${fn}: input must be an object`, { field: 'input' });
    const taskId = v.text(fn, 'taskId', input.taskId);
    const scope = input.scope === undefined ? GLOBAL : v.scope(fn, 'scope', input.scope);
    const blob = v.bytes(fn, 'blob', input.blob);
    const status = input.status ?? 'candidate';
    if (status !== 'candidate' && status !== 'failed') {
      throw new CuratorError('INVALID_ARGUMENT', `${fn}: status must be 'candidate' or 'failed'; got ${JSON.stringify(status)}`, { field: 'status' });
    }
    const record = {
      taskId,
      scope,
      estimator: v.text(fn, 'estimator', input.estimator),
      hyperparameters: v.jsonObject(fn, 'hyperparameters', input.hyperparameters ?? {}),
      buildTimeMs: v.finite(fn, 'buildTimeMs', input.buildTimeMs, 0),
      score: input.score === undefined || input.score === null ? null : v.finite(fn, 'score', input.score),
      scoreMetric: v.optionalText(fn, 'scoreMetric', input.scoreMetric),
      formatVersion: v.positiveInt(fn, 'formatVersion', input.formatVersion),
      blobSha256: sha256OfBytes(blob),
      blobBlake3: blake3OfBytes(blob),
      blobSize: blob.byteLength,
      snapshotId: v.optionalId(fn, 'snapshotId', input.snapshotId),
      jobId: v.optionalId(fn, 'jobId', input.jobId),
      parentId: v.optionalId(fn, 'parentId', input.parentId),
      status,
      createdBy: v.optionalText(fn, 'createdBy', input.createdBy),
      createdAt: input.createdAt === undefined ? new Date() : v.date(fn, 'createdAt', input.createdAt),
    } as const;
    const evaluations = checkEvaluations(fn, input.evaluations ?? []);

    return this.store.transaction(async (tx) => {
      await checkReferences(tx, fn, record);
      const existing = await tx.models.findByBlob(taskId, scope, record.blobSha256);
      if (existing !== undefined) {
        throw new CuratorError(
          'ALREADY_EXISTS',
          `${fn}: this blob (SHA-256 ${record.blobSha256}) is already model ${existing.id} of task '${taskId}' (${v.scopeName(scope)})`,
          { field: 'blob' },
        );
      }
      const model = await tx.models.insert(record);
      await options.afterStep?.('model', model);
      await tx.models.putBlob(model.id, blob);
      await options.afterStep?.('blob', model);
      await tx.models.insertEvaluations(model.id, evaluations);
      await options.afterStep?.('evaluations', model);
      return model;
    });
  }

  /** A model by id; NOT_FOUND when there is none. */
  async get(id: number): Promise<Model> {
    const modelId = v.positiveInt('get', 'id', id);
    const model = await this.store.models.get(modelId);
    if (model === undefined) throw new CuratorError('NOT_FOUND', `get: no model ${modelId}`, { field: 'id' });
    return model;
  }

  /**
   * A model with its bytes, after checking them against the hash recorded at registration
   * (BLAKE3; SHA-256 for models registered before BLAKE3 was recorded).
   * A mismatch quarantines the model (and, if it was active, rolls its scope back to the
   * previous good model), then throws CHECKSUM_MISMATCH: the bytes are never returned.
   */
  async load(id: number): Promise<LoadedModel> {
    return this.fetchVerified('load', id);
  }

  /**
   * `load` and decode in one step: `decode` (e.g. the model file loader) sees the bytes only
   * after they matched their recorded hash, so a decoder never meets damaged bytes. On a mismatch
   * the model is quarantined and CHECKSUM_MISMATCH thrown, exactly as `load` does. Where the
   * store streams the blob (PostgreSQL) the hash is computed as the bytes arrive, so it is done
   * when the read is.
   *
   * @example const { value: pipeline } = await registry.models.loadDecoded(id, (bytes) => loadModel(bytes, { expect: 'Pipeline' }));
   */
  async loadDecoded<T>(id: number, decode: (bytes: Uint8Array) => T): Promise<{ model: Model; value: T }> {
    const fn = 'loadDecoded';
    if (typeof decode !== 'function') throw new CuratorError('INVALID_ARGUMENT', `${fn}: decode must be a function`, { field: 'decode' });
    const { model, bytes } = await this.fetchVerified(fn, id);
    return { model, value: decode(bytes) };
  }

  /**
   * A model loaded and ready to predict: `loadDecoded` with the model file loader. The bytes
   * have just matched their recorded hash, so the file's own CRC-32 (a second pass over the same
   * bytes, ~1.6 ms for a 7 MB model) is skipped; no estimator is built from damaged bytes
   * (CHECKSUM_MISMATCH and quarantine, as for `load`). A file that is intact but not a loadable
   * model (unknown kind, newer format, not what `expect` names) throws its MODEL_FILE_* error.
   * Where the blob streams in (PostgreSQL), a ModelFileReader rebuilds the file's encoded
   * sections while the rest is still in flight: the same bounds-checked decoding any file of
   * unknown origin gets, whose result is only used once the hash has matched.
   *
   * @example const { estimator: pipeline } = await registry.models.loadEstimator(id, { expect: 'Pipeline' });
   */
  async loadEstimator<K extends ModelKind = ModelKind>(id: number, options: { expect?: K } = {}): Promise<{ model: Model; estimator: EstimatorOfKind<K> }> {
    const reader = new ModelFileReader<K>({ ...options, checksum: 'verified' });
    // On PostgreSQL, fresh process, 37 interleaved loads per way, three runs (load average ~1):
    // LinearSVC+tfidf 11.3-12.1 ms median the old way (SHA-256, decode after), 9.8-11.1 with
    // the reader, 8.9-10.4 with the reader and BLAKE3; MultinomialNB+tfidf 10.9-13.1, 9.7-12.4
    // and 8.8-11.4.
    const onValue = this.store.capabilities.streamsBytes ? (value: Uint8Array, filled: number) => reader.advance(value, filled) : undefined;
    const { model, bytes } = await this.fetchVerified('loadDecoded', id, onValue);
    return { model, estimator: reader.finish(bytes) };
  }

  /**
   * The model row and its stored bytes, checked against the hash recorded at registration.
   * The hash runs on this thread: as the bytes arrive where the store streams them, else right
   * after the read. (Hashing on the thread pool while decoding saved ~1 ms on an idle 2-core
   * box but lost 5-20 ms whenever the other core was busy: it copies the bytes first and then
   * waits for a free core. A dedicated worker thread hashing the slices in shared memory as they
   * arrive was measured too and not adopted: on 2 cores the PostgreSQL backend sending the value
   * needs the other core, so the thread competes with the transfer instead of overlapping it
   * (MultinomialNB, fresh processes: 12.6-15.5 ms median against 12.9-13.4 hashing here, and
   * 18.6 against 13.6 with a busy loop on the other core; a fresh 6.5 MB SharedArrayBuffer per
   * load also cost ~4.8 ms to map and fault in, and decoding from one was ~1 ms slower).)
   * Letting PostgreSQL hash the stored value instead (`sha256(data)` on a second connection
   * while the first streams it, the client checking only the file's CRC-32) was measured for
   * issue 3 and not adopted: the server's detoast + SHA-256 (~5.4 ms for 4.7 MB) outlasts the
   * transfer it runs beside on the same 2 cores, and the CRC-32 pass comes after it (fresh
   * process, interleaved, 31 loads, load average 1.1-1.4: LinearSVC 13.4 ms median against
   * 9.9 now, MultinomialNB 22.1 against 17.0; hashing in the same COPY after the slices was
   * slower too). With no check at all a load took 9.0 and 15.4 ms: on PostgreSQL the time is
   * in the transfer and the collections it triggers, not in the checksum.
   */
  private async fetchVerified(fn: string, id: number, onValue?: (value: Uint8Array, filled: number) => void): Promise<LoadedModel> {
    const modelId = v.positiveInt(fn, 'id', id);
    // BLAKE3 unless the row turns out to have none (registered before it was recorded) before
    // the read starts; a streamed read starts first, and such a row then gets its SHA-256 after.
    let hash: { algo: 'blake3' | 'sha256'; stream: HashStream } = { algo: 'blake3', stream: blake3Stream() };
    const onBytes = (chunk: Uint8Array, value: Uint8Array) => {
      hash.stream.update(chunk);
      onValue?.(value, chunk.byteOffset - value.byteOffset + chunk.byteLength);
    };
    // Where the store streams the blob (it learns the size with the bytes), the row and the
    // blob come in one round trip, the row first. A read of a model that turns out quarantined
    // is only thrown away.
    const streams = this.store.capabilities.streamsBytes;
    const early = streams ? await this.store.models.getWithBlob(modelId, { onBytes }) : undefined;
    const model = streams ? early?.model : await this.store.models.get(modelId);
    if (model === undefined) throw new CuratorError('NOT_FOUND', `${fn}: no model ${modelId}`, { field: 'id' });
    if (model.status === 'quarantined') {
      throw new CuratorError('INVALID_STATE', `${fn}: model ${modelId} is quarantined (its blob failed its checksum)`, { field: 'id' });
    }
    if (!streams && model.blobBlake3 === null) hash = { algo: 'sha256', stream: sha256Stream() };
    const bytes = streams ? early!.blob : await this.store.models.getBlob(modelId, { sizeHint: model.blobSize, onBytes });
    if (bytes === undefined) {
      throw new CuratorError('INVALID_STATE', `${fn}: model ${modelId} has no blob (retention deleted it; status ${model.status})`, { field: 'id' });
    }
    if (bytes.byteLength !== model.blobSize || !matchesRecorded(model, hash, bytes)) await this.rejectCorrupt(fn, model, bytes);
    return { model, bytes };
  }

  private async rejectCorrupt(fn: string, model: Model, bytes: Uint8Array): Promise<never> {
    await this.quarantine(model);
    throw new CuratorError(
      'CHECKSUM_MISMATCH',
      `${fn}: the blob of model ${model.id} does not match its ${model.blobBlake3 !== null ? 'BLAKE3' : 'SHA-256'} (${bytes.byteLength} bytes stored, ${model.blobSize} registered); the model is now quarantined`,
      { field: 'blob' },
    );
  }

  private async quarantine(model: Model): Promise<void> {
    const at = new Date();
    await this.store.transaction(async (tx) => {
      const current = await tx.models.get(model.id);
      if (current === undefined || current.status === 'quarantined') return;
      if (current.status === 'active') {
        await tx.corpus.lockTask(model.taskId);
        await tx.models.setStatus([model.id], 'quarantined', at);
        await rollbackWithin(tx, model.taskId, model.scope, { actor: 'curator', reason: `model ${model.id} failed its checksum`, at });
        return;
      }
      await tx.models.setStatus([model.id], 'quarantined', at);
    });
  }

  /** The evaluations of a model (NOT_FOUND for an unknown model). */
  async evaluations(id: number): Promise<Evaluation[]> {
    await this.get(id);
    return this.store.models.evaluations(id);
  }

  /**
   * One page of models, in a stable order (created time, score, build time, file size, estimator
   * or status; ties by id). Pass the returned `nextCursor` back for the next page.
   */
  async list(filter: ModelFilter = {}, page: PageRequest = {}): Promise<Page<Model>> {
    const fn = 'list';
    if (filter.scope !== undefined) v.scope(fn, 'scope', filter.scope);
    if (filter.minScore !== undefined) v.finite(fn, 'minScore', filter.minScore);
    if (filter.maxScore !== undefined) v.finite(fn, 'maxScore', filter.maxScore);
    if (filter.createdFrom !== undefined) v.date(fn, 'createdFrom', filter.createdFrom);
    if (filter.createdBefore !== undefined) v.date(fn, 'createdBefore', filter.createdBefore);
    if (page.orderBy !== undefined && !MODEL_ORDERS.includes(page.orderBy)) {
      throw new CuratorError('INVALID_ARGUMENT', `${fn}: orderBy must be one of ${MODEL_ORDERS.join(', ')}; got ${JSON.stringify(page.orderBy)}`, { field: 'orderBy' });
    }
    if (page.direction !== undefined && page.direction !== 'asc' && page.direction !== 'desc') {
      throw new CuratorError('INVALID_ARGUMENT', `${fn}: direction must be 'asc' or 'desc'; got ${JSON.stringify(page.direction)}`, { field: 'direction' });
    }
    return this.store.models.list(filter, page);
  }

  /** How many models match a filter. */
  async count(filter: ModelFilter = {}): Promise<number> {
    return this.store.models.count(filter);
  }

  /** Retires a model: it stays in the table and the history, but can no longer be promoted. */
  async retire(id: number, at = new Date()): Promise<Model> {
    const fn = 'retire';
    const modelId = v.positiveInt(fn, 'id', id);
    return this.store.transaction(async (tx) => {
      const model = await tx.models.getForUpdate(modelId);
      if (model === undefined) throw new CuratorError('NOT_FOUND', `${fn}: no model ${modelId}`, { field: 'id' });
      if (model.status === 'active') {
        throw new CuratorError('INVALID_STATE', `${fn}: model ${modelId} is active; promote another model or roll back first`, { field: 'id' });
      }
      if (model.status !== 'retired') await tx.models.setStatus([modelId], 'retired', at);
      return (await tx.models.get(modelId))!;
    });
  }

  /**
   * Keeps the active model and the `keep` newest candidates of every task and scope; retires
   * the other candidates and deletes the blobs of every model beyond them (retired, failed,
   * quarantined). Rows stay, so the history still names every model.
   */
  async applyRetention(policy: RetentionPolicy): Promise<RetentionReport> {
    const fn = 'applyRetention';
    const keep = policy.keep;
    if (!Number.isSafeInteger(keep) || keep < 0) {
      throw new CuratorError('INVALID_ARGUMENT', `${fn}: keep must be an integer ≥ 0; got ${JSON.stringify(keep)}`, { field: 'keep' });
    }
    const at = policy.at ?? new Date();
    const report = await this.store.transaction(async (tx) => {
      const models = await tx.models.listAll(policy.taskId === undefined ? {} : { taskId: v.text(fn, 'taskId', policy.taskId) });
      const kept = new Map<string, number>();
      const retire: number[] = [];
      const drop: number[] = [];
      for (const m of models) {
        if (m.status === 'active') continue;
        const key = `${m.taskId}\u0000${v.scopeName(m.scope)}`;
        const n = kept.get(key) ?? 0;
        if (m.status === 'candidate' && n < keep) {
          kept.set(key, n + 1);
          continue;
        }
        if (m.status === 'candidate') retire.push(m.id);
        drop.push(m.id);
      }
      await tx.models.setStatus(retire, 'retired', at);
      const withBlob = await tx.models.withBlob(drop);
      const bytesFreed = await tx.models.blobBytesOf(withBlob);
      await tx.models.deleteBlobs(withBlob);
      return { retired: retire, blobsDeleted: withBlob, bytesFreed };
    });
    if (report.bytesFreed > 0) await this.store.reclaimSpace();
    return report;
  }
}

function checkEvaluations(fn: string, evaluations: readonly Evaluation[]): Evaluation[] {
  if (!Array.isArray(evaluations)) throw new CuratorError('INVALID_ARGUMENT', `${fn}: evaluations must be an array`, { field: 'evaluations' });
  return evaluations.map((e, i) => {
    const f = `evaluations[${i}]`;
    const foldValues = e.foldValues;
    if (!Array.isArray(foldValues)) throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${f}.foldValues must be an array of numbers`, { field: `${f}.foldValues` });
    const checked = {
      metric: v.text(fn, `${f}.metric`, e.metric),
      label: v.optionalText(fn, `${f}.label`, e.label),
      mean: v.finite(fn, `${f}.mean`, e.mean),
      std: v.finite(fn, `${f}.std`, e.std, 0),
      foldValues: foldValues.map((x, j) => v.finite(fn, `${f}.foldValues[${j}]`, x)),
    };
    // Confusion cells are read back into a matrix (src/registry/confusion.ts): a pair label and counts.
    if (isConfusionMetric(checked.metric)) checkConfusionCell(fn, f, checked);
    return checked;
  });
}

/** References the database cannot check, or checks without saying which one broke. */
async function checkReferences(
  tx: Store,
  fn: string,
  r: { taskId: string; scope: Scope; snapshotId: number | null; parentId: number | null },
): Promise<void> {
  if ((await tx.corpus.getTask(r.taskId)) === undefined) {
    throw new CuratorError('INVALID_REFERENCE', `${fn}: no task '${r.taskId}'`, { field: 'taskId' });
  }
  if (r.scope.kind === 'group' && (await tx.corpus.getGroup(r.scope.groupId)) === undefined) {
    throw new CuratorError('INVALID_REFERENCE', `${fn}: no group '${r.scope.groupId}'`, { field: 'scope.groupId' });
  }
  if (r.scope.kind === 'user' && (await tx.corpus.getUser(r.scope.userId)) === undefined) {
    throw new CuratorError('INVALID_REFERENCE', `${fn}: no user '${r.scope.userId}'`, { field: 'scope.userId' });
  }
  if (r.snapshotId !== null) {
    const snapshot = await tx.snapshots.get(r.snapshotId);
    if (snapshot === undefined) throw new CuratorError('INVALID_REFERENCE', `${fn}: no snapshot ${r.snapshotId}`, { field: 'snapshotId' });
    if (snapshot.taskId !== r.taskId) {
      throw new CuratorError('INVALID_REFERENCE', `${fn}: snapshot ${r.snapshotId} belongs to task '${snapshot.taskId}', not '${r.taskId}'`, {
        field: 'snapshotId',
      });
    }
  }
  if (r.parentId !== null) {
    const parent = await tx.models.get(r.parentId);
    if (parent === undefined) throw new CuratorError('INVALID_REFERENCE', `${fn}: no parent model ${r.parentId}`, { field: 'parentId' });
    if (parent.taskId !== r.taskId) {
      throw new CuratorError('INVALID_REFERENCE', `${fn}: parent model ${r.parentId} belongs to task '${parent.taskId}', not '${r.taskId}'`, {
        field: 'parentId',
      });
    }
  }
}

/** Whether the bytes hashed as `hash` match what the model row recorded: its BLAKE3, or for a row without one its SHA-256. */
function matchesRecorded(model: Model, hash: { algo: 'blake3' | 'sha256'; stream: HashStream }, bytes: Uint8Array): boolean {
  if (model.blobBlake3 !== null) return hash.algo === 'blake3' && hash.stream.hex() === model.blobBlake3;
  return (hash.algo === 'sha256' ? hash.stream.hex() : sha256OfBytes(bytes)) === model.blobSha256;
}
