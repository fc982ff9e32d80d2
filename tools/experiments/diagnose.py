#!/usr/bin/env python3
"""Per-class drift of a CoFT run against the task's hidden labels (measurement only; nothing here feeds training).

    tools/experiments/diagnose.py RUN_DIR [STAGE=predictions.csv ...]

RUN_DIR is a `coft adapt --method coft|coft-plus` output folder on a labelled task folder (ids are
`<class>/<file>`); each STAGE=CSV is an `id,prediction,probability` file written by `coft eval --out` or
`coft zero-shot --out` (e.g. zero-shot=/tmp/zs.csv phase1=/tmp/p1.csv coft=/tmp/coft.csv). Prints, per class:
images, seeds and their precision, Phase II labels and their precision, and per stage the recall and how many images
the stage predicts as that class; then the totals.
"""
import csv
import sys
from collections import Counter
from pathlib import Path


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def kept_labels(run):
    """(true class, kept label) for every label Phase II trains on: one per `label_*` column of the run's
    `phase2-labels.csv` that is filled (evaluation only: the true class is the image id's folder)."""
    labels = rows(Path(run) / "phase2-labels.csv")
    cols = [k for k in labels[0] if k.startswith("label_")] if labels else []
    return [(r["id"].split("/", 1)[0], r[c]) for r in labels for c in cols if r[c]]


def main(argv):
    run = Path(argv[1])
    stages = [a.split("=", 1) for a in argv[2:]]
    classes = [c.strip() for c in (run / "classes.txt").read_text().splitlines() if c.strip()]
    labels = rows(run / "phase2-labels.csv")
    truth = {r["id"]: r["id"].split("/", 1)[0] for r in labels}
    n_true = Counter(truth.values())
    seeds = rows(run / "phase1" / "seeds.csv")
    s_n = Counter(r["pseudo_label"] for r in seeds)
    s_ok = Counter(r["pseudo_label"] for r in seeds if truth.get(r["id"]) == r["pseudo_label"])
    k_n, k_ok = Counter(), Counter()
    for true, kept in kept_labels(run):
        k_n[kept] += 1
        k_ok[kept] += true == kept
    preds = {}
    for name, path in stages:
        p = {r["id"]: r["prediction"] for r in rows(path)}
        preds[name] = p
    head = f"{'class':<12}{'images':>7}{'seeds':>7}{'s.prec':>7}{'kept':>6}{'k.prec':>7}"
    for name, _ in stages:
        head += f"{name + ' rec':>14}{'pred':>6}"
    print(head)
    tot = Counter()
    for c in classes:
        line = f"{c:<12}{n_true[c]:>7}{s_n[c]:>7}{100 * s_ok[c] / max(s_n[c], 1):>6.1f}%"
        line += f"{k_n[c]:>6}{100 * k_ok[c] / max(k_n[c], 1):>6.1f}%"
        for name, _ in stages:
            p = preds[name]
            rec = sum(1 for i, t in truth.items() if t == c and p.get(i) == c)
            cnt = sum(1 for i in truth if p.get(i) == c)
            line += f"{100 * rec / max(n_true[c], 1):>13.1f}%{cnt:>6}"
            tot[name] += rec
        print(line)
    n = len(truth)
    line = f"{'all':<12}{n:>7}{sum(s_n.values()):>7}{100 * sum(s_ok.values()) / max(sum(s_n.values()), 1):>6.1f}%"
    line += f"{sum(k_n.values()):>6}{100 * sum(k_ok.values()) / max(sum(k_n.values()), 1):>6.1f}%"
    for name, _ in stages:
        line += f"{100 * tot[name] / n:>13.1f}%{'':>6}"
    print(line)


if __name__ == "__main__":
    main(sys.argv)
