#!/usr/bin/env python3
"""Post-hoc checks on saved class probabilities (measurement only; labels are read from the ids). Needs numpy.

    tools/experiments/output-prior.py NAME=CSV [NAME=CSV ...]

Each CSV is written by `coft eval --out CSV --probabilities` on a labelled task folder (ids `<class>/<file>`; the
`p_<class>` columns). Prints per file the accuracy as saved and with a uniform output prior fitted on the same
images (the fixed point of `OutputPrior.fit` in coft-dl4j: b <- b + 0.5 (log(1/C) - log mean softmax(log p + b)),
from b = 0), then the accuracy of the mean-probability ensemble of every pair of files. A file saved from a model
that already has an output prior is shown as it is; fitting again changes little.
"""
import csv
import itertools
import sys

import numpy as np


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    cols = [c for c in rows[0] if c.startswith("p_")]
    if not cols:
        sys.exit(f"{path}: no p_<class> columns (write it with coft eval --out CSV --probabilities)")
    classes = [c[2:] for c in cols]
    ids = [r["id"] for r in rows]
    p = np.array([[float(r[c]) for c in cols] for r in rows])
    return ids, p, classes


def uniform_prior(p, max_iterations=10_000):
    b = np.zeros(p.shape[1])
    target = np.log(1.0 / p.shape[1])
    for _ in range(max_iterations):
        q = p * np.exp(b)
        q /= q.sum(1, keepdims=True)
        step = target - np.log(q.mean(0))
        b += 0.5 * step
        if np.abs(step).max() < 1e-9:
            break
    q = p * np.exp(b)
    return q / q.sum(1, keepdims=True)


def main(argv):
    runs = [a.split("=", 1) for a in argv[1:]]
    if not runs:
        sys.exit(__doc__)
    order, classes, truth, probs = None, None, None, {}
    for name, path in runs:
        ids, p, cls = load(path)
        if order is None:
            order = {i: k for k, i in enumerate(ids)}
            classes = cls
            index = {c: k for k, c in enumerate(classes)}
            truth = np.array([index[i.split("/", 1)[0]] for i in ids])
        if cls != classes or set(ids) != set(order):
            sys.exit(f"{path}: other classes or images than {runs[0][1]}")
        q = np.zeros_like(p)
        q[[order[i] for i in ids]] = p
        probs[name] = q
    acc = lambda p: np.mean(p.argmax(1) == truth)
    for name, p in probs.items():
        print(f"{name}: accuracy {acc(p):.4f}; with a uniform output prior {acc(uniform_prior(p)):.4f}")
    for a, b in itertools.combinations(probs, 2):
        print(f"ensemble {a} + {b}: accuracy {acc(probs[a] + probs[b]):.4f}")


if __name__ == "__main__":
    main(sys.argv)
