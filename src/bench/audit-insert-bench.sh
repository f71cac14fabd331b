#!/usr/bin/env bash
# PostgreSQL's CPU per audit row by group size (docs/benchmarks.md, "Policy gate", "Audit writer"): the
# audit writer's two ways of writing a group with its integrity leaves (batched: id query, two JDBC
# batches; unnest: one statement), one commit per group, alternating batched, unnest, unnest, batched,
# on a scratch database with the audit_event and integrity_leaf tables of the migrations.
#
# Usage: src/bench/audit-insert-bench.sh [group sizes, default "1 2 5 10 16 50"]
#        BENCH_SERVER_CPUS=0 BENCH_LOAD_CPUS=1 …   (PostgreSQL and the client on their own cores)
# Needs: ./mvnw package -DskipTests (for the PostgreSQL driver), psql, PostgreSQL at 127.0.0.1:5432 on
# this machine (the CPU time is read from /proc). Drops and recreates BENCH_DB (default
# patienttwin_audit_bench).
set -euo pipefail
cd "$(dirname "$0")/../.."

DB=${BENCH_DB:-patienttwin_audit_bench}
SECONDS_PER_SIZE=${BENCH_MEASURE_SECONDS:-12}
SIZES=${*:-1 4 16}
OUT=target/bench-audit-insert
mkdir -p "$OUT/classes"
RESULTS=$OUT/results.txt
: > "$RESULTS"
DRIVER=$(ls target/quarkus-app/lib/main/org.postgresql.postgresql-*.jar)

# shellcheck source=src/bench/common.sh
source src/bench/common.sh

javac -d "$OUT/classes" src/bench/AuditInsertBench.java
psql -h 127.0.0.1 -U postgres -tAq -c "drop database if exists $DB" -c "create database $DB"
sed -n '/^create table audit_event/,$p' src/main/resources/db/migration/V5__audit_event.sql |
  psql -h 127.0.0.1 -U postgres -d "$DB" -q
# the integrity leaves (V6: the table and its index; V8: the leaf's place in its batch)
sed -n '/^create table integrity_leaf/,/^create index ix_integrity_leaf_batch/p' src/main/resources/db/migration/V6__integrity.sql |
  psql -h 127.0.0.1 -U postgres -d "$DB" -q
psql -h 127.0.0.1 -U postgres -d "$DB" -q -c "alter table integrity_leaf add column batch_index integer"
trap '[ -z "${BENCH_SERVER_CPUS:-}" ] || pin_postgres "0-$(($(nproc) - 1))"' EXIT
pin_postgres
say "machine: $(nproc) cores, $(java -version 2>&1 | head -1), $(psql --version); date $(date -u +%Y-%m-%dT%H:%MZ)"
say "PostgreSQL on CPU ${BENCH_SERVER_CPUS:-any}, client on CPU ${BENCH_LOAD_CPUS:-any}; $SECONDS_PER_SIZE s per group size"
# shellcheck disable=SC2086
$(pin_load) java -cp "$DRIVER:$OUT/classes" AuditInsertBench \
  "jdbc:postgresql://127.0.0.1:5432/$DB?reWriteBatchedInserts=true" "$SECONDS_PER_SIZE" $SIZES | tee -a "$RESULTS"
psql -h 127.0.0.1 -U postgres -tAq -c "drop database $DB"
