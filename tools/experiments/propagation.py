#!/usr/bin/env python3
"""What the frozen image features' neighbourhoods say about a CoFT run's labels (measurement only; nothing here feeds
training). Needs numpy.

    tools/experiments/propagation.py RUN_DIR [RUN_DIR ...]

RUN_DIR is a `coft adapt --method coft|coft-plus` output folder on a labelled task folder (ids are
`<class>/<file>`). Label propagation as `LabelPropagation.standard(20)` in coft-dl4j (20-nearest-neighbour cosine
graph of `phase1/features.zip`, weights max(cos, 0)^3, W + Wᵀ, D^-½ W D^-½, α = 0.99, 30 steps, seed columns divided
by their counts) diffuses (a) the zero-shot seeds (`phase1/seeds.csv`) and (b) the run's Phase II labels
(`phase2-labels.csv`). Prints per run: the accuracy of zero-shot, Phase I and CoFT (`stage-predictions.csv`), the
Phase II labels and their precision, and for (a) and (b) the accuracy of the propagated classes and the labels
`phase2.manifoldCheck: SEED_PROPAGATION` would keep (Phase II labels the propagation agrees with) and their precision;
and the labels a `phase2.selfTraining` round would train on, picked from the run's CoFT predictions
(`stage-predictions.csv`, so on a run without an output prior) with their precision.
The run's own manifold check, when it had one, already removed labels: give a run without it.
"""
import csv
import io
import json
import sys
import zipfile

import numpy as np


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def propagate(features, labels, classes, k=20, gamma=3.0, alpha=0.99, steps=30):
    x = features / np.linalg.norm(features, axis=1, keepdims=True)
    s = x @ x.T
    np.fill_diagonal(s, -np.inf)
    n = len(x)
    nn = np.argsort(-s, axis=1, kind="stable")[:, :k]
    w = np.zeros((n, n))
    r = np.arange(n)[:, None]
    w[r, nn] = np.maximum(s[r, nn], 0) ** gamma
    w = w + w.T
    dn = 1 / np.sqrt(w.sum(1) + 1e-12)
    wn = w * dn[:, None] * dn[None, :]
    y = np.zeros((n, classes))
    ok = labels >= 0
    y[np.arange(n)[ok], labels[ok]] = 1
    y = y / np.maximum(y.sum(0, keepdims=True), 1)
    z = y.copy()
    for _ in range(steps):
        z = alpha * wn @ z + (1 - alpha) * y
    return z.argmax(1)


def main(argv):
    for run in argv[1:]:
        with zipfile.ZipFile(f"{run}/phase1/features.zip") as z:
            ids = json.loads(z.read("meta.json"))["ids"]
            features = np.load(io.BytesIO(z.read("features.npy"))).astype(np.float64)
        classes = [c.strip() for c in open(f"{run}/classes.txt") if c.strip()]
        index = {c: i for i, c in enumerate(classes)}
        pos = {i: k for k, i in enumerate(ids)}
        truth = np.array([index[i.split("/", 1)[0]] for i in ids])
        stages = {r["id"]: r for r in rows(f"{run}/stage-predictions.csv")}
        acc = {s: np.mean([index[stages[i][s]] == t for i, t in zip(ids, truth)]) for s in ("zero_shot", "phase1", "coft")}
        kept = np.full(len(ids), -1)
        for r in rows(f"{run}/phase2-labels.csv"):
            for c, v in r.items():
                if c.startswith("label_") and v:
                    kept[pos[r["id"]]] = index[v]
        seeds = np.full(len(ids), -1)
        for r in rows(f"{run}/phase1/seeds.csv"):
            seeds[pos[r["id"]]] = index[r["pseudo_label"]]
        k = kept >= 0
        print(f"{run}: zero-shot {acc['zero_shot']:.4f}, phase I {acc['phase1']:.4f}, CoFT {acc['coft']:.4f}; "
              f"phase II labels {k.sum()} at {np.mean(kept[k] == truth[k]):.4f}")
        # phase2.selfTraining's labels from this run's CoFT predictions (class and its probability per image): as
        # many as Phase II had, the same share of each predicted class, most probable first, ties to the lower index
        pred = np.array([index[stages[i]["coft"]] for i in ids])
        conf = np.array([float(stages[i]["coft_p"]) for i in ids])
        chosen = []
        for c in range(len(classes)):
            members = sorted(np.flatnonzero(pred == c), key=lambda i: (-conf[i], i))
            chosen += members[:int(np.floor(k.sum() * len(members) / len(ids) + 0.5))]
        chosen = np.array(chosen, dtype=int)
        print(f"  self-training labels (run without an output prior): {len(chosen)} at "
              f"{np.mean(pred[chosen] == truth[chosen]):.4f}")
        for name, source in (("seeds", seeds), ("phase II labels", kept)):
            p = propagate(features, source, len(classes))
            agree = k & (p == kept)
            print(f"  propagated {name}: accuracy {np.mean(p == truth):.4f}; phase II labels it agrees with "
                  f"{agree.sum()} at {np.mean(kept[agree] == truth[agree]):.4f}")


if __name__ == "__main__":
    main(sys.argv)
