/**
 * numpy's default `argsort` (kind='quicksort': introsort with median-of-3 partitions, insertion
 * sort below 16 elements, heapsort past the depth limit), step for step as numpy 1.24's
 * `aquicksort_`. It is not stable, and scikit-learn's `max_features` keeps the first `limit`
 * entries of `(-tf).argsort()`, so which of several equally frequent terms survive the cut
 * depends on exactly this algorithm.
 */
export function numpyArgsort(v: ArrayLike<number>): Int32Array {
  const num = v.length;
  const a = new Int32Array(num);
  for (let i = 0; i < num; i++) a[i] = i;
  if (num < 2) return a;
  const stack: number[] = [];
  const depths: number[] = [];
  let pl = 0;
  let pr = num - 1;
  let cdepth = 31 - Math.clz32(num); // npy_get_msb
  cdepth *= 2;
  for (;;) {
    if (cdepth < 0) {
      heapsort(v, a, pl, pr - pl + 1);
    } else {
      while (pr - pl > 15) {
        const pm = pl + ((pr - pl) >> 1);
        if (v[a[pm]!]! < v[a[pl]!]!) swap(a, pm, pl);
        if (v[a[pr]!]! < v[a[pm]!]!) swap(a, pr, pm);
        if (v[a[pm]!]! < v[a[pl]!]!) swap(a, pm, pl);
        const vp = v[a[pm]!]!;
        let pi = pl;
        let pj = pr - 1;
        swap(a, pm, pj);
        for (;;) {
          do ++pi;
          while (v[a[pi]!]! < vp);
          do --pj;
          while (vp < v[a[pj]!]!);
          if (pi >= pj) break;
          swap(a, pi, pj);
        }
        swap(a, pi, pr - 1);
        // the larger partition goes on the stack
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depths.push(--cdepth);
      }
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = a[pi]!;
        const vp = v[vi]!;
        let pj = pi;
        while (pj > pl && vp < v[a[pj - 1]!]!) {
          a[pj] = a[pj - 1]!;
          pj--;
        }
        a[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depths.pop()!;
  }
  return a;
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** numpy's `aheapsort_` on `a[start, start + n)` (1-based heap indexing as in the C code). */
function heapsort(v: ArrayLike<number>, arr: Int32Array, start: number, n: number): void {
  const at = (k: number): number => arr[start + k - 1]!;
  const put = (k: number, x: number): void => {
    arr[start + k - 1] = x;
  };
  for (let l = n >> 1; l > 0; --l) {
    const tmp = at(l);
    let i = l;
    for (let j = l << 1; j <= n; ) {
      if (j < n && v[at(j)]! < v[at(j + 1)]!) j += 1;
      if (v[tmp]! < v[at(j)]!) {
        put(i, at(j));
        i = j;
        j += j;
      } else break;
    }
    put(i, tmp);
  }
  for (; n > 1; ) {
    const tmp = at(n);
    put(n, at(1));
    n -= 1;
    let i = 1;
    for (let j = 2; j <= n; ) {
      if (j < n && v[at(j)]! < v[at(j + 1)]!) j++;
      if (v[tmp]! < v[at(j)]!) {
        put(i, at(j));
        i = j;
        j += j;
      } else break;
    }
    put(i, tmp);
  }
}
