#!/usr/bin/env bash
# What the integrity leaves cost ingest (docs/benchmarks.md, "Integrity: ingest with leaves on and off"):
# the same Synthea population loaded into an empty database by the packaged app with
# twin.integrity.leaves=true and =false, alternating (on, off, off, on, …) in one run against one local
# stack, so that both see the same machine, JIT and database state. Prints each load and the ratio of
# the medians (on / off).
#
# Usage: src/bench/ingest-integrity-bench.sh <folder of Synthea FHIR bundles> [rounds, default 2]
#        BENCH_SERVER_CPUS=0 BENCH_LOAD_CPUS=1 …   (the app, PostgreSQL and the chain on CPU 0, the loader on CPU 1)
# Needs: ./mvnw package -DskipTests, psql, jq, PostgreSQL at 127.0.0.1:5432. Drops and recreates
# BENCH_DB (default patienttwin_ingest_bench).
set -euo pipefail
cd "$(dirname "$0")/../.."

POPULATION=${1:?usage: ingest-integrity-bench.sh <folder of Synthea FHIR bundles> [rounds]}
ROUNDS=${2:-2}
DB=${BENCH_DB:-patienttwin_ingest_bench}
PORT=${BENCH_PORT:-8090}
HEAP=${BENCH_HEAP:--Xmx1g}
OUT=target/bench-ingest-integrity
BASE=http://127.0.0.1:$PORT/fhir
CP='target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*'
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: > "$RESULTS"

# shellcheck source=src/bench/common.sh
source src/bench/common.sh

say "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), $(psql --version)"
say "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD), population: $POPULATION ($(ls "$POPULATION" | wc -l) files), $ROUNDS rounds"
pin_postgres
start_stack

load() {
  local mode=$1 n=$2 rate
  psql -h 127.0.0.1 -U postgres -tAq -c "drop database if exists $DB" -c "create database $DB"
  export TWIN_INTEGRITY_LEAVES=$mode
  start_app "$OUT/app-$mode-$n.log" > /dev/null
  custodian_grant bench-custodian
  PATIENTTWIN_TOKEN=$(token) PATIENTTWIN_MANAGING_ORGANIZATION=Organization/bench-custodian \
    $(pin_load) java -Xmx256m -cp "$CP" io.patienttwin.fhir.BulkLoadCommand "$POPULATION" "$BASE" "${BENCH_LOAD_PARALLELISM:-2}" \
    > "$OUT/ingest-$mode-$n.log"
  rate=$(tail -1 "$OUT/ingest-$mode-$n.log" | sed -E 's/.*\(([0-9,]+) resources\/s\).*/\1/; s/,//g')
  local leaves
  leaves=$(psql_db -c "select count(*) from integrity_leaf")
  stop_app
  say "leaves $mode, load $n: $(tail -1 "$OUT/ingest-$mode-$n.log") — $leaves leaves"
  echo "$mode $rate" >> "$OUT/rates.txt"
}

: > "$OUT/rates.txt"
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 == 1 )); then load true "$round"; load false "$round"; else load false "$round"; load true "$round"; fi
done
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
on=$(awk '$1 == "true" {print $2}' "$OUT/rates.txt" | median)
off=$(awk '$1 == "false" {print $2}' "$OUT/rates.txt" | median)
say "median ingest: leaves on $on resources/s, off $off resources/s, ratio on/off $(echo "scale=3; $on / $off" | bc)"
stop_stack
psql -h 127.0.0.1 -U postgres -tAq -c "drop database if exists $DB"
