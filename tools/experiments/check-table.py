#!/usr/bin/env python3
"""How well the label-free check of `coft adapt` predicts a Phase II that ends below Phase I or below zero-shot.

    tools/experiments/check-table.py --zero-shot fz2k=0.4660 ... RUN_DIR...

Each RUN_DIR is a coft run folder of tools/experiments/phase2-table.sh (OUT/<task>/<variant>-s<seed>, with
label-free-check.json and eval.txt); its Phase I accuracy is read from its own eval-phase1.txt when it has one,
else from OUT/<task>/before-s<seed>/eval-phase1.txt (the Phase I every variant of that seed adopted). The flag is
the rule of coft-dl4j's LabelFreeCheck applied to the balances the run recorded (so runs made under an earlier
threshold are scored by today's rule). Labels are read here only to score the check, after the fact.
"""
import argparse
BALANCE_DROP = 0.04  # LabelFreeCheck.BALANCE_DROP
import json
import re
from pathlib import Path


def accuracy(path):
    for line in reversed(Path(path).read_text().splitlines()):
        m = re.match(r"accuracy=([0-9.]+)", line)
        if m:
            return float(m.group(1))
    raise SystemExit(f"{path}: no accuracy= line")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zero-shot", action="append", default=[], help="TASK=ACCURACY")
    ap.add_argument("runs", nargs="+")
    a = ap.parse_args()
    zs = {k: float(v) for k, v in (x.split("=", 1) for x in a.zero_shot)}
    rows = []
    for r in map(Path, a.runs):
        check = r / "label-free-check.json"
        if not check.is_file():
            continue
        task = r.parent.name
        seed = r.name.rsplit("-s", 1)[1]
        stages = json.loads(check.read_text())["stages"]
        flagged = stages[-1]["balance"] < stages[-2]["balance"] - BALANCE_DROP
        acc = accuracy(r / "eval.txt")
        own = r / "eval-phase1.txt"
        p1 = accuracy(own if own.is_file() else r.parent / f"before-s{seed}" / "eval-phase1.txt")
        rows.append((task, r.name, acc, p1, zs.get(task), flagged))
    print(f"{'task':<6}{'run':<16}{'CoFT':>8}{'Phase I':>9}{'zero-shot':>11}  flag")
    for t, n, acc, p1, z, f in rows:
        print(f"{t:<6}{n:<16}{100 * acc:>7.2f}%{100 * p1:>8.2f}%{100 * z if z else float('nan'):>10.2f}%  "
              f"{'DOUBTFUL' if f else 'ok'}")
    for name, worse in (("below Phase I", lambda r: r[2] < r[3]), ("below zero-shot", lambda r: r[4] is not None
                                                                       and r[2] < r[4])):
        tp = sum(1 for r in rows if r[5] and worse(r))
        fp = sum(1 for r in rows if r[5] and not worse(r))
        fn = sum(1 for r in rows if not r[5] and worse(r))
        tn = sum(1 for r in rows if not r[5] and not worse(r))
        print(f"CoFT {name}: flagged {tp} of {tp + fn} such runs (recall {tp / max(tp + fn, 1):.2f}); "
              f"{fp} of {fp + tn} other runs flagged (false alarms); {len(rows)} runs")


if __name__ == "__main__":
    main()
