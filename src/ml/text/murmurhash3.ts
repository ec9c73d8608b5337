/**
 * MurmurHash3 x86 32-bit (Austin Appleby, public domain), the hash scikit-learn's feature hashing
 * uses (`sklearn.utils.murmurhash3_32`), over UTF-8 bytes. Returns a signed int32 like
 * `murmurhash3_32(key, seed, positive=False)`.
 *
 * @example
 *   murmurhash3Bytes(new TextEncoder().encode('foo')); // -156908512, as murmurhash3_32('foo')
 */
export function murmurhash3Bytes(bytes: Uint8Array, seed = 0, length = bytes.length): number {
  let h = seed | 0;
  const nBlocks = length >>> 2;
  for (let i = 0; i < nBlocks; i++) {
    const p = i << 2;
    let k = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = nBlocks << 2;
  const rest = length & 3;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= bytes[tail + 2]! << 16;
    if (rest >= 2) k ^= bytes[tail + 1]! << 8;
    k ^= bytes[tail]!;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

let scratch = new Uint8Array(256);

/**
 * Encodes `text[start, end)` as UTF-8 into a shared scratch buffer and returns its length, so
 * hashing a token needs no string or buffer allocation. Lone surrogates become U+FFFD, as
 * TextEncoder does (Python would refuse them; tokens never contain them).
 */
function utf8Into(text: string, start: number, end: number): number {
  if (scratch.length < (end - start) * 3) scratch = new Uint8Array((end - start) * 3 * 2);
  const b = scratch;
  let n = 0;
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      b[n++] = c;
    } else if (c < 0x800) {
      b[n++] = 0xc0 | (c >> 6);
      b[n++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < end ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          b[n++] = 0xf0 | (cp >> 18);
          b[n++] = 0x80 | ((cp >> 12) & 63);
          b[n++] = 0x80 | ((cp >> 6) & 63);
          b[n++] = 0x80 | (cp & 63);
          continue;
        }
        c = 0xfffd;
      }
      b[n++] = 0xe0 | (c >> 12);
      b[n++] = 0x80 | ((c >> 6) & 63);
      b[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}

/** murmurhash3_32 of the UTF-8 bytes of `text[start, end)` (the whole string by default), signed. */
export function murmurhash3String(text: string, seed = 0, start = 0, end = text.length): number {
  const n = utf8Into(text, start, end);
  return murmurhash3Bytes(scratch, seed, n);
}
