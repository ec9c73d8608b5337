#!/usr/bin/python3
"""scikit-learn side of `npm run bench:store`: pickle load time of the pipelines the store bench
loads from the database, measured on the same machine in the same run.

Fits tf-idf + LinearSVC and tf-idf + MultinomialNB (the shared bench's defaults) on the whole
demo corpus, then times pickle.loads of each pipeline's pickle (protocol 5) as
../shared/bench/sklearn_baseline.py does: gc.collect() before each load, outside the timing.
Prints JSON: per pipeline the load times in ms, their median and minimum, and the pickle size.

    /usr/bin/python3 bench/sklearn_pickle.py --corpus <dir> [--repeats 21]
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
import sys  # noqa: E402
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="the demo corpus directory (spamCorpusDir())")
    ap.add_argument("--repeats", type=int, default=21)
    args = ap.parse_args()
    threadpool_limits(1)
    recs = load_records(args.corpus)
    texts = [r["text"] for r in recs]
    labels = [r["label"] for r in recs]
    out = {"sklearn": sklearn.__version__, "python": sys.version.split()[0], "pipelines": {}}
    for name, make in PIPELINES.items():
        pipe = make().fit(texts, labels)
        blob = pickle.dumps(pipe, protocol=pickle.HIGHEST_PROTOCOL)
        loads = []
        for _ in range(args.repeats):
            gc.collect()
            t0 = time.perf_counter()
            pickle.loads(blob)
            loads.append((time.perf_counter() - t0) * 1e3)
        out["pipelines"][name] = {"bytes": len(blob), "loads_ms": loads, "median_ms": statistics.median(loads), "min_ms": min(loads)}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
