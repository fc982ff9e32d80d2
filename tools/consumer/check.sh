#!/usr/bin/env bash
# Proves the modules' Maven coordinates work from outside the build: installs the project into the local repository,
# then builds examples/consumer (its own pom.xml, depending on org.coft:coft-dl4j and org.coft:arbiter-search) and
# runs it on the embedded micro-CLIP. Exits non-zero when any step fails. .ci/run calls it after the tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
mvn -B -ntp -q install -DskipTests
cd examples/consumer
mvn -B -ntp -q package
mvn -B -ntp -q dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "target/classes:$(cat target/classpath.txt)" \
  org.coft.sample.ConsumerMain "$root/models/micro-clip" 2>&1 | grep -v "Added differentiated op"
