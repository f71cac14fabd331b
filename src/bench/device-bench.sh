#!/usr/bin/env bash
# Device benchmarks of docs/benchmarks.md ("Devices"), against the packaged app as deployed (PostgreSQL,
# a local Keycloak and Anvil chain from LocalStackCommand, Mosquitto as its own process):
#   1. sustained readings/s into the store: DEVICES devices publish READINGS readings (QoS 1) as fast as
#      the broker takes them, timed until the app's ingestion counter says all are stored;
#   2. publish -> screen: the devices publish each of RATES readings/s for SECONDS while alice's live twin page
#      (Server-Sent Events, signed in through Keycloak's form) follows device 0's patient.
#
# Usage: src/bench/device-bench.sh
# Needs: ./mvnw package -DskipTests (the packaged app), psql, curl, jq, mosquitto and mosquitto_passwd,
# PostgreSQL at 127.0.0.1:5432. Uses (drops and recreates) the database named by BENCH_DB
# (default patienttwin_bench).
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=${BENCH_DB:-patienttwin_bench}
PORT=${BENCH_PORT:-8090}
MQTT_PORT=${BENCH_MQTT_PORT:-1885}
HEAP=${BENCH_HEAP:--Xmx1g}
DEVICES=${BENCH_DEVICES:-50}
READINGS=${BENCH_READINGS:-100000}
WARMUP=${BENCH_WARMUP_READINGS:-20000}
RATES=${BENCH_RATES:-200 1000}
SECONDS_AT_RATE=${BENCH_SECONDS:-30}
OUT=target/bench-device
BASE=http://127.0.0.1:$PORT/fhir
CP='target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*'
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: > "$RESULTS"

# shellcheck source=src/bench/common.sh
source src/bench/common.sh

javac -cp "$CP" -d "$OUT/classes" src/bench/DeviceBench.java
bench() { java -cp "$OUT/classes:$CP" DeviceBench "$@" 2>> "$OUT/bench.err" | tee -a "$RESULTS"; }

# The broker: passwords, the device ACL of docs/operations.md, queues large enough for the whole run.
MQ=$OUT/mosquitto
rm -rf "$MQ" && mkdir -p "$MQ"
mosquitto_passwd -c -b "$MQ/passwd" patient-twin bench-mqtt-secret
for i in $(seq 0 $((DEVICES - 1))); do mosquitto_passwd -b "$MQ/passwd" "bench-$i" "bench-$i"; done
printf 'user patient-twin\ntopic read devices/#\ntopic write dead-letter/#\npattern write devices/%%u/#\n' > "$MQ/acl"
chmod 644 "$MQ/passwd" "$MQ/acl"
cat > "$MQ/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous false
password_file $PWD/$MQ/passwd
acl_file $PWD/$MQ/acl
persistence false
max_inflight_messages 1000
max_queued_messages 1000000
log_dest stdout
CONF
$(pin_server) mosquitto -c "$MQ/mosquitto.conf" > "$MQ/mosquitto.out" 2>&1 &
MQ_PID=$!
trap 'kill $MQ_PID 2>/dev/null || true; stop_app; stop_stack; [ -z "${BENCH_SERVER_CPUS:-}" ] || pin_postgres "0-$(($(nproc) - 1))"' EXIT

say "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), $(psql --version), $(mosquitto -h 2>/dev/null | head -1)"
say "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"

psql -h 127.0.0.1 -U postgres -tAq -c "drop database if exists $DB" -c "create database $DB"
start_stack
export TWIN_DEVICES_ENABLED=true TWIN_DEVICES_PORT=$MQTT_PORT TWIN_DEVICES_PASSWORD=bench-mqtt-secret
start_app "$OUT/app.log"

# Patients of a custodian organization, each with its registered monitor; alice may see device 0's patient.
custodian_grant bench-org
EHR=$(token)
for i in $(seq 0 $((DEVICES - 1))); do
  curl -sf -X PUT "$BASE/Patient/bench-p-$i" -H "Authorization: Bearer $EHR" -H 'Content-Type: application/fhir+json' \
    -d "{\"resourceType\":\"Patient\",\"id\":\"bench-p-$i\",\"managingOrganization\":{\"reference\":\"Organization/bench-org\"}}" > /dev/null
  curl -sf -X PUT "$BASE/Device/bench-$i" -H "Authorization: Bearer $EHR" -H 'Content-Type: application/fhir+json' \
    -d "{\"resourceType\":\"Device\",\"id\":\"bench-$i\",\"status\":\"active\",\"patient\":{\"reference\":\"Patient/bench-p-$i\"}}" > /dev/null
done
consent=$(curl -sf -X POST "$BASE/Consent" -H "Authorization: Bearer $EHR" -H 'Content-Type: application/fhir+json' -d '{
  "resourceType":"Consent","status":"active","patient":{"reference":"Patient/bench-p-0"},
  "performer":[{"reference":"Patient/bench-p-0"}],
  "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
  "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
  "provision":{"type":"permit","period":{"start":"2026-01-01"},
    "actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"PRCP"}]},
              "reference":{"reference":"Practitioner/alice"}}],
    "purpose":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"TREAT"}],
    "code":[{"coding":[{"system":"https://patienttwin.io/fhir/CodeSystem/data-category","code":"demographics"},
                       {"system":"https://patienttwin.io/fhir/CodeSystem/data-category","code":"vitals"}]}]}}' | jq -r .id)
for _ in $(seq 1 100); do
  [ "$(curl -s "$BASE/Consent/$consent" -H "Authorization: Bearer $(user_token carol)" | jq -r .status)" = active ] && break
  sleep 0.3
done
say "setup: $DEVICES patients with a registered device each; consent $consent of bench-p-0 to alice active"

ADMIN=$(user_token dave)
bench throughput "$MQTT_PORT" "$DEVICES" "$WARMUP" "http://127.0.0.1:$PORT" "$ADMIN" | sed 's/^/  warm-up: /'
cpu_snapshot > "$OUT/cpu-before"
bench throughput "$MQTT_PORT" "$DEVICES" "$READINGS" "http://127.0.0.1:$PORT" "$(user_token dave)"
say "  CPU during the run: $(cpu_report "$OUT/cpu-before")"
for rate in $RATES; do
  bench latency "$MQTT_PORT" "$DEVICES" "$rate" "$SECONDS_AT_RATE" "http://127.0.0.1:$PORT" bench-p-0
  # let the store drain what a rate above its capacity left queued before the next rate
  until [ "$(curl -s "http://127.0.0.1:$PORT/api/devices/ingestion" -H "Authorization: Bearer $(user_token dave)" | jq '.received - .stored - .duplicates')" -le 0 ]; do sleep 1; done
done
say "app peak RSS: $(( $(cat "$OUT/rss-max") / 1024 )) MiB; ingestion: $(curl -s "http://127.0.0.1:$PORT/api/devices/ingestion" -H "Authorization: Bearer $(user_token dave)")"
