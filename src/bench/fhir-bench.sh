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

say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }
psql_db() { psql -h 127.0.0.1 -U postgres -d "$DB" -tAq "$@"; }

STACK_PID=
REALM=
CHAIN=
start_stack() {
  java -cp "$CP" io.patienttwin.localstack.LocalStackCommand "${BENCH_KEYCLOAK_PORT:-8191}" "${BENCH_CHAIN_PORT:-8555}" \
    > "$OUT/localstack.log" 2>&1 &
  STACK_PID=$!
  for _ in $(seq 1 360); do
    grep -q '^READY ' "$OUT/localstack.log" && break
    kill -0 "$STACK_PID" 2>/dev/null || { tail -40 "$OUT/localstack.log"; exit 1; }
    sleep 0.5
  done
  REALM=$(grep '^READY ' "$OUT/localstack.log" | awk '{print $2}')
  CHAIN=$(grep '^READY ' "$OUT/localstack.log" | awk '{print $3}')
}
token() {
  curl -s "$REALM/protocol/openid-connect/token" -d grant_type=client_credentials -d client_id=ehr-system \
    -d client_secret=ehr-system-secret | sed 's/.*"access_token":"\([^"]*\)".*/\1/'
}

APP_PID=
RSS_PID=
stop_app() {
  [ -n "$RSS_PID" ] && kill "$RSS_PID" 2>/dev/null || true
  if [ -n "$APP_PID" ]; then
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  APP_PID=
  RSS_PID=
}
trap 'stop_app; [ -n "$STACK_PID" ] && kill "$STACK_PID" 2>/dev/null; wait' EXIT

start_app() {
  local log=$1
  local t0
  t0=$(date +%s.%N)
  QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$DB?reWriteBatchedInserts=true" \
    QUARKUS_HTTP_PORT=$PORT QUARKUS_OIDC_AUTH_SERVER_URL="$REALM" \
    QUARKUS_OIDC_PORTAL_CREDENTIALS_SECRET=portal-secret \
    QUARKUS_OIDC_PORTAL_AUTHENTICATION_STATE_SECRET=bench-only-state-secret-0123456789abcdef \
    TWIN_LEDGER_RPC_URL="$CHAIN" TWIN_LEDGER_DEPLOY_IF_ABSENT=true \
    TWIN_CONSENT_PSEUDONYM_SECRET=YmVuY2gtb25seS1wc2V1ZG9ueW0tc2VjcmV0LTAxMjM0NTY3ODk= \
    TWIN_LEDGER_PRIVATE_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d \
    java "$HEAP" -jar target/quarkus-app/quarkus-run.jar > "$log" 2>&1 &
  APP_PID=$!
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "$BASE/metadata" && break
    kill -0 "$APP_PID" 2>/dev/null || { tail -40 "$log"; exit 1; }
    sleep 0.1
  done
  local t1
  t1=$(date +%s.%N)
  say "startup: $(grep -o 'started in [0-9.]*s' "$log" | head -1) (Quarkus), $(echo "$t1 - $t0" | bc) s until /fhir/metadata answered"
  # Peak RSS of the app, sampled every second, into $OUT/rss-max.
  echo 0 > "$OUT/rss-max"
  ( while kill -0 "$APP_PID" 2>/dev/null; do
      rss=$(ps -o rss= -p "$APP_PID" 2>/dev/null | tr -d ' ')
      [ -n "$rss" ] && [ "$rss" -gt "$(cat "$OUT/rss-max")" ] && echo "$rss" > "$OUT/rss-max"
      sleep 1
    done ) &
  RSS_PID=$!
}

ingest() {
  local label=$1
  say "ingest ($label):"
  PATIENTTWIN_TOKEN=$(token) java -Xmx256m -cp "$CP" io.patienttwin.fhir.BulkLoadCommand "$POPULATION" "$BASE" "${BENCH_LOAD_PARALLELISM:-2}" > "$OUT/ingest-$label.log"
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
