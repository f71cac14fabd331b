#!/usr/bin/env bash
# Soak of issue 18 (docs/benchmarks.md, "Soak: two instances"): two packaged instances, A and B, against
# one PostgreSQL database, one Keycloak and one chain mining a block a second (like QBFT), for
# DURATION seconds (default 600), bounded and on loopback only:
#   - 56 clients reading and searching (wrk, 28 connections per instance: reads by id and
#     Observation?patient=…&code=… as the EHR system through its custodian grant; every answer must
#     be 200);
#   - 5 clients writing Observations (3 through A, 2 through B, one write at a time each);
#   - 3 clients granting and revoking consents (alice and erin through A, bob through B): each writes a
#     consent for its own practitioner through one instance, waits until the other instance permits that
#     practitioner's read, revokes it through the first and at once reads through the other — a 200
#     there is a late permit.
# Reports every answer that is not the expected one (5xx above all), the late permits, and each
# instance's RSS at the start and the end of the load and its range over the second half (sampled
# every 10 s). wrk runs in 150 s windows (tokens live 300 s).
#
# Usage: src/bench/soak.sh [DURATION seconds]
# Needs: ./mvnw package -DskipTests, wrk, jq, psql, PostgreSQL at 127.0.0.1:5432. Drops and recreates
# BENCH_DB (default patienttwin_soak).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${1:-600}
DB=${BENCH_DB:-patienttwin_soak}
PORT=${BENCH_PORT:-8093}
PORT_B=$((PORT + 1))
HEAP=${BENCH_HEAP:--Xmx768m}
OUT=target/bench-soak
BASE=http://127.0.0.1:$PORT/fhir
BASE_B=http://127.0.0.1:$PORT_B/fhir
CP='target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*'
mkdir -p "$OUT"
rm -f "$OUT"/*.count "$OUT"/*.txt
RESULTS=$OUT/results.txt
: > "$RESULTS"

# shellcheck source=src/bench/common.sh
source src/bench/common.sh

B_PID=
start_b() {
  QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$DB?reWriteBatchedInserts=true" \
    QUARKUS_HTTP_PORT=$PORT_B QUARKUS_OIDC_AUTH_SERVER_URL="$REALM" \
    QUARKUS_OIDC_PORTAL_CREDENTIALS_SECRET=portal-secret \
    QUARKUS_OIDC_PORTAL_AUTHENTICATION_STATE_SECRET=bench-only-state-secret-0123456789abcdef \
    TWIN_PORTAL_CSRF_SECRET=bench-only-csrf-secret-0123456789abcdef0123 \
    TWIN_LEDGER_RPC_URL="$CHAIN" TWIN_LEDGER_DEPLOY_IF_ABSENT=true \
    TWIN_CONSENT_PSEUDONYM_SECRET=YmVuY2gtb25seS1wc2V1ZG9ueW0tc2VjcmV0LTAxMjM0NTY3ODk= \
    TWIN_LEDGER_PRIVATE_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d \
    java "$HEAP" -jar target/quarkus-app/quarkus-run.jar > "$OUT/app-b.log" 2>&1 &
  B_PID=$!
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT_B/q/health/ready" && return 0
    kill -0 "$B_PID" 2>/dev/null || { tail -40 "$OUT/app-b.log"; exit 1; }
    sleep 0.2
  done
  say "FAILED: instance B not ready"; exit 1
}
LOOPS=()
cleanup() {
  for pid in "${LOOPS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$B_PID" ] && { kill "$B_PID" 2>/dev/null || true; wait "$B_PID" 2>/dev/null || true; }
  stop_app
  stop_stack
}
trap cleanup EXIT

rss() { ps -o rss= -p "$1" | awk '{printf "%.0f MB", $1 / 1024}'; }
bump() { flock "$OUT/$1.count" sh -c "n=\$(cat '$OUT/$1.count' 2>/dev/null || echo 0); echo \$((n + 1)) > '$OUT/$1.count'"; }
count() { cat "$OUT/$1.count" 2>/dev/null || echo 0; }

say "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)"
say "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD), $DURATION s"
psql -h 127.0.0.1 -U postgres -tAq -c "drop database if exists $DB" -c "create database $DB"
start_stack --block-time 1
start_app "$OUT/app-a.log"
A_PID=$APP_PID
start_b

custodian_grant soak-custodian
EHR=$(token)
curl -sf -X PUT "$BASE/Patient/soak-p" -H "Authorization: Bearer $EHR" -H 'Content-Type: application/fhir+json' \
  -d '{"resourceType":"Patient","id":"soak-p","managingOrganization":{"reference":"Organization/soak-custodian"}}' > /dev/null
observation() {
  printf '{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2160-0"}]},"subject":{"reference":"Patient/soak-p"},"valueQuantity":{"value":%s,"unit":"mg/dL"}}' "$1"
}
: > "$OUT/paths.txt"
for i in $(seq 1 50); do
  id=$(curl -sf -X POST "$BASE/Observation" -H "Authorization: Bearer $EHR" -H 'Content-Type: application/fhir+json' \
    -d "$(observation "1.$i")" | jq -r .id)
  echo "/fhir/Observation/$id" >> "$OUT/paths.txt"
done
echo "/fhir/Observation?patient=soak-p&code=http%3A%2F%2Floinc.org%7C2160-0&_count=10" >> "$OUT/paths.txt"
FIRST_OBSERVATION=$(head -1 "$OUT/paths.txt")

# a consent of soak-p for one practitioner, through one instance (its id on stdout)
consent() {
  local base=$1 practitioner=$2
  curl -sf -X POST "$base/Consent" -H "Authorization: Bearer $(token)" -H 'Content-Type: application/fhir+json' -d "$(jq -n \
    --arg p "Practitioner/$practitioner" '{resourceType:"Consent",status:"active",
      scope:{coding:[{system:"http://terminology.hl7.org/CodeSystem/consentscope",code:"patient-privacy"}]},
      category:[{coding:[{system:"http://loinc.org",code:"59284-0"}]}],
      policyRule:{coding:[{system:"http://terminology.hl7.org/CodeSystem/v3-ActCode",code:"OPTIN"}]},
      patient:{reference:"Patient/soak-p"}, performer:[{reference:"Patient/soak-p"}],
      provision:{type:"permit", period:{start:"2026-01-01",end:"2036-01-01"},
        actor:[{reference:{reference:$p},role:{coding:[{system:"http://terminology.hl7.org/CodeSystem/v3-ParticipationType",code:"PRCP"}]}}],
        purpose:[{system:"http://terminology.hl7.org/CodeSystem/v3-ActReason",code:"TREAT"}],
        code:[{coding:[{system:"https://patienttwin.io/fhir/CodeSystem/data-category",code:"labs"}]}]}}')" | jq -r .id
}
status_of() { curl -s -o /dev/null -w '%{http_code}' "$1$FIRST_OBSERVATION" -H "Authorization: Bearer $2"; }

# one consent cycle client: grant through $1, wait for $2 to permit, revoke through $1, read through $2
consent_loop() {
  local through=$1 other=$2 practitioner=$3 id token status stored permitted
  while :; do
    token=$(user_token "$practitioner")
    id=$(consent "$through/fhir" "$practitioner") || { bump unexpected; continue; }
    permitted=
    for _ in $(seq 1 300); do
      [ "$(status_of "$other" "$token")" = 200 ] && { permitted=1; break; }
      sleep 0.05
    done
    [ -n "$permitted" ] || { bump unexpected; echo "consent $id never permitted on $other" >> "$OUT/unexpected.txt"; }
    stored=$(curl -sf "$through/fhir/Consent/$id" -H "Authorization: Bearer $(user_token carol)") || { bump unexpected; continue; }
    status=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$through/fhir/Consent/$id" -H "Authorization: Bearer $(token)" \
      -H 'Content-Type: application/fhir+json' -d "$(jq '.status = "inactive"' <<< "$stored")")
    [ "$status" = 200 ] || { bump unexpected; echo "revoke $id: $status" >> "$OUT/unexpected.txt"; continue; }
    [ "$(status_of "$other" "$token")" = 200 ] && { bump late; echo "late permit: $id on $other" >> "$OUT/late.txt"; }
    bump cycles
  done
}
# one writer client
write_loop() {
  local base=$1 status
  while :; do
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/Observation" -H "Authorization: Bearer $(token)" \
      -H 'Content-Type: application/fhir+json' -d "$(observation "2.$RANDOM")")
    if [ "$status" = 201 ]; then bump writes; else bump unexpected; echo "write: $status" >> "$OUT/unexpected.txt"; fi
  done
}

say "RSS at the start of the load: A $(rss "$A_PID"), B $(rss "$B_PID")"
# RSS of both instances every 10 s (seconds since the start, A and B in MB)
( t=0; while kill -0 "$A_PID" 2>/dev/null && kill -0 "$B_PID" 2>/dev/null; do
    echo "$t $(ps -o rss= -p "$A_PID" | awk '{print int($1/1024)}') $(ps -o rss= -p "$B_PID" | awk '{print int($1/1024)}')" >> "$OUT/rss.txt"
    sleep 10; t=$((t + 10))
  done ) & LOOPS+=($!)
A_URL=http://127.0.0.1:$PORT
B_URL=http://127.0.0.1:$PORT_B
consent_loop "$A_URL" "$B_URL" alice & LOOPS+=($!)
consent_loop "$B_URL" "$A_URL" bob & LOOPS+=($!)
consent_loop "$A_URL" "$B_URL" erin & LOOPS+=($!)
write_loop "$BASE" & LOOPS+=($!)
write_loop "$BASE" & LOOPS+=($!)
write_loop "$BASE" & LOOPS+=($!)
write_loop "$BASE_B" & LOOPS+=($!)
write_loop "$BASE_B" & LOOPS+=($!)

left=$DURATION
window=0
while [ "$left" -gt 0 ]; do
  seconds=$(( left < 150 ? left : 150 ))
  EHR=$(token)
  wrk -t1 -c28 -d"${seconds}s" --latency -s src/bench/random-path.lua "$A_URL" -- "$OUT/paths.txt" "$EHR" > "$OUT/wrk-a-$window.txt" &
  WA=$!
  wrk -t1 -c28 -d"${seconds}s" --latency -s src/bench/random-path.lua "$B_URL" -- "$OUT/paths.txt" "$EHR" > "$OUT/wrk-b-$window.txt"
  wait "$WA"
  left=$((left - seconds))
  window=$((window + 1))
done
say "RSS at the end of the load: A $(rss "$A_PID"), B $(rss "$B_PID")"
half=$((DURATION / 2))
say "RSS over the second half of the load (min–max MB): A $(awk -v h="$half" '$1 >= h {print $2}' "$OUT/rss.txt" | sort -n | sed -n '1p;$p' | paste -sd-), B $(awk -v h="$half" '$1 >= h {print $3}' "$OUT/rss.txt" | sort -n | sed -n '1p;$p' | paste -sd-); every 10 s in $OUT/rss.txt"
for pid in "${LOOPS[@]}"; do kill "$pid" 2>/dev/null || true; done
LOOPS=()

requests=0; bad=0
for f in "$OUT"/wrk-*.txt; do
  requests=$((requests + $(awk '/requests in/ {print $1}' "$f")))
  bad=$((bad + $(awk '/Non-2xx or 3xx responses/ {print $5}' "$f" | grep . || echo 0)))
done
say "reads and searches: $requests answered, $bad not 200; per window and instance: $(for f in "$OUT"/wrk-*.txt; do printf '%s %s/s p99 %s; ' "$(basename "$f" .txt)" "$(awk '/Requests\/sec/ {print $2}' "$f")" "$(awk '/ 99%/ {print $2}' "$f")"; done)"
say "writes: $(count writes) stored; consent cycles: $(count cycles); late permits: $(count late); other unexpected answers: $(count unexpected)"
say "5xx in the app logs (PT-500, PT-…-503): A $(grep -c 'Unexpected error on\|-503' "$OUT/app-a.log" || true), B $(grep -c 'Unexpected error on\|-503' "$OUT/app-b.log" || true)"
