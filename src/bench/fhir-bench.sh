#!/usr/bin/env bash
# FHIR server benchmark of docs/benchmarks.md: ingest of a Synthea population, read by id at 16
# concurrent clients, Observation?patient=X&code=Y at 4 concurrent clients, each cold (fresh JVM)
# and warm (after 3 minutes of load), plus startup time and RSS.
#
# Usage: src/bench/fhir-bench.sh <folder of Synthea FHIR bundles>
# Needs: ./mvnw package -DskipTests (the packaged app), wrk, psql, PostgreSQL at 127.0.0.1:5432.
# Uses (drops and recreates) the database named by BENCH_DB (default patienttwin_bench). Runs the
# packaged app as in production, with a local Keycloak and chain (LocalStackCommand): every request
# carries a fresh EHR-system token (tokens live 5 minutes; each phase gets its own).
set -euo pipefail
cd "$(dirname "$0")/../.."

POPULATION=${1:?usage: fhir-bench.sh <folder of Synthea FHIR bundles>}
DB=${BENCH_DB:-patienttwin_bench}
PORT=${BENCH_PORT:-8090}
HEAP=${BENCH_HEAP:--Xmx1g}
MEASURE=${BENCH_MEASURE_SECONDS:-30}
WARMUP=${BENCH_WARMUP_SECONDS:-180}
OUT=target/bench
BASE=http://127.0.0.1:$PORT/fhir
CP='target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*'
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: > "$RESULTS"

# shellcheck source=src/bench/common.sh
source src/bench/common.sh

ingest() {
  local label=$1
  say "ingest ($label):"
  PATIENTTWIN_TOKEN=$(token) PATIENTTWIN_MANAGING_ORGANIZATION=Organization/bench-custodian \
    java -Xmx256m -cp "$CP" io.patienttwin.fhir.BulkLoadCommand "$POPULATION" "$BASE" "${BENCH_LOAD_PARALLELISM:-2}" > "$OUT/ingest-$label.log"
  tail -1 "$OUT/ingest-$label.log" | tee -a "$RESULTS"
}

load() {
  local label=$1 connections=$2 seconds=$3 paths=$4
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s src/bench/random-path.lua "http://127.0.0.1:$PORT" -- "$paths" "$(token)" \
    > "$OUT/wrk-$label.txt"
  if [[ $label != warmup-* ]]; then
    say "$label ($connections clients, ${seconds}s): $(grep 'Requests/sec' "$OUT/wrk-$label.txt" | awk '{print $2}') requests/s," \
      "p50 $(grep -E '^ +50%' "$OUT/wrk-$label.txt" | awk '{print $2}')," \
      "p99 $(grep -E '^ +99%' "$OUT/wrk-$label.txt" | awk '{print $2}')," \
      "errors: $(grep -E 'Non-2xx|Socket errors' "$OUT/wrk-$label.txt" | tr '\n' ' ' || true)"
  fi
  if grep -q 'Non-2xx' "$OUT/wrk-$label.txt"; then
    say "FAILED: $label had non-2xx answers; the figures would not measure successful requests"
    exit 1
  fi
}

say "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), $(psql --version)"
say "date: $(date -u +%Y-%m-%dT%H:%MZ), population: $POPULATION ($(ls "$POPULATION" | wc -l) files)"

psql -h 127.0.0.1 -U postgres -tAq -c "drop database if exists $DB" -c "create database $DB"
start_stack
say "local stack: Keycloak $REALM, chain $CHAIN"

# Phase 1: cold ingest into an empty database, in a fresh JVM.
start_app "$OUT/app-ingest.log"
# the EHR system writes and reads through a custodian grant (docs/security.md, "Writes")
custodian_grant bench-custodian
ingest cold
say "rss peak during cold ingest: $(( $(cat "$OUT/rss-max") / 1024 )) MB"
stop_app
psql_db -c "vacuum analyze"
say "store: $(psql_db -c "select count(*) from fhir_resource") resources, $(psql_db -c "select count(*) from fhir_resource where res_type = 'Observation'") Observations"

psql_db -c "select '/fhir/Observation/' || res_id from fhir_resource where res_type = 'Observation' order by random() limit 20000" > "$OUT/read-paths.txt"
psql_db -c "select '/fhir/Observation?patient=' || r.patient_id || '&code=' || replace(t.system, ':', '%3A') || '%7C' || t.code
            from fhir_resource r join idx_token t on t.resource_pid = r.pid and t.name = 'code'
            where r.res_type = 'Observation' and t.system is not null
            group by r.patient_id, t.system, t.code order by random() limit 20000" > "$OUT/search-paths.txt"

# Phase 2: reads and searches cold (fresh JVM), then warm after WARMUP seconds of load, then warm ingest.
start_app "$OUT/app-load.log"
say "rss after start: $(( $(ps -o rss= -p "$APP_PID") / 1024 )) MB"
load read-cold 16 "$MEASURE" "$OUT/read-paths.txt"
load search-cold 4 "$MEASURE" "$OUT/search-paths.txt"
load warmup-read 16 $((WARMUP / 2)) "$OUT/read-paths.txt"
load warmup-search 4 $((WARMUP / 2)) "$OUT/search-paths.txt"
load read-warm 16 "$MEASURE" "$OUT/read-paths.txt"
load search-warm 4 "$MEASURE" "$OUT/search-paths.txt"
say "rss peak under read/search load: $(( $(cat "$OUT/rss-max") / 1024 )) MB"
ingest warm
say "rss peak including warm ingest: $(( $(cat "$OUT/rss-max") / 1024 )) MB"
stop_app
