import type { NumericArray } from '../base/types.ts';
import type { EstimatorOfKind, ModelKind } from './model-kinds.ts';
import { headerSpan, loadModelWith, readFile, sectionArray, type LoadOptions, type SectionEntry } from './model-file.ts';
import { storedBytes } from './section-codecs.ts';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Loads a model file while its bytes are still arriving: each encoded section (delta, dict,
 * sparse; see section-codecs.ts) is rebuilt as soon as its last byte is in, so that work
 * overlaps the rest of the transfer instead of following it. Files are written with their
 * encoded sections first and the raw ones, used in place, last, so by the time the bulk of a
 * file is in flight there is little left to do at the end.
 *
 * `advance` is only ever a head start: anything it cannot do (a header not yet valid, damaged
 * or crafted bytes, a buffer it cannot view in place) makes it stop and forget what it did, and
 * `finish` then loads the whole file the ordinary way, with the ordinary errors. Nothing is built
 * into an estimator before `finish`, which the caller calls only once the bytes are verified
 * (the registry: against the SHA-256 recorded at registration). Decoding unverified bytes is
 * safe because decoding is the same bounds-checked copy into typed arrays that any file of
 * unknown origin goes through: nothing in a file is executed.
 *
 * @example
 *   const reader = new ModelFileReader({ expect: 'Pipeline', checksum: 'verified' });
 *   // as bytes land in `file` (allocated at the file's full size): reader.advance(file, filled)
 *   const pipeline = reader.finish(file);
 */
export class ModelFileReader<K extends ModelKind = ModelKind> {
  private file: Uint8Array | undefined;
  /** Encoded sections still to rebuild, by where they end in the file; undefined until the header is in. */
  private pending: { end: number; entry: SectionEntry }[] | undefined;
  private dataStart = 0;
  private dataEnd = 0;
  private readonly decoded = new Map<string, NumericArray>();
  private stopped = false;

  constructor(private readonly options: LoadOptions<K> = {}) {}

  /**
   * `file[0, filled)` holds the first bytes of the file, which no longer change; `file` is the
   * buffer the whole file is being written into, at its full length, the same on every call.
   */
  advance(file: Uint8Array, filled: number): void {
    if (this.stopped) return;
    try {
      this.step(file, filled);
    } catch {
      this.stop();
    }
  }

  /** All bytes are in `file` (the buffer `advance` saw, or any other): the estimator, or the loader's error. */
  finish(file: Uint8Array): EstimatorOfKind<K> {
    const early = !this.stopped && file === this.file ? this.decoded : undefined;
    return loadModelWith(file, this.options, early);
  }

  private step(file: Uint8Array, filled: number): void {
    if (this.file === undefined) {
      // Views need the file 8-byte aligned (the store allocates it so); big-endian hosts swap
      // bytes in place while decoding, which a head start must not do to bytes still arriving.
      if (!HOST_LITTLE_ENDIAN || file.byteOffset % 8 !== 0 || this.options.copy) return this.stop();
      this.file = file;
    } else if (file !== this.file) {
      return this.stop();
    }
    if (this.pending === undefined) {
      const span = headerSpan(file, filled);
      if (span === undefined || filled < span) return;
      const { header, dataStart, total } = readFile(file, false);
      this.dataStart = dataStart;
      this.dataEnd = total - 8;
      this.pending = header.sections
        .filter((s) => s.encoding !== undefined)
        .map((entry) => ({ entry, end: dataStart + entry.offset + storedBytes(entry.dtype, entry.length, entry.encoding) }))
        .sort((a, b) => a.end - b.end);
    }
    const region = file.subarray(this.dataStart, this.dataEnd);
    let i = 0;
    for (; i < this.pending.length && this.pending[i]!.end <= filled; i++) {
      const { entry } = this.pending[i]!;
      this.decoded.set(entry.name, sectionArray(region, entry));
    }
    if (i > 0) this.pending = this.pending.slice(i);
  }

  private stop(): void {
    this.stopped = true;
    this.decoded.clear();
  }
}
