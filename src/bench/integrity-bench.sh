#!/usr/bin/env bash
# Integrity benchmark of docs/benchmarks.md ("Integrity: sweep, proofs, gas"): a store of N leaves
# (default 1,000,000) anchored by the packaged app against a local chain, then
#   - the time the anchorer takes to close and anchor them, and the gas of each anchoring transaction;
#   - the sweep (POST /api/integrity/sweep) over all of them, timed, and its report (must be clean);
#   - $proof lookups of random anchored versions at 4 concurrent clients (wrk): throughput, p50, p99, and
#     the plain gated vread of the same versions as the baseline a proof cannot beat.
# The N Observation versions and their leaves are written by src/bench/IntegrityFill.java with the
# server's own leaf function (ingest through the API would take hours here); the sweep and the proofs
# read them as any stored version.
#
# Usage: src/bench/integrity-bench.sh [N]
#        BENCH_SERVER_CPUS=0 BENCH_LOAD_CPUS=1 …   (the app, PostgreSQL and the chain on CPU 0, wrk on CPU 1)
# Needs: ./mvnw package -DskipTests, wrk, psql, jq, PostgreSQL at 127.0.0.1:5432. Drops and recreates
# BENCH_DB (default patienttwin_integrity_bench).
set -euo pipefail
cd "$(dirname "$0")/../.."

COUNT=${1:-1000000}
DB=${BENCH_DB:-patienttwin_integrity_bench}
PORT=${BENCH_PORT:-8090}
HEAP=${BENCH_HEAP:--Xmx1g}
MEASURE=${BENCH_MEASURE_SECONDS:-30}
OUT=target/bench-integrity
BASE=http://127.0.0.1:$PORT/fhir
CP='target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*'
mkdir -p "$OUT/classes"
RESULTS=$OUT/results.txt
: > "$RESULTS"

# shellcheck source=src/bench/common.sh
source src/bench/common.sh

admin() { curl -sf -H "Authorization: Bearer $(user_token dave)" "$@"; }
rpc() {
  curl -sf -X POST "$CHAIN" -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}"
}

javac -cp "$CP" -d "$OUT/classes" src/bench/IntegrityFill.java
say "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), $(psql --version)"
say "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD), $COUNT leaves"
psql -h 127.0.0.1 -U postgres -tAq -c "drop database if exists $DB" -c "create database $DB"
pin_postgres
start_stack
start_app "$OUT/app-fill.log"
custodian_grant bench-custodian
curl -sf -X PUT "$BASE/Patient/bench-p" -H "Authorization: Bearer $(token)" -H 'Content-Type: application/fhir+json' \
  -d '{"resourceType":"Patient","id":"bench-p","managingOrganization":{"reference":"Organization/bench-custodian"}}' > /dev/null
# the app is stopped while the rows are written, so that the anchorer closes full batches afterwards
stop_app
$(pin_load) java -cp "$CP:$OUT/classes" IntegrityFill "jdbc:postgresql://127.0.0.1:5432/$DB?reWriteBatchedInserts=true" \
  bench-p "$COUNT" | tee -a "$RESULTS"
psql_db -c "vacuum analyze"

start_app "$OUT/app-anchor.log"
t0=$(date +%s.%N)
for _ in $(seq 1 3600); do
  backlog=$(admin "http://127.0.0.1:$PORT/api/integrity/backlog")
  [ "$(jq .waitingLeaves <<< "$backlog")" = 0 ] && [ "$(jq .unanchoredBatches <<< "$backlog")" = 0 ] && break
  sleep 1
done
t1=$(date +%s.%N)
[ "$(jq .waitingLeaves <<< "$backlog")" = 0 ] || { say "FAILED: leaves still waiting: $backlog"; exit 1; }
batches=$(psql_db -c "select count(*) from integrity_batch where block_number is not null")
say "anchoring: $(psql_db -c "select count(*) from integrity_leaf") leaves in $batches batches closed and anchored in $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s after the start"
gas=$(for tx in $(psql_db -c "select tx_hash from integrity_batch where tx_hash is not null"); do
  printf '%d\n' "$(rpc eth_getTransactionReceipt "[\"$tx\"]" | jq -r .result.gasUsed)"
done | sort -n)
say "gas per anchoring transaction: min $(head -1 <<< "$gas"), median $(sed -n "$(( ($(wc -l <<< "$gas") + 1) / 2 ))p" <<< "$gas"), max $(tail -1 <<< "$gas") ($(wc -l <<< "$gas") transactions; leaf count per batch: $(psql_db -c "select min(leaf_count) || '–' || max(leaf_count) from integrity_batch"))"

before=$(mktemp)
cpu_snapshot > "$before"
t0=$(date +%s.%N)
report=$(admin -X POST "http://127.0.0.1:$PORT/api/integrity/sweep")
t1=$(date +%s.%N)
say "sweep: $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s for $(jq .leaves <<< "$report") leaves in $(jq .batches <<< "$report") batches, clean: $(jq .clean <<< "$report") (missing $(jq .missing <<< "$report"), altered $(jq .altered <<< "$report"), extra $(jq .extra <<< "$report"), batches altered $(jq .batchesAltered <<< "$report")); CPU $(cpu_report "$before")"
[ "$(jq .clean <<< "$report")" = true ] || { say "FAILED: the sweep is not clean"; exit 1; }

psql_db -c "select '/fhir/Observation/' || res_id || '/_history/1/\$proof' from fhir_resource
            where res_type = 'Observation' and res_id like 'fill-%' order by random() limit 20000" > "$OUT/proof-paths.txt"
# the same random versions read plainly (the gated vread a proof starts with): the baseline of the proofs
sed 's#/\$proof$##' "$OUT/proof-paths.txt" > "$OUT/vread-paths.txt"
run_wrk() {
  local label=$1 paths=$2 seconds=$3
  $(pin_load) wrk -t2 -c4 -d"${seconds}s" --latency -s src/bench/random-path.lua "http://127.0.0.1:$PORT" -- \
    "$paths" "$(token)" > "$OUT/wrk-$label.txt"
  if grep -q 'Non-2xx' "$OUT/wrk-$label.txt"; then say "FAILED: $label had non-2xx answers"; exit 1; fi
}
report() {
  local what=$1 label=$2
  say "$what (4 clients, ${MEASURE}s, after 30 s warm-up): $(grep 'Requests/sec' "$OUT/wrk-$label.txt" | awk '{print $2}') requests/s," \
    "p50 $(grep -E '^ +50%' "$OUT/wrk-$label.txt" | awk '{print $2}'), p90 $(grep -E '^ +90%' "$OUT/wrk-$label.txt" | awk '{print $2}')," \
    "p99 $(grep -E '^ +99%' "$OUT/wrk-$label.txt" | awk '{print $2}')"
}
run_wrk proof-warmup "$OUT/proof-paths.txt" 30
run_wrk proof "$OUT/proof-paths.txt" "$MEASURE"
run_wrk vread-warmup "$OUT/vread-paths.txt" 30
run_wrk vread "$OUT/vread-paths.txt" "$MEASURE"
run_wrk proof-again "$OUT/proof-paths.txt" "$MEASURE"
report "\$proof of random versions" proof
report "plain vread of the same versions" vread
report "\$proof again (after the reads)" proof-again
stop_app
stop_stack
psql -h 127.0.0.1 -U postgres -tAq -c "drop database $DB"
