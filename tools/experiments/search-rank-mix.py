#!/usr/bin/env python3
"""Spearman rho with accuracy, and the pick, of rank-sum objectives over a search's finished candidates.

Usage: search-rank-mix.py SEARCH_DIR:STUDY_JSON [...] --mix a+b[+c] [--mix ...]

A mix's value for a candidate is the mean of its ranks (1 = lowest) among the search's candidates by each named
objective, read at full precision from each candidate's result.json (what `coft search` wrote; no labels). `mixval-inter+mixval-intra` is
the search's own `mixval-rank`. Accuracies come from the study file `coft search-report` wrote (labels read there,
after the search). Prints, per search and mix: rho, the pick (highest mix value; ties to the lower candidate number)
and its accuracy minus the oracle's and the base config's (candidate 0), in points.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rankstats import ranks, spearman  # noqa: E402


def main(argv):
    pairs, mixes = [], []
    i = 0
    while i < len(argv):
        if argv[i] == "--mix":
            mixes.append(argv[i + 1].split("+")); i += 2
        else:
            pairs.append(argv[i].split(":", 1)); i += 1
    if not pairs or not mixes:
        sys.exit(__doc__)
    for search, study in pairs:
        rows = {}
        for name in sorted(os.listdir(search + "/candidates")):
            path = os.path.join(search, "candidates", name, "result.json")
            if os.path.isfile(path):
                r = json.load(open(path, encoding="utf-8"))
                rows[int(r["index"])] = r["objectives"]
        acc_by = {int(k): v for k, v in json.load(open(study, encoding="utf-8"))["accuracy_per_candidate"].items()}
        cands = sorted(c for c in rows if c in acc_by)
        acc = [acc_by[c] for c in cands]
        oracle = max(acc)
        base = acc_by[0]
        for mix in mixes:
            per = [ranks([float(rows[c][o]) for c in cands]) for o in mix]
            val = [sum(p[k] for p in per) / len(per) for k in range(len(cands))]
            pick = max(range(len(cands)), key=lambda k: (val[k], -cands[k]))
            print(f"{search}\t{'+'.join(mix)}\trho {spearman(val, acc):+.3f}\tpick {cands[pick]}\t"
                  f"{100 * acc[pick]:.2f} %\t{100 * (acc[pick] - oracle):+.2f} / {100 * (acc[pick] - base):+.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
