import { crc32 } from 'node:zlib';
import { CuratorError } from '../errors.ts';
import type { Estimator, Json, ModelState, NumericArray } from '../base/types.ts';
import { restoreEstimator, type EstimatorOfKind, type ModelKind } from './model-kinds.ts';
import { checkEncoding, decodeSection, DTYPES, encodeSection, partsOf, storedBytes, type Dtype, type Encoding } from './section-codecs.ts';

/*
 * The Curator model file, format version 3 (version 2 is read too). Every integer is little-endian.
 *
 *   offset  size  field
 *   0       8     magic "CURATOR\0"
 *   8       4     format version (uint32)
 *   12      4     header length H in bytes (uint32)
 *   16      8     total file length T in bytes (uint64), so truncation is told apart from corruption
 *   24      H     header: UTF-8 JSON (see FileHeader), zero-padded up to D = align8(24 + H)
 *   D       ...   sections: raw typed-array bytes, each starting at a multiple of 8 from D, so an
 *                 aligned input gives zero-copy Float64Array views; or, from version 3, a section
 *                 the header marks `encoding` (delta, dict, sparse: see section-codecs.ts), stored
 *                 as a few such arrays and rebuilt into a fresh typed array on load
 *   T - 8   8     CRC-32 (IEEE, as zlib/gzip/PNG) of bytes [0, T - 8) as uint32, then 4 zero bytes
 *
 * Version 3 only added encoded sections; a version 2 file is a version 3 file without them, and
 * is read as before (models registered before version 3 stay loadable). Version 1 ended in a SHA-256; version 2 uses CRC-32 because the trailer only has to catch
 * accidental damage (truncation, flipped bits: CRC-32 catches every burst up to 32 bits) and zlib's
 * CRC-32 runs ~4x faster, which is most of a load's cost for a 24 MB model. Tampering is not this
 * trailer's job — anyone able to edit the file could recompute any unkeyed hash; the registry
 * keeps each blob's SHA-256 in the database and checks it before a model is loaded from there.
 *
 * The checksum is verified before the header is parsed, so a flipped bit anywhere is reported as
 * a damaged file instead of reaching JSON.parse or an estimator. Loading copies data into typed
 * arrays and JSON values and hands them to the kind's `fromState`: nothing in a file is executed.
 */

const MAGIC = new Uint8Array([0x43, 0x55, 0x52, 0x41, 0x54, 0x4f, 0x52, 0x00]); // "CURATOR\0"
const PREAMBLE = 24;
const CHECKSUM = 8;
const MAX_DEPTH = 32;

/** The format version this build writes. */
export const MODEL_FILE_VERSION = 3;
/** The oldest format version this build reads. */
const OLDEST_READABLE_VERSION = 2;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One entry of the section table: where a typed array's bytes sit, relative to the data start. */
export interface SectionEntry {
  /** Flattened path: child keys and the array name joined by '.', e.g. `steps.0.vocabBytes`. */
  name: string;
  dtype: Dtype;
  /** Byte offset from the start of the data region (a multiple of 8). */
  offset: number;
  /** Number of elements. */
  length: number;
  /** How the section is stored when not as raw elements (version 3 files only). */
  encoding?: Encoding;
}

/** One estimator in the header tree: everything of its ModelState except the array contents. */
export interface ModelHeaderNode {
  kind: string;
  params: Record<string, Json>;
  meta: Record<string, Json>;
  /** Names of this node's arrays; each is the section `<path>.<name>`. */
  arrays: string[];
  children: Record<string, ModelHeaderNode>;
}

/** What `readModelHeader` tells about a file without rebuilding the estimator. */
export interface ModelHeader extends ModelHeaderNode {
  formatVersion: number;
  sections: SectionEntry[];
  /** Total file length in bytes. */
  byteLength: number;
  /** The embedded CRC-32, 8 hex digits. */
  checksum: string;
}

interface FileHeader extends ModelHeaderNode {
  sections: SectionEntry[];
}

/** Options of `loadModel`. */
export interface LoadOptions<K extends ModelKind = ModelKind> {
  /** The kind the caller expects; anything else is MODEL_FILE_KIND. */
  expect?: K;
  /**
   * Copy the arrays out of `bytes` even when they could be views into it. By default an 8-byte
   * aligned input is used in place (no copy of megabytes of weights), so the model shares memory
   * with `bytes`: do not modify or reuse that buffer afterwards. Estimators must copy in
   * `fromState` any array they later update in place (the conformance suite checks this).
   */
  copy?: boolean;
  /**
   * 'verified' skips the CRC-32 pass over the file: only for bytes the caller has just checked
   * against a stronger checksum of the whole file (the registry's SHA-256 of a blob, see
   * ModelRegistry.loadEstimator), where a second pass over the same bytes can catch nothing the
   * first did not and costs ~1.6 ms per 7 MB. Everything else (files from disk, uploads, bytes
   * of unknown origin) keeps the default 'verify'.
   */
  checksum?: 'verify' | 'verified';
}

/**
 * Serializes a fitted estimator (pipelines and ensembles included) into a model file.
 * The output is deterministic: the same fitted model always gives the same bytes.
 *
 * @example
 *   const bytes = saveModel(pipeline.fit(texts, y));
 *   const again = loadModel(bytes, { expect: 'Pipeline' });
 */
export function saveModel(estimator: Estimator): Uint8Array {
  return encodeModelState(estimator.toState());
}

/**
 * Rebuilds an estimator from a model file. Damaged, foreign, truncated or newer files, and kinds
 * this build does not know, throw a CuratorError with a MODEL_FILE_* code; never a wrong model.
 *
 * @example
 *   const model = loadModel(bytes, { expect: 'Pipeline' }); // typed as Pipeline
 *   model.predict(['cheap meds']);
 */
export function loadModel<K extends ModelKind = ModelKind>(bytes: Uint8Array, options: LoadOptions<K> = {}): EstimatorOfKind<K> {
  return loadModelWith(bytes, options, undefined);
}

/**
 * `loadModel`, taking the encoded sections named in `decoded` as already rebuilt from these same
 * bytes (by a ModelFileReader while they arrived) instead of rebuilding them again.
 */
export function loadModelWith<K extends ModelKind = ModelKind>(bytes: Uint8Array, options: LoadOptions<K>, decoded: ReadonlyMap<string, NumericArray> | undefined): EstimatorOfKind<K> {
  const state = decodeModelState(bytes, { copy: options.copy ?? false, checksum: options.checksum ?? 'verify', decoded });
  if (options.expect !== undefined && state.kind !== options.expect) {
    throw new CuratorError('MODEL_FILE_KIND', `The model file holds a ${state.kind}, but a ${options.expect} was expected.`, { field: 'kind' });
  }
  return restoreEstimator(state) as EstimatorOfKind<K>;
}

/**
 * The header of a model file (kind, params, meta, children, sections, version) without rebuilding
 * the estimator. The checksum is verified unless `verify: false` (e.g. for listing many files).
 */
export function readModelHeader(bytes: Uint8Array, options: { verify?: boolean } = {}): ModelHeader {
  const { header, version, total } = readFile(bytes, options.verify ?? true);
  const checksum = new DataView(bytes.buffer, bytes.byteOffset + total - CHECKSUM, 4).getUint32(0, true).toString(16).padStart(8, '0');
  return { ...header, formatVersion: version, byteLength: total, checksum };
}

/** Writes a ModelState tree as a model file (the format-level half of `saveModel`). */
export function encodeModelState(state: ModelState): Uint8Array {
  const sections: { entry: SectionEntry; arrays: NumericArray[] }[] = [];
  let dataBytes = 0;
  const names = new Set<string>();
  const toNode = (s: ModelState, prefix: string, depth: number): ModelHeaderNode => {
    if (depth > MAX_DEPTH) throw invalidState(prefix, `nests deeper than ${MAX_DEPTH} levels`);
    if (typeof s?.kind !== 'string' || s.kind === '') throw invalidState(prefix, 'has no kind');
    assertJsonRecord(s.params, `${prefix}params`);
    assertJsonRecord(s.meta, `${prefix}meta`);
    const arrays = Object.keys(s.arrays ?? {});
    for (const key of arrays) {
      const array = s.arrays[key]!;
      const dtype = dtypeOf(array);
      if (dtype === undefined) throw invalidState(prefix, `array '${key}' is not one of the typed arrays a model file can hold (${Object.keys(DTYPES).join(', ')})`);
      const name = prefix + key;
      if (names.has(name)) throw invalidState(prefix, `two arrays would share the section name '${name}'`);
      names.add(name);
      const encoded = encodeSection(array, dtype);
      const entry: SectionEntry = { name, dtype, offset: 0, length: array.length, ...(encoded === undefined ? {} : { encoding: encoded.encoding }) };
      sections.push({ entry, arrays: encoded === undefined ? [array] : encoded.parts });
    }
    const children: Record<string, ModelHeaderNode> = {};
    for (const key of Object.keys(s.children ?? {})) {
      if (key === '') throw invalidState(prefix, 'has a child with an empty key');
      define(children, key, toNode(s.children[key]!, `${prefix}${key}.`, depth + 1));
    }
    return { kind: s.kind, params: s.params, meta: s.meta, arrays, children };
  };
  const root = toNode(state, '', 0);
  // Encoded sections first, raw ones after: a reader fed the file as it arrives (ModelFileReader)
  // rebuilds the encoded ones while the raw bytes, used in place, are still in flight.
  for (const { entry } of [...sections.filter((s) => s.entry.encoding !== undefined), ...sections.filter((s) => s.entry.encoding === undefined)]) {
    entry.offset = dataBytes;
    dataBytes += align8(storedBytes(entry.dtype, entry.length, entry.encoding));
  }
  const header: FileHeader = { ...root, sections: sections.map((s) => s.entry) };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align8(PREAMBLE + json.length);
  const total = dataStart + dataBytes + CHECKSUM;

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, MODEL_FILE_VERSION, true);
  view.setUint32(12, json.length, true);
  view.setBigUint64(16, BigInt(total), true);
  out.set(json, PREAMBLE);
  for (const { entry, arrays } of sections) {
    let at = dataStart + entry.offset;
    for (const array of arrays) {
      const raw = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      out.set(raw, at);
      if (!HOST_LITTLE_ENDIAN) swapInPlace(out.subarray(at, at + raw.length), array.BYTES_PER_ELEMENT);
      at += align8(raw.length);
    }
  }
  new DataView(out.buffer).setUint32(total - CHECKSUM, checksumOf(out.subarray(0, total - CHECKSUM)), true);
  return out;
}

/**
 * Reads a model file back into a ModelState tree (the format-level half of `loadModel`).
 * `checksum: 'verified'` skips the CRC-32 pass, as in LoadOptions.
 */
export function decodeModelState(
  bytes: Uint8Array,
  options: { copy?: boolean; checksum?: 'verify' | 'verified'; decoded?: ReadonlyMap<string, NumericArray> | undefined } = {},
): ModelState {
  const { header, dataStart, total } = readFile(bytes, options.checksum !== 'verified');
  const dataEnd = total - CHECKSUM;
  let region: Uint8Array;
  if (!options.copy && HOST_LITTLE_ENDIAN && bytes.byteOffset % 8 === 0) {
    region = bytes.subarray(dataStart, dataEnd);
  } else {
    // One copy of the whole data region into a fresh (hence 8-aligned) buffer keeps every view aligned.
    region = new Uint8Array(dataEnd - dataStart);
    region.set(bytes.subarray(dataStart, dataEnd));
  }
  const bySection = new Map(header.sections.map((s) => [s.name, s]));
  const used = new Set<string>();
  const toState = (node: ModelHeaderNode, prefix: string): ModelState => {
    const arrays: Record<string, NumericArray> = {};
    for (const key of node.arrays) {
      const name = prefix + key;
      const s = bySection.get(name);
      if (s === undefined) throw corrupt(`the header names an array '${name}' that has no section`);
      if (used.has(name)) throw corrupt(`the section '${name}' is claimed twice`);
      used.add(name);
      define(arrays, key, (s.encoding === undefined ? undefined : options.decoded?.get(name)) ?? sectionArray(region, s));
    }
    const children: Record<string, ModelState> = {};
    for (const key of Object.keys(node.children)) define(children, key, toState(node.children[key]!, `${prefix}${key}.`));
    return { kind: node.kind, params: node.params, meta: node.meta, arrays, children };
  };
  const state = toState(header, '');
  if (used.size !== header.sections.length) {
    const orphan = header.sections.find((s) => !used.has(s.name))!;
    throw corrupt(`the section '${orphan.name}' belongs to no estimator`);
  }
  return state;
}

/** A section's typed array: a view into the data region, or rebuilt from its encoded parts. */
export function sectionArray(region: Uint8Array, s: SectionEntry): NumericArray {
  const view = (dtype: Dtype, offset: number, length: number): NumericArray => {
    const { size, Ctor } = DTYPES[dtype];
    if (!HOST_LITTLE_ENDIAN) swapInPlace(region.subarray(offset, offset + length * size), size);
    return new Ctor(region.buffer as ArrayBuffer, region.byteOffset + offset, length);
  };
  if (s.encoding === undefined) return view(s.dtype, s.offset, s.length);
  let at = s.offset;
  const parts = partsOf(s.dtype, s.length, s.encoding).map((p) => {
    const part = view(p.dtype, at, p.length);
    at += align8(p.length * DTYPES[p.dtype].size);
    return part;
  });
  const out = decodeSection(s.dtype, s.length, s.encoding, parts as never);
  if (typeof out === 'string') throw corrupt(`the section '${s.name}' cannot be decoded: ${out}`);
  return out;
}

/**
 * How many bytes the preamble and header of a file take, read from its first 16 bytes; undefined
 * while fewer are in. (Whether they make a valid file is `readFile`'s question.)
 */
export function headerSpan(bytes: Uint8Array, filled: number): number | undefined {
  if (filled < 16) return undefined;
  return PREAMBLE + new DataView(bytes.buffer, bytes.byteOffset, 16).getUint32(12, true);
}

/** Checks the preamble, length and checksum (when `verify`), then parses and validates the header. */
export function readFile(bytes: Uint8Array, verify: boolean): { header: FileHeader; version: number; dataStart: number; total: number } {
  if (!(bytes instanceof Uint8Array)) {
    throw new CuratorError('INVALID_ARGUMENT', `A model file must be given as a Uint8Array (or Buffer). Got ${describe(bytes)} instead.`, { field: 'bytes' });
  }
  const n = bytes.length;
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= n) {
      throw new CuratorError('MODEL_FILE_TRUNCATED', `The model file is truncated: ${n} bytes, shorter than its ${PREAMBLE}-byte preamble.`);
    }
    if (bytes[i] !== MAGIC[i]) {
      throw new CuratorError('MODEL_FILE_FOREIGN', 'These bytes are not a Curator model file (the first 8 bytes are not "CURATOR\\0").');
    }
  }
  if (n < PREAMBLE) throw new CuratorError('MODEL_FILE_TRUNCATED', `The model file is truncated: ${n} bytes, shorter than its ${PREAMBLE}-byte preamble.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const version = view.getUint32(8, true);
  if (version < OLDEST_READABLE_VERSION || version > MODEL_FILE_VERSION) {
    const why = version > MODEL_FILE_VERSION ? 'it was written by a newer Curator' : version === 1 ? 'version 1 (SHA-256 trailer) was never released' : 'that version does not exist';
    throw new CuratorError('MODEL_FILE_VERSION', `The model file has format version ${version}, but this Curator reads versions ${OLDEST_READABLE_VERSION} to ${MODEL_FILE_VERSION}; ${why}.`, { field: 'version' });
  }
  const headerBytes = view.getUint32(12, true);
  const declared = view.getBigUint64(16, true);
  const dataStart = align8(PREAMBLE + headerBytes);
  if (declared > BigInt(Number.MAX_SAFE_INTEGER) || Number(declared) < dataStart + CHECKSUM) {
    throw corrupt(`its preamble declares an impossible length (${declared} bytes with a ${headerBytes}-byte header)`);
  }
  const total = Number(declared);
  if (n < total) throw new CuratorError('MODEL_FILE_TRUNCATED', `The model file is truncated: ${n} of its ${total} bytes are present.`);
  if (n > total) throw corrupt(`${n - total} unexpected bytes follow its declared end at ${total} bytes`);
  if (verify) {
    const stored = view.getUint32(total - CHECKSUM, true);
    const pad = view.getUint32(total - CHECKSUM + 4, true);
    if (pad !== 0 || stored !== checksumOf(bytes.subarray(0, total - CHECKSUM))) throw corrupt('its CRC-32 checksum does not match its contents');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + headerBytes)));
  } catch (e) {
    throw corrupt(`its header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isRecord(parsed)) throw corrupt('its header is not a JSON object');
  const sections = checkSections(parsed['sections'], total - CHECKSUM - dataStart, version);
  const root = checkNode(parsed, 'the header', 0);
  return { header: { ...root, sections }, version, dataStart, total };
}

function checkNode(v: unknown, where: string, depth: number): ModelHeaderNode {
  if (depth > MAX_DEPTH) throw corrupt(`its estimator tree nests deeper than ${MAX_DEPTH} levels`);
  if (!isRecord(v)) throw corrupt(`${where} is not a JSON object`);
  const { kind, params, meta, arrays, children } = v;
  if (typeof kind !== 'string' || kind === '') throw corrupt(`${where} has no estimator kind`);
  if (!isRecord(params)) throw corrupt(`${where}: 'params' is not an object`);
  if (!isRecord(meta)) throw corrupt(`${where}: 'meta' is not an object`);
  if (!Array.isArray(arrays) || !arrays.every((a) => typeof a === 'string')) throw corrupt(`${where}: 'arrays' is not a list of names`);
  if (!isRecord(children)) throw corrupt(`${where}: 'children' is not an object`);
  const out: Record<string, ModelHeaderNode> = {};
  for (const key of Object.keys(children)) define(out, key, checkNode(children[key], `child '${key}' of ${kind}`, depth + 1));
  return { kind, params: params as Record<string, Json>, meta: meta as Record<string, Json>, arrays: arrays as string[], children: out };
}

function checkSections(v: unknown, dataBytes: number, version: number): SectionEntry[] {
  if (!Array.isArray(v)) throw corrupt("its header has no 'sections' list");
  const out: SectionEntry[] = v.map((s: unknown, i) => {
    if (!isRecord(s)) throw corrupt(`section ${i} is not an object`);
    const { name, dtype, offset, length } = s;
    if (typeof name !== 'string') throw corrupt(`section ${i} has no name`);
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) throw corrupt(`section '${name}' has an unknown dtype ${describe(dtype)}`);
    if (!isCount(offset) || !isCount(length)) throw corrupt(`section '${name}' has an invalid offset or length`);
    if (offset % 8 !== 0) throw corrupt(`section '${name}' is misaligned (offset ${offset} is not a multiple of 8)`);
    const encoding = s['encoding'];
    if (encoding !== undefined) {
      if (version < 3) throw corrupt(`section '${name}' is encoded, which version ${version} files never are`);
      const problem = checkEncoding(encoding, dtype as Dtype, length);
      if (problem !== undefined) throw corrupt(`section '${name}' ${problem}`);
    }
    const end = offset + storedBytes(dtype as Dtype, length, encoding as Encoding | undefined);
    if (end > dataBytes) throw corrupt(`section '${name}' (bytes ${offset}..${end}) runs past the data region (${dataBytes} bytes)`);
    return { name, dtype: dtype as Dtype, offset, length, ...(encoding === undefined ? {} : { encoding: encoding as Encoding }) };
  });
  const bytesOf = (s: SectionEntry) => storedBytes(s.dtype, s.length, s.encoding);
  // empty sections share the offset of the next one; ordering them first keeps that legal
  const sorted = [...out].sort((a, b) => a.offset - b.offset || bytesOf(a) - bytesOf(b));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    if (prev.offset + bytesOf(prev) > sorted[i]!.offset) throw corrupt(`sections '${prev.name}' and '${sorted[i]!.name}' overlap`);
  }
  if (new Set(out.map((s) => s.name)).size !== out.length) throw corrupt('two sections share a name');
  return out;
}

function corrupt(why: string): CuratorError {
  return new CuratorError('MODEL_FILE_CORRUPT', `The model file is damaged: ${why}.`);
}

function invalidState(prefix: string, why: string): CuratorError {
  return new CuratorError('INVALID_ARGUMENT', `Cannot save this model: the state ${prefix ? `of child '${prefix.slice(0, -1)}'` : 'of the root estimator'} ${why}.`, { field: 'state' });
}

/** Params and meta must survive JSON unchanged, or a loaded model would differ from the saved one. */
function assertJsonRecord(v: unknown, path: string): void {
  if (!isRecord(v)) throw new CuratorError('INVALID_ARGUMENT', `Cannot save this model: ${path} is not a plain object.`, { field: 'state' });
  const walk = (x: unknown, at: string, depth: number): void => {
    if (depth > 64) throw new CuratorError('INVALID_ARGUMENT', `Cannot save this model: ${at} nests too deeply.`, { field: 'state' });
    if (x === null || typeof x === 'string' || typeof x === 'boolean') return;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) throw new CuratorError('INVALID_ARGUMENT', `Cannot save this model: ${at} is ${x}, which JSON cannot hold; store it in a typed array.`, { field: 'state' });
      return;
    }
    if (Array.isArray(x)) return x.forEach((e, i) => walk(e, `${at}[${i}]`, depth + 1));
    if (isRecord(x)) return Object.keys(x).forEach((k) => walk(x[k], `${at}.${k}`, depth + 1));
    throw new CuratorError('INVALID_ARGUMENT', `Cannot save this model: ${at} is ${describe(x)}, not a JSON value.`, { field: 'state' });
  };
  walk(v, path, 0);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function dtypeOf(a: unknown): Dtype | undefined {
  for (const d of Object.keys(DTYPES) as Dtype[]) if (a instanceof DTYPES[d].Ctor) return d;
  return undefined;
}

/** Assigns without the `__proto__` setter, so a key named "__proto__" stays a plain key. */
function define<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return typeof v === 'string' ? JSON.stringify(v) : `${typeof v} ${String(v)}`;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function checksumOf(data: Uint8Array): number {
  return crc32(data) >>> 0;
}

/** Reverses every `size`-byte group: the file is little-endian whatever the host is. */
function swapInPlace(b: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
}
