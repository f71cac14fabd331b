#!/usr/bin/env bash
# Gated versus ungated FHIR throughput, in one run (issue 5, docs/benchmarks.md): the same database,
# chain, Keycloak and requests, served by the normal build (every read decided, filtered in SQL and
# audited) and by a build with the build profile "ungated" (policy.UngatedPolicyDecisionPoint and
# fhir.store.UnauditedAccessLog: no decisions, no filter, no audit). Read by id at 16 concurrent
# clients and Observation?patient=X&code=Y at 4, as the EHR system reading through its custodian
# grant. Both variants run at once; after a warm-up of each (BENCH_WARMUP_SECONDS per kind), they are
# measured in alternating windows of BENCH_MEASURE_SECONDS, each while the other idles, in ABBA order
# for BENCH_ROUNDS rounds (use an even number).
#
# Usage: src/bench/gate-bench.sh [folder of Synthea FHIR bundles, default target/synthea/fhir]
#        BENCH_SERVER_CPUS=0 BENCH_LOAD_CPUS=1 src/bench/gate-bench.sh   (server and wrk on their own cores)
# Needs: wrk, jq, psql, PostgreSQL at 127.0.0.1:5432; builds both variants itself (offline Maven).
# Uses (drops and recreates) the database named by BENCH_DB (default patienttwin_gate_bench);
# BENCH_REUSE_DB=1 keeps it when an earlier run loaded it.
set -euo pipefail
cd "$(dirname "$0")/../.."

POPULATION=${1:-target/synthea/fhir}
DB=${BENCH_DB:-patienttwin_gate_bench}
PORT=${BENCH_PORT:-8090}
HEAP=${BENCH_HEAP:--Xmx1g}
MEASURE=${BENCH_MEASURE_SECONDS:-30}
WARMUP=${BENCH_WARMUP_SECONDS:-30}
ROUNDS=${BENCH_ROUNDS:-2}
OUT=target/bench-gate
BASE=http://127.0.0.1:$PORT/fhir
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: > "$RESULTS"

./mvnw -o -q package -DskipTests -Dspotless.check.skip=true
rm -rf "$OUT/gated-app" && cp -r target/quarkus-app "$OUT/gated-app"
./mvnw -o -q package -DskipTests -Dspotless.check.skip=true -Dquarkus.profile=ungated
rm -rf "$OUT/ungated-app" && cp -r target/quarkus-app "$OUT/ungated-app"
CP="$OUT/gated-app/app/*:$OUT/gated-app/lib/main/*:$OUT/gated-app/lib/boot/*"

# shellcheck source=src/bench/common.sh
source src/bench/common.sh

load() {
  local label=$1 connections=$2 seconds=$3 paths=$4
  cpu_snapshot > "$OUT/cpu-before"
  thread_cpu_snapshot > "$OUT/threads-before"
  cpu_idle_snapshot > "$OUT/idle-before"
  pg_cpu_snapshot > "$OUT/pg-before"
  local sys_before
  sys_before=$(awk '{print $15}' "/proc/$APP_PID/stat")
  $(pin_load) wrk -t2 -c"$connections" -d"${seconds}s" --latency -s src/bench/random-path.lua "http://127.0.0.1:$PORT" -- "$paths" "$(token)" \
    > "$OUT/wrk-$label.txt"
  local app_ticks pg_ticks
  app_ticks=$(cpu_since app "$OUT/cpu-before")
  pg_ticks=$(cpu_since pg "$OUT/cpu-before")
  local app_sys_ticks=$(($(awk '{print $15}' "/proc/$APP_PID/stat") - sys_before))
  local idle
  idle=$(cpu_idle_since "$OUT/idle-before")
  if grep -q 'Non-2xx' "$OUT/wrk-$label.txt"; then
    say "FAILED: $label had non-2xx answers; the figures would not measure successful requests"
    exit 1
  fi
  if [[ $label != warmup-* ]]; then
    local rps requests app_us pg_us app_sys_us
    rps=$(grep 'Requests/sec' "$OUT/wrk-$label.txt" | awk '{print $2}')
    requests=$(grep -E '^ +[0-9]+ requests in' "$OUT/wrk-$label.txt" | awk '{print $1}')
    # CPU per request: a steadier measure than requests/s on cores shared with the load generator
    app_us=$(echo "$app_ticks * 1000000 / $(getconf CLK_TCK) / $requests" | bc)
    pg_us=$(echo "$pg_ticks * 1000000 / $(getconf CLK_TCK) / $requests" | bc)
    app_sys_us=$(echo "$app_sys_ticks * 1000000 / $(getconf CLK_TCK) / $requests" | bc)
    echo "$label $rps $app_us $pg_us" >> "$OUT/rates.txt"
    say "$label ($connections clients, ${seconds}s): $rps requests/s," \
      "p50 $(grep -E '^ +50%' "$OUT/wrk-$label.txt" | awk '{print $2}')," \
      "p99 $(grep -E '^ +99%' "$OUT/wrk-$label.txt" | awk '{print $2}')," \
      "CPU per request: app $app_us µs (of which kernel $app_sys_us µs), PostgreSQL $pg_us µs," \
      "server CPU idle $idle %"
    say "  app CPU per request by thread, µs: $(thread_cpu_report "$OUT/threads-before" "$requests")"
    say "  PostgreSQL CPU per request by process, µs: $(pg_cpu_report "$OUT/pg-before" "$requests")"
  fi
}

say "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), $(psql --version)"
say "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'), population: $POPULATION"
: > "$OUT/rates.txt"

# BENCH_REUSE_DB=1 keeps a store loaded by an earlier run (same population): only the chain is new, so
# the consent projection is rebuilt from it and the custodian grant recorded again.
REUSE=
if [ -n "${BENCH_REUSE_DB:-}" ] && [ "$(psql -h 127.0.0.1 -U postgres -tAq -d "$DB" -c "select count(*) from fhir_resource where res_type = 'Patient' and managing_org = 'bench-custodian'" 2>/dev/null || echo 0)" -gt 0 ]; then
  REUSE=1
fi
if [ -z "$REUSE" ]; then
  psql -h 127.0.0.1 -U postgres -tAq -c "drop database if exists $DB" -c "create database $DB"
fi
pin_postgres
[ -z "${BENCH_SERVER_CPUS:-}" ] || say "pinned: app, Keycloak, Anvil and PostgreSQL on CPU $BENCH_SERVER_CPUS, wrk on CPU ${BENCH_LOAD_CPUS:-any}"
start_stack
APP_DIR=$OUT/gated-app start_app "$OUT/app-setup.log"
if [ -n "$REUSE" ]; then
  say "store reused from an earlier run (BENCH_REUSE_DB); consent projection rebuilt from the new chain"
  curl -sf -X POST "http://127.0.0.1:$PORT/api/ledger/rebuild" -H "Authorization: Bearer $(user_token dave)" > /dev/null
  psql_db -c "truncate audit_event"
else
  # The EHR system writes (and reads) only patients of organizations it is custodian of, and Synthea names
  # no managing organization: the grant comes first, and the load gives every Patient that organization.
  custodian_grant bench-custodian
  PATIENTTWIN_TOKEN=$(token) PATIENTTWIN_MANAGING_ORGANIZATION=Organization/bench-custodian \
    java -Xmx256m -cp "$CP" io.patienttwin.fhir.BulkLoadCommand "$POPULATION" "$BASE" 2 > "$OUT/ingest.log"
  tail -1 "$OUT/ingest.log" | tee -a "$RESULTS"
fi
if [ -n "$REUSE" ]; then
  custodian_grant bench-custodian
fi
stop_app
psql_db -c "vacuum analyze"
say "store: $(psql_db -c "select count(*) from fhir_resource") resources, $(psql_db -c "select count(*) from fhir_resource where res_type = 'Observation'") Observations, $(psql_db -c "select count(*) from fhir_resource where res_type = 'Patient'") Patients"

psql_db -c "select '/fhir/Observation/' || res_id from fhir_resource where res_type = 'Observation' order by random() limit 20000" > "$OUT/read-paths.txt"
psql_db -c "select '/fhir/Observation?patient=' || r.patient_id || '&code=' || replace(t.system, ':', '%3A') || '%7C' || t.code
            from fhir_resource r join idx_token t on t.resource_pid = r.pid and t.name = 'code'
            where r.res_type = 'Observation' and t.system is not null
            group by r.patient_id, t.system, t.code order by random() limit 20000" > "$OUT/search-paths.txt"

# Both variants run side by side (the gated one on PORT, the ungated one on PORT + 1, both pinned like
# the rest of the server) and are measured in alternating windows, ABBA within each round, each after
# its own warm-up. An idle variant costs next to nothing, and alternating short windows cancels the
# drift of a shared machine, which one JVM per round did not: the same build gave 218 and 349 reads/s
# twenty minutes apart on 2026-11-26.
GATED_PORT=$PORT
UNGATED_PORT=$((PORT + 1))
APP_DIR=$OUT/gated-app start_app "$OUT/app-gated.log"
GATED_PID=$APP_PID
PORT=$UNGATED_PORT BASE=http://127.0.0.1:$UNGATED_PORT/fhir APP_DIR=$OUT/ungated-app start_app "$OUT/app-ungated.log"
UNGATED_PID=$APP_PID
trap 'kill "$GATED_PID" "$UNGATED_PID" 2>/dev/null || true; wait "$GATED_PID" "$UNGATED_PID" 2>/dev/null || true; stop_stack; [ -z "${BENCH_SERVER_CPUS:-}" ] || pin_postgres "0-$(($(nproc) - 1))"' EXIT
# measure VARIANT LABEL CLIENTS SECONDS PATHS: load one variant (the other one idles)
measure() {
  local variant=$1
  if [ "$variant" = gated ]; then PORT=$GATED_PORT APP_PID=$GATED_PID; else PORT=$UNGATED_PORT APP_PID=$UNGATED_PID; fi
  load "${@:2}"
}
for variant in gated ungated; do
  measure "$variant" "warmup-read-$variant" 16 "$WARMUP" "$OUT/read-paths.txt"
  measure "$variant" "warmup-search-$variant" 4 "$WARMUP" "$OUT/search-paths.txt"
done
for round in $(seq 1 "$ROUNDS"); do
  order="gated ungated"
  [ $((round % 2)) = 0 ] && order="ungated gated"
  for variant in $order; do
    measure "$variant" "read-$variant-$round" 16 "$MEASURE" "$OUT/read-paths.txt"
  done
  for variant in $order; do
    measure "$variant" "search-$variant-$round" 4 "$MEASURE" "$OUT/search-paths.txt"
  done
done
say "audit rows per audit commit (gated, all windows): $(psql_db -c "select round(count(*)::numeric / count(distinct xmin::text), 2) from audit_event")"
say "audit rows written by the gated runs: $(psql_db -c "select count(*) from audit_event")"
for kind in read search; do
  gated=$(grep "^$kind-gated-" "$OUT/rates.txt" | awk '{s += $2} END {print s / NR}')
  ungated=$(grep "^$kind-ungated-" "$OUT/rates.txt" | awk '{s += $2} END {print s / NR}')
  say "$kind: gated $gated requests/s, ungated $ungated requests/s (means of $ROUNDS rounds), ratio $(echo "scale=3; $gated / $ungated" | bc)"
  gcpu=$(grep "^$kind-gated-" "$OUT/rates.txt" | awk '{s += $3 + $4} END {print s / NR}')
  ucpu=$(grep "^$kind-ungated-" "$OUT/rates.txt" | awk '{s += $3 + $4} END {print s / NR}')
  say "$kind: CPU per request (app + PostgreSQL) gated $gcpu µs, ungated $ucpu µs, ratio ungated/gated $(echo "scale=3; $ucpu / $gcpu" | bc)"
done
