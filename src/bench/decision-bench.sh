#!/usr/bin/env bash
# JMH benchmark of the policy decision point with 100,000 consents indexed (DecisionPointBenchmark).
# Usage: src/bench/decision-bench.sh   (from the repository root; nothing else should run meanwhile)
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -o -q test-compile -Dspotless.check.skip=true
./mvnw -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" org.openjdk.jmh.Main \
  -rf json -rff target/decision-bench.json "DecisionPointBenchmark" "$@"
