/** A list of strings as two typed arrays: UTF-8 bytes and end offsets (a model file section pair). */
export interface PackedStrings {
  bytes: Uint8Array;
  ends: Int32Array;
}

/** Packs strings into UTF-8 bytes plus end offsets, so a 176,000-term vocabulary is one section. */
export function packStrings(values: readonly string[]): PackedStrings {
  const enc = new TextEncoder();
  const parts = values.map((v) => enc.encode(v));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const bytes = new Uint8Array(total);
  const ends = new Int32Array(values.length);
  let off = 0;
  parts.forEach((p, i) => {
    bytes.set(p, off);
    off += p.length;
    ends[i] = off;
  });
  return { bytes, ends };
}

/** Reverses packStrings. */
export function unpackStrings(p: PackedStrings): string[] {
  const dec = new TextDecoder('utf-8', { fatal: true });
  const out = new Array<string>(p.ends.length);
  let start = 0;
  for (let i = 0; i < p.ends.length; i++) {
    const end = p.ends[i]!;
    out[i] = dec.decode(p.bytes.subarray(start, end));
    start = end;
  }
  return out;
}
