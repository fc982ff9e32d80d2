#!/usr/bin/env python3
"""Agreement of independent reruns (GDE-style) as a label-free score, checked offline on a finished `coft search`.

Usage: search-gde.py SEARCH_DIR RERUN_DIR STUDY_JSON

RERUN_DIR holds, per candidate folder name (000, 001, ...), a `coft adapt` of that candidate's
candidate-config.json with another run seed (tools: see arbiter-search/README.md). A candidate's score is the share
of images on which its final prediction and its rerun's agree; by the generalization-disagreement equality (Jiang et
al., 2022) the expected agreement of two independent runs approximates their accuracy when the runs' ensemble is
calibrated. Accuracies come from `coft search-report`'s study file (labels read there, after the search). Prints
per candidate the agreement and accuracy, then Spearman's rho, the pick (highest agreement) against the oracle and
the base config (candidate 0), and the mean |agreement - accuracy|.
"""
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rankstats import spearman  # noqa: E402


def predictions(folder):
    """The final (`coft` column) prediction per image of a run's stage-predictions.csv."""
    with open(os.path.join(folder, "stage-predictions.csv"), encoding="utf-8") as f:
        return {r["id"]: r["coft"] for r in csv.DictReader(f)}


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    search, rerun, study = argv
    acc_by = {int(k): v for k, v in json.load(open(study, encoding="utf-8"))["accuracy_per_candidate"].items()}
    cands, agree, acc = [], [], []
    for name in sorted(os.listdir(os.path.join(search, "candidates"))):
        other = os.path.join(rerun, name)
        if not os.path.isfile(os.path.join(other, "stage-predictions.csv")) or int(name) not in acc_by:
            continue
        a = predictions(os.path.join(search, "candidates", name))
        b = predictions(other)
        if set(a) != set(b):
            sys.exit(name + ": the rerun predicted another image set")
        cands.append(int(name))
        agree.append(sum(a[i] == b[i] for i in a) / len(a))
        acc.append(acc_by[int(name)])
    for c, g, y in zip(cands, agree, acc):
        print(f"{c:3d}  agreement {100 * g:6.2f} %  accuracy {100 * y:6.2f} %")
    pick = max(range(len(cands)), key=lambda k: (agree[k], -cands[k]))
    base = acc_by[0]
    print(f"{len(cands)} candidates: rho {spearman(agree, acc):+.3f}; pick {cands[pick]} {100 * acc[pick]:.2f} % "
          f"({100 * (acc[pick] - max(acc)):+.2f} / {100 * (acc[pick] - base):+.2f} vs oracle / base); "
          f"mean |agreement - accuracy| {100 * sum(abs(g - y) for g, y in zip(agree, acc)) / len(acc):.2f} points")


if __name__ == "__main__":
    main(sys.argv[1:])
