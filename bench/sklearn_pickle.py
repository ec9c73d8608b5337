#!/usr/bin/python3
"""scikit-learn side of `npm run bench:store`: pickle load time of the pipelines the store bench
loads from the database, measured on the same machine in the same run.

Fits tf-idf + LinearSVC and tf-idf + MultinomialNB (the shared bench's defaults) on the whole
demo corpus, then times pickle.loads of each pipeline's pickle (protocol 5) as
../shared/bench/sklearn_baseline.py does: gc.collect() before each load, outside the timing, in
the process that fitted them. Then the same in a fresh process that only imports scikit-learn
and reads the pickles (3 loads first, untimed), the way the store bench's load children start
(`--fresh-repeats`, 0 to skip): a process with a small heap loads the same pickle much more slowly.
Prints JSON: per pipeline the load times in ms, their median and minimum, the pickle size, and
the fresh process's median and minimum.

    /usr/bin/python3 bench/sklearn_pickle.py --corpus <dir> [--repeats 21] [--fresh-repeats 21]
Needs Debian's python3-sklearn (`apt-get install -y python3-sklearn`).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import sklearn  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.naive_bayes import MultinomialNB  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_side import load_records  # noqa: E402

PIPELINES = {
    "LinearSVC+tfidf": lambda: Pipeline([("tfidf", TfidfVectorizer()), ("clf", LinearSVC(C=1.0))]),
    "MultinomialNB+tfidf": lambda: Pipeline([("tfidf", TfidfVectorizer()), ("clf", MultinomialNB(alpha=1.0))]),
}


def time_loads(blob, repeats):
    """Load times in ms of `repeats` pickle.loads, each after gc.collect() (outside the timing)."""
    loads = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        pickle.loads(blob)
        loads.append((time.perf_counter() - t0) * 1e3)
    return loads


def fresh_loads(directory, repeats):
    """The child: times the pickles in `directory` with nothing else in the process."""
    out = {}
    for name in PIPELINES:
        with open(os.path.join(directory, name + ".pkl"), "rb") as f:
            blob = f.read()
        time_loads(blob, 3)
        loads = time_loads(blob, repeats)
        out[name] = {"loads_ms": loads, "median_ms": statistics.median(loads), "min_ms": min(loads)}
    json.dump(out, sys.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", help="the demo corpus directory (spamCorpusDir())")
    ap.add_argument("--repeats", type=int, default=21)
    ap.add_argument("--fresh-repeats", type=int, default=21)
    ap.add_argument("--fresh-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    threadpool_limits(1)
    if args.fresh_child:
        return fresh_loads(args.fresh_child, args.repeats)
    if not args.corpus:
        ap.error("--corpus is required")
    recs = load_records(args.corpus)
    texts = [r["text"] for r in recs]
    labels = [r["label"] for r in recs]
    out = {"sklearn": sklearn.__version__, "python": sys.version.split()[0], "pipelines": {}}
    with tempfile.TemporaryDirectory() as directory:
        for name, make in PIPELINES.items():
            pipe = make().fit(texts, labels)
            blob = pickle.dumps(pipe, protocol=pickle.HIGHEST_PROTOCOL)
            with open(os.path.join(directory, name + ".pkl"), "wb") as f:
                f.write(blob)
            loads = time_loads(blob, args.repeats)
            out["pipelines"][name] = {"bytes": len(blob), "loads_ms": loads, "median_ms": statistics.median(loads), "min_ms": min(loads)}
        if args.fresh_repeats > 0:
            child = subprocess.run([sys.executable, os.path.abspath(__file__), "--fresh-child", directory, "--repeats", str(args.fresh_repeats)],
                                   check=True, capture_output=True, text=True)
            for name, fresh in json.loads(child.stdout).items():
                out["pipelines"][name]["fresh"] = fresh
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
