#!/usr/bin/env bash
# Writes the demo's embedded real-image sample (examples/src/main/resources/demo/fashion-mnist-test-sample.bin.gz):
# the first 40 images of each class of the Fashion-MNIST test split, unrotated, with their indices (format in
# examples/src/main/java/org/coft/cli/task/DemoSample.java). Needs the installed data set (Debian:
# apt-get install dataset-fashion-mnist) and a built jar (mvn -B -ntp -q package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=${1:-/usr/share/datasets/fashion-mnist}
java -cp examples/target/coft.jar org.coft.cli.task.DemoSample "$SRC" \
  examples/src/main/resources/demo/fashion-mnist-test-sample.bin.gz
ls -l examples/src/main/resources/demo/fashion-mnist-test-sample.bin.gz
