#!/usr/bin/env python3
"""Ensemble validation (EnsV-style) on finished `coft search` folders: an offline check of one more label-free
objective (issue 13) before it is built into arbiter-search.

Each candidate is scored by how often its final predictions agree with the plurality vote of all candidates' final
predictions (`vote`), and with the vote of the other candidates (`vote-loo`); no free parameter. The candidates'
accuracies come from `coft search-report`'s study file and are read only to print the Spearman ρ and the pick
against the oracle and the base config (candidate 0).

    tools/experiments/search-ensv.py /tmp/search-runs/search-fz2k /tmp/search-runs/study-fz2k.json [SEARCH STUDY ...]
"""
import csv
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rankstats import spearman  # noqa: E402


def load(search, study):
    acc = json.load(open(study))["accuracy_per_candidate"]
    if isinstance(acc, dict):
        acc = [acc[k] for k in sorted(acc, key=int)]
    acc = 100 * np.array(acc, float)
    preds = []
    for c in range(len(acc)):
        with open("%s/candidates/%03d/predictions.csv" % (search, c)) as f:
            preds.append([int(r["class"]) for r in csv.DictReader(f)])
    return acc, np.array(preds)


def main(args):
    if not args or len(args) % 2:
        sys.exit(__doc__)
    print("| search | objective | Spearman ρ | pick | oracle | base | pick − oracle / − base |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for search, study in zip(args[::2], args[1::2]):
        acc, p = load(search, study)
        n, m = p.shape
        votes = np.zeros((m, p.max() + 1))
        for row in p:
            votes[np.arange(m), row] += 1
        scores = {"vote": (p == votes.argmax(1)).mean(1)}
        loo = []
        for row in p:
            v = votes.copy()
            v[np.arange(m), row] -= 1
            loo.append((row == v.argmax(1)).mean())
        scores["vote-loo"] = np.array(loo)
        for name, s in scores.items():
            pick = int(np.argmax(s))
            print("| %s | %s | %+.3f | %.2f %% | %.2f %% | %.2f %% | %+.2f / %+.2f |" % (
                search.rstrip("/").split("/")[-1], name, spearman(s, acc), acc[pick], acc.max(), acc[0],
                acc[pick] - acc.max(), acc[pick] - acc[0]))


if __name__ == "__main__":
    main(sys.argv[1:])
