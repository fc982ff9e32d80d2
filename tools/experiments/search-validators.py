#!/usr/bin/env python3
"""Label-free validators from the model-selection literature, computed offline on finished `coft search` candidates.

Usage: search-validators.py EVIDENCE_DIR:STUDY_JSON [...]

EVIDENCE_DIR is what SearchEvidenceCsv.java wrote for one search (N-final.csv, N-aug.csv per candidate); STUDY_JSON
is `coft search-report --out`'s study of that search (the candidates' accuracies: labels are read there, after the
search, and only to print rho and the picks). The scores, fixed before they were first computed (2026-12-07), each
higher = better, on a candidate's final probabilities P (N images x C classes):

  im        information maximisation, H(mean p) - mean H(p) (SHOT's objective, a validator in Musgrave et al. 2022)
  bnm       nuclear norm of P / sqrt(N min(N, C)) (batch nuclear-norm, Cui et al. 2020)
  snd       soft neighbourhood density: mean entropy of each image's softmax over its similarities to the others,
            temperature 0.05, on L2-normalised probability vectors (Saito et al. 2021)
  corrc     trace(P^T P) / sum(P^T P): the share of the prediction mass's co-occurrence within one class
            (class correlation, after Tu et al. 2023)
  softstab  1 - mean total variation between P and the probabilities on the second view (coft search's
            soft-stability, which computes the same from the evidence)

Prints, per search and score: Spearman rho with accuracy, the pick (highest score) minus the oracle's accuracy and
minus the base config's (candidate 0), in points.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rankstats import spearman  # noqa: E402


def entropy(p):
    return -(p * np.log(np.clip(p, 1e-12, 1))).sum(-1)


def scores(p, aug):
    n, c = p.shape
    f = p / np.linalg.norm(p, axis=1, keepdims=True)
    s = f @ f.T / 0.05
    np.fill_diagonal(s, -np.inf)
    s -= s.max(1, keepdims=True)
    e = np.exp(s)
    e /= e.sum(1, keepdims=True)
    g = p.T @ p
    return {
        "im": entropy(p.mean(0)) - entropy(p).mean(),
        "bnm": np.linalg.svd(p, compute_uv=False).sum() / np.sqrt(n * min(n, c)),
        "snd": entropy(e).mean(),
        "corrc": np.trace(g) / g.sum(),
        "softstab": 1 - 0.5 * np.abs(p - aug).sum(1).mean() if aug is not None else float("nan"),
    }


def study(ev, study_json):
    acc = {int(k): v for k, v in json.load(open(study_json, encoding="utf-8"))["accuracy_per_candidate"].items()}
    cands = sorted(acc)
    rows = {}
    for i in cands:
        p = np.loadtxt(f"{ev}/{i}-final.csv", delimiter=",", ndmin=2)
        a = f"{ev}/{i}-aug.csv"
        rows[i] = scores(p, np.loadtxt(a, delimiter=",", ndmin=2) if os.path.exists(a) else None)
    a = [acc[i] for i in cands]
    out = {}
    for k in rows[cands[0]]:
        v = [rows[i][k] for i in cands]
        pick = cands[int(np.nanargmax(v))]
        out[k] = (spearman(v, a), 100 * (acc[pick] - max(a)), 100 * (acc[pick] - acc[0]))
    return out


def main(argv):
    if not argv:
        sys.exit(__doc__)
    res = {}
    for arg in argv:
        ev, st = arg.split(":", 1)
        res[ev] = study(ev, st)
    for ev, r in res.items():
        print(ev)
        for k, (rho, d_oracle, d_base) in r.items():
            print(f"  {k:9s} rho {rho:+.2f}  pick - oracle {d_oracle:+.2f}  pick - base {d_base:+.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
