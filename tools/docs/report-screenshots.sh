#!/usr/bin/env bash
# Regenerates the report screenshots in docs/: runs `coft demo` (embedded model, 400 shipped images, seed 0) into a
# work folder, renders its report.html in headless Chromium (Debian package chromium) and crops two parts of the page.
# Usage: tools/docs/report-screenshots.sh   (after `mvn -B -ntp -q package -DskipTests`)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
java -Dcoft.progress=off -jar examples/target/coft.jar demo --work "$work/demo" > "$work/demo.txt"
report="$(sed -n 's/^report: //p' "$work/demo.txt")"
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$work/profile" --hide-scrollbars \
  --window-size=1000,12000 --virtual-time-budget=5000 --screenshot="$work/page.png" "file://$report" 2>/dev/null
# the page from its top to the Phase I loss curve (what the run did, without labels), then the evaluation part
java tools/docs/CropPng.java "$work/page.png" docs/report-label-free.png 0 2990
java tools/docs/CropPng.java "$work/page.png" docs/report-evaluation.png 3960 6030
tail -1 "$work/demo.txt"
