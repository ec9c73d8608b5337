#!/usr/bin/python3
"""scikit-learn side of `npm run bench:ml`: the ten pipelines of ../shared/bench on the SAME fold
assignment as the TypeScript side (read from --folds), single-threaded, figures as JSON on --out.

Run by bench/ml-bench.ts; by hand:
    /usr/bin/python3 bench/sklearn_side.py --folds bench/results/folds.json --out bench/results/sklearn.json
Needs Debian's python3-sklearn (`apt-get install -y python3-sklearn`).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression, SGDClassifier  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score, make_scorer, precision_score, recall_score  # noqa: E402
from sklearn.model_selection import PredefinedSplit, cross_validate  # noqa: E402
from sklearn.naive_bayes import MultinomialNB  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

VECTORIZERS = {"tfidf": {}, "tfidf_sub_min2": {"sublinear_tf": True, "min_df": 2}}
CLASSIFIERS = {
    "MultinomialNB": lambda: MultinomialNB(alpha=1.0),
    "LinearSVC": lambda: LinearSVC(C=1.0),
    "LogisticRegression": lambda: LogisticRegression(C=1.0, max_iter=1000),
    "KNN5dist": lambda: KNeighborsClassifier(n_neighbors=5, weights="distance"),
    "SGDhinge": lambda: SGDClassifier(loss="hinge", alpha=1e-4),
}
SCORING = {
    "accuracy": make_scorer(accuracy_score),
    "precision": make_scorer(precision_score, pos_label="spam", zero_division=0),
    "recall": make_scorer(recall_score, pos_label="spam", zero_division=0),
    "f1": make_scorer(f1_score, pos_label="spam", zero_division=0),
}


def load_records(corpus_dir):
    """The corpus as ../shared/bench/spam_corpus.py reads it: file_list.json order, JSON text verbatim."""
    data_dir = os.path.join(corpus_dir, "data")
    with open(os.path.join(data_dir, "file_list.json"), encoding="utf-8") as f:
        files = json.load(f)
    out = []
    for rel in files:
        with open(os.path.join(data_dir, rel[:-4] + ".json"), encoding="utf-8") as f:
            j = json.load(f)
        out.append({"key": f"{j['group']}/{j['id']}", "text": j["text"],
                    "label": "spam" if j["group"].startswith("spam") else "ham"})
    return out


def fingerprint(texts, labels):
    h = hashlib.sha256()
    for t, y in zip(texts, labels):
        h.update(y.encode("utf-8") + b"\t" + t.encode("utf-8", "surrogatepass") + b"\x00")
    return h.hexdigest()


def latency(pipe, doc, n, warmup=20):
    for _ in range(warmup):
        pipe.predict([doc])
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        pipe.predict([doc])
        ts.append((time.perf_counter() - t0) * 1e3)
    return {"n": n, "median_ms": statistics.median(ts), "p99_ms": float(np.percentile(ts, 99))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", required=True, help="JSON written by ml-bench.ts: texts come from the corpus, fold ids from here")
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=None, help="run only pipelines whose name contains this")
    ap.add_argument("--latency-n", type=int, default=1000)
    ap.add_argument("--knn-latency-n", type=int, default=200)
    args = ap.parse_args()
    threadpool_limits(1)

    with open(args.folds, encoding="utf-8") as f:
        spec = json.load(f)
    recs = load_records(spec["corpusDir"])
    texts = [r["text"] for r in recs]
    labels = [r["label"] for r in recs]
    fp = fingerprint(texts, labels)
    assert fp == spec["fingerprint"], f"corpus fingerprint differs: {fp}"
    fixed = next(r for r in recs if r["key"] == spec["fixedDocKey"])["text"]
    cv = PredefinedSplit(np.asarray(spec["testFold"]))
    X = np.asarray(texts, dtype=object)
    y = np.asarray(labels)

    out = {"sklearn": sklearn.__version__, "python": sys.version.split()[0], "fingerprint": fp, "pipelines": {}}
    for vname, vkw in VECTORIZERS.items():
        for cname, make in CLASSIFIERS.items():
            name = f"{cname}+{vname}"
            if args.only and args.only not in name:
                continue
            ctx = sklearn.config_context(enable_cython_pairwise_dist=False) if cname.startswith("KNN") else None
            if ctx:
                ctx.__enter__()
            pipe = lambda: Pipeline([("tfidf", TfidfVectorizer(**vkw)), ("clf", make())])  # noqa: E731
            gc.collect()
            t0 = time.perf_counter()
            res = cross_validate(pipe(), X, y, cv=cv, scoring=SCORING, n_jobs=1, error_score="raise")
            cv_wall = time.perf_counter() - t0
            r = {"cv_wall_s": cv_wall,
                 "per_fold": {k: [float(v) for v in res[f"test_{k}"]] for k in SCORING},
                 "mean": {k: float(np.mean(res[f"test_{k}"])) for k in SCORING}}
            p = pipe()
            gc.collect()
            t0 = time.perf_counter()
            p.fit(texts, labels)
            r["full_fit_s"] = time.perf_counter() - t0
            r["n_features"] = len(p.named_steps["tfidf"].vocabulary_)
            blob = pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL)
            r["file_bytes"] = len(blob)
            loads = []
            for _ in range(5):
                gc.collect()
                t0 = time.perf_counter()
                pickle.loads(blob)
                loads.append((time.perf_counter() - t0) * 1e3)
            r["load_ms"] = statistics.median(loads)
            r["latency"] = latency(p, fixed, args.knn_latency_n if cname.startswith("KNN") else args.latency_n)
            r["fixed_prediction"] = str(p.predict([fixed])[0])
            batch = []
            for _ in range(2):
                gc.collect()
                t0 = time.perf_counter()
                p.predict(texts)
                batch.append(time.perf_counter() - t0)
            r["batch_docs_per_s"] = len(texts) / min(batch)
            if ctx:
                ctx.__exit__(None, None, None)
            out["pipelines"][name] = r
            print(f"  sklearn {name:32s} acc {r['mean']['accuracy']:.4f} cv {cv_wall:.1f}s fit {r['full_fit_s']:.2f}s "
                  f"pkl {len(blob) / 1e6:.1f}MB load {r['load_ms']:.1f}ms p50 {r['latency']['median_ms']:.3f}ms "
                  f"batch {r['batch_docs_per_s']:.0f}/s", flush=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
