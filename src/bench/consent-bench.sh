#!/usr/bin/env bash
# Consent benchmarks of docs/benchmarks.md, against the packaged app as deployed (PostgreSQL, a local
# Keycloak and Anvil chain from LocalStackCommand):
#   1. grant latency, request -> active (chain-confirmed), one grant at a time: instant mining, then
#      --block-time 2 (mines like a Besu QBFT network with 2 s blocks);
#   2. sustained grants/s through the outbox: many clients POST consents, timed until all are active;
#      with instant mining (Anvil mines one block per transaction) and with 1 s and 2 s blocks;
#   3. projection catch-up: POST /api/ledger/rebuild, timed until the follower is back at the head of
#      the chain the 1 s-block sustained run built (10,000 ConsentGranted events).
#
# Usage: src/bench/consent-bench.sh   (BENCH_ROUNDS="instant block-time-1 block-time-2" selects rounds)
# Needs: ./mvnw package -DskipTests (the packaged app), psql, curl, PostgreSQL at 127.0.0.1:5432.
# Uses (drops and recreates) the database named by BENCH_DB (default patienttwin_bench).
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=${BENCH_DB:-patienttwin_bench}
PORT=${BENCH_PORT:-8090}
HEAP=${BENCH_HEAP:--Xmx1g}
LATENCY_GRANTS=${BENCH_LATENCY_GRANTS:-200}
SLOW_LATENCY_GRANTS=${BENCH_SLOW_LATENCY_GRANTS:-60}
SUSTAINED_GRANTS=${BENCH_SUSTAINED_GRANTS:-10000}
INSTANT_SUSTAINED_GRANTS=${BENCH_INSTANT_SUSTAINED_GRANTS:-2000}
SLOW_SUSTAINED_GRANTS=${BENCH_SLOW_SUSTAINED_GRANTS:-10000}
CLIENTS=${BENCH_CLIENTS:-8}
WARMUP_GRANTS=${BENCH_WARMUP_GRANTS:-2000}
OUT=target/bench-consent
BASE=http://127.0.0.1:$PORT/fhir
CP='target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*'
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: > "$RESULTS"

# shellcheck source=src/bench/common.sh
source src/bench/common.sh

javac -d "$OUT/classes" src/bench/ConsentBench.java
bench() { java -cp "$OUT/classes" ConsentBench "$@" | tee -a "$RESULTS"; }
# A sustained run, with the CPU each process used during it (the client's own is left out). A warm-up
# run of WARMUP_GRANTS goes first, as the latency runs discard their first grants: a fresh JVM POSTs at
# about half its steady rate for its first 15 s, which is not what "sustained" measures.
sustained() {
  java -cp "$OUT/classes" ConsentBench throughput "$BASE" "$REALM" "$WARMUP_GRANTS" "$CLIENTS" | sed 's/^/  warm-up: /' | tee -a "$RESULTS"
  cpu_snapshot > "$OUT/cpu-before"
  bench throughput "$BASE" "$REALM" "$1" "$CLIENTS"
  say "  CPU during the run: $(cpu_report "$OUT/cpu-before")"
}

admin_token() {
  curl -s "$REALM/protocol/openid-connect/token" -d grant_type=password -d client_id=twin-cli \
    -d username=dave -d password=dave | sed 's/.*"access_token":"\([^"]*\)".*/\1/'
}
head_block() {
  curl -s -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' "$CHAIN" \
    | sed 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/' | xargs printf '%d\n'
}

# One chain setting: fresh database, fresh stack, fresh app.
round() {
  local label=$1; shift
  psql -h 127.0.0.1 -U postgres -tAq -c "drop database if exists $DB" -c "create database $DB"
  start_stack "$@"
  start_app "$OUT/app-$label.log"
  say "--- chain: $label (anvil $*)"
}

say "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), $(psql --version)"
say "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"

ROUNDS=${BENCH_ROUNDS:-instant block-time-1 block-time-2}
wanted() { [[ " $ROUNDS " == *" $1 "* ]]; }

if wanted instant; then
round instant
bench latency "$BASE" "$REALM" "$LATENCY_GRANTS"
sustained "$INSTANT_SUSTAINED_GRANTS"
stop_app
stop_stack
fi

# Interval mining like a Besu QBFT network: blocks every 1 s or 2 s, a block gas limit that holds a
# writer batch (500 grants, 72 M gas; Anvil's default is 30 M).
if wanted block-time-1; then
round block-time-1 --block-time 1 --gas-limit 1000000000
sustained "$SUSTAINED_GRANTS"
events=$(psql_db -c "select count(*) from ledger_event")
head=$(head_block)
admin=$(admin_token) # fetched before the clock starts: a Keycloak login is not part of catch-up
t0=$(date +%s.%N)
curl -sf -X POST -H "Authorization: Bearer $admin" "http://127.0.0.1:$PORT/api/ledger/rebuild" > /dev/null
until [ "$(psql_db -c "select coalesce(max(processed_block), -1) from ledger_cursor")" -ge "$head" ]; do sleep 0.02; done
t1=$(date +%s.%N)
say "projection catch-up (rebuild): $events events in $head blocks in $(echo "$t1 - $t0" | bc) s:" \
  "$(echo "$events / ($t1 - $t0)" | bc) events/s"
say "after rebuild: $(psql_db -c "select count(*) from consent_record where chain_state = 'ACTIVE'") consents active in the projection"
stop_app
stop_stack
fi

if wanted block-time-2; then
round block-time-2 --block-time 2 --gas-limit 1000000000
[ "$SLOW_LATENCY_GRANTS" -gt 0 ] && bench latency "$BASE" "$REALM" "$SLOW_LATENCY_GRANTS"
sustained "$SLOW_SUSTAINED_GRANTS"
stop_app
stop_stack
fi
