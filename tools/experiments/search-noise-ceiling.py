#!/usr/bin/env python3
"""How well the labels themselves rank a search's candidates: the noise ceiling of an objective's Spearman rho.

Usage: search-noise-ceiling.py SEARCH_DIR [SEARCH_DIR ...] [--splits N] [--seed S]

Each candidate's predictions.csv (id = "<class folder>/<file>", class = predicted label index) and the class order in
its search-classes.txt give per-image correctness; labels come from the folder names (evaluation only, after the
search). Over N random halvings of the images, the Spearman rho between the candidates' accuracies on one half and
on the other is the split-half reliability of the accuracy ranking; Spearman-Brown gives it at full size, r_full =
2r / (1 + r). An objective that tracked the candidates' expected accuracy perfectly would still show rho of about
sqrt(r_full) with the measured accuracy (attenuation by the accuracy's own sampling noise), so that is the ceiling
the issue's rho >= 0.6 is measured against. Prints one line per search.
"""
import csv
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rankstats import spearman  # noqa: E402


def correctness(cand_dir):
    classes = [l.strip() for l in open(os.path.join(cand_dir, "search-classes.txt"), encoding="utf-8") if l.strip()]
    out = {}
    with open(os.path.join(cand_dir, "predictions.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            truth = row["id"].split("/")[0]
            out[row["id"]] = int(classes[int(row["class"])] == truth)
    return out


def main(argv):
    splits, seed, dirs = 200, 0, []
    i = 0
    while i < len(argv):
        if argv[i] == "--splits":
            splits = int(argv[i + 1]); i += 2
        elif argv[i] == "--seed":
            seed = int(argv[i + 1]); i += 2
        else:
            dirs.append(argv[i]); i += 1
    if not dirs:
        sys.exit(__doc__)
    for d in dirs:
        cdir = os.path.join(d, "candidates")
        cands = sorted(c for c in os.listdir(cdir) if os.path.isfile(os.path.join(cdir, c, "predictions.csv")))
        per = [correctness(os.path.join(cdir, c)) for c in cands]
        ids = sorted(per[0])
        if any(sorted(p) != ids for p in per):
            sys.exit(d + ": candidates predicted different image sets")
        rng = random.Random(seed)
        rs = []
        for _ in range(splits):
            half = set(rng.sample(ids, len(ids) // 2))
            a = [sum(p[i] for i in half) / len(half) for p in per]
            b = [sum(p[i] for i in ids if i not in half) / (len(ids) - len(half)) for p in per]
            rs.append(spearman(a, b))
        # a half on which every candidate scored the same ranks nothing (rho nan): left out, and counted
        left_out = sum(1 for x in rs if x != x)
        rs = sorted(x for x in rs if x == x)
        if not rs:
            print(f"{d}: no halving ranks the candidates (every one has a half on which all scored the same)")
            continue
        r = sum(rs) / len(rs)
        full = 2 * r / (1 + r) if r > -1 else float("nan")
        acc = [sum(p.values()) / len(ids) for p in per]
        print(f"{d}: {len(cands)} candidates, {len(ids)} images, accuracy {100 * min(acc):.2f}-{100 * max(acc):.2f} %; "
              f"split-half rho {r:.3f} (5-95 % {rs[len(rs) // 20]:.3f}..{rs[-1 - len(rs) // 20]:.3f}"
              f"{f'; {left_out} halvings left out' if left_out else ''}), "
              f"full-size reliability {full:.3f}, ceiling of an objective's rho ~ {max(full, 0) ** 0.5:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
