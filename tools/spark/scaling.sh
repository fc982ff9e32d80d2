#!/usr/bin/env bash
# Throughput of the passes over all images with and without Spark (issue 17), on one machine:
#   tools/spark/scaling.sh TASK_DIR [JAR] [RUN_DIR]
# TASK_DIR: a task folder (e.g. from `coft task digits-real --out ...`, 10,000 images); JAR: coft.jar
# (default examples/target/coft.jar); RUN_DIR: an adapted coft run of that task for the predict rows (optional).
# For each pass it runs the plain command, then --spark-master local[2] with 1 and 2 partitions, checks that the
# output files are byte-identical, and prints images/s (from the command's progress line, the whole pass including
# Spark's start-up of the job, the model broadcast and the executors' model load) and the ratio to the plain run.
set -euo pipefail
TASK=${1:?usage: scaling.sh TASK_DIR [JAR] [RUN_DIR]}
JAR=${2:-examples/target/coft.jar}
RUN=${3:-}
OUT=$(mktemp -d)
rate() { grep -o '[0-9.]* images/s' "$1" | tail -1 | cut -d' ' -f1; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
printf '| pass | path | images/s | vs plain | output |\n|---|---|---:|---:|---|\n'
run() { # name, output file, args...
  local name=$1 file=$2; shift 2
  java -jar "$JAR" "$@" --out "$OUT/plain-$file" > "$OUT/plain.log" 2>&1
  local base; base=$(rate "$OUT/plain.log")
  printf '| %s | plain | %s | 1.00 | |\n' "$name" "$base"
  for p in 1 2; do
    java -jar "$JAR" "$@" --out "$OUT/spark$p-$file" --spark-master 'local[2]' --spark-partitions $p > "$OUT/s$p.log" 2>&1
    local r; r=$(rate "$OUT/s$p.log")
    local same=differs; cmp -s "$OUT/plain-$file" "$OUT/spark$p-$file" && same=byte-identical
    printf '| %s | local[2], %d partition(s) | %s | %.2f | %s |\n' "$name" $p "$r" "$(echo "$r / $base" | bc -l)" "$same"
  done
}
run "zero-shot (image tower + zero-shot head)" zs.csv zero-shot --data "$TASK"
if [ -n "$RUN" ]; then
  run "predict (fine-tuned classifier)" pred.csv predict --model "$RUN" --data "$TASK" --probabilities
fi
rm -rf "$OUT"
