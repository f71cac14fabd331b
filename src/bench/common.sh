# Shared by the benchmark scripts: results file, local stack (Keycloak + Anvil), EHR tokens, and the
# packaged app as deployed. Expects OUT, RESULTS, DB, PORT, HEAP, BASE and CP to be set by the caller.
# shellcheck shell=bash

say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

# CPU pinning (optional): BENCH_SERVER_CPUS (e.g. 0) for the app, Keycloak, Anvil and PostgreSQL,
# BENCH_LOAD_CPUS (e.g. 1) for the load generator, so that the load generator does not compete with
# what it measures. PostgreSQL runs as a service: its processes are pinned for the run and unpinned at
# exit (pin_postgres).
pin_server() { [ -n "${BENCH_SERVER_CPUS:-}" ] && echo "taskset -c $BENCH_SERVER_CPUS"; true; }
pin_load() { [ -n "${BENCH_LOAD_CPUS:-}" ] && echo "taskset -c $BENCH_LOAD_CPUS"; true; }
pin_postgres() {
  local cpus=${1:-${BENCH_SERVER_CPUS:-}} pid
  [ -n "$cpus" ] || return 0
  for pid in $(pgrep -u postgres); do taskset -a -p -c "$cpus" "$pid" > /dev/null 2>&1 || true; done
}
psql_db() { psql -h 127.0.0.1 -U postgres -d "$DB" -tAq "$@"; }

STACK_PID=
REALM=
CHAIN=
# start_stack [anvil options…]: a fresh Keycloak and a fresh chain (e.g. start_stack --block-time 2).
start_stack() {
  $(pin_server) java -cp "$CP" io.patienttwin.localstack.LocalStackCommand "${BENCH_KEYCLOAK_PORT:-8191}" "${BENCH_CHAIN_PORT:-8555}" "$@" \
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
user_token() {
  curl -s "$REALM/protocol/openid-connect/token" -d grant_type=password -d client_id=twin-cli \
    -d username="$1" -d password="$1" | sed 's/.*"access_token":"\([^"]*\)".*/\1/'
}
# custodian_grant ORGANIZATION-ID: stores the Organization (as the operator would, through the API) and
# records the EHR system's custodian grant for it, waiting until the chain has confirmed it. The EHR
# system writes and reads only patients of organizations it is custodian of (docs/security.md, "Writes").
custodian_grant() {
  local org=$1 grant
  curl -sf -X PUT "$BASE/Organization/$org" -H "Authorization: Bearer $(token)" -H 'Content-Type: application/fhir+json' \
    -d "{\"resourceType\":\"Organization\",\"id\":\"$org\",\"name\":\"Benchmark custodian\"}" > /dev/null
  grant=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/access-grants" -H "Authorization: Bearer $(user_token dave)" \
    -H 'Content-Type: application/json' -d "{\"kind\":\"CUSTODIAN\",\"subject\":\"ehr-system\",\"target\":\"Organization/$org\"}" | jq -r .id)
  for _ in $(seq 1 100); do
    [ "$(curl -s "http://127.0.0.1:$PORT/api/access-grants/$grant" -H "Authorization: Bearer $(user_token dave)" | jq -r .status)" = active ] && return 0
    sleep 0.3
  done
  say "FAILED: the custodian grant for Organization/$org did not become active"
  exit 1
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
stop_stack() {
  if [ -n "$STACK_PID" ]; then
    kill "$STACK_PID" 2>/dev/null || true
    wait "$STACK_PID" 2>/dev/null || true
  fi
  STACK_PID=
}
trap 'stop_app; stop_stack; [ -z "${BENCH_SERVER_CPUS:-}" ] || pin_postgres "0-$(($(nproc) - 1))"' EXIT

# BENCH_JFR_DIR=folder: each app start records a JFR profile there, named after its log file.
jfr_option() {
  [ -n "${BENCH_JFR_DIR:-}" ] || return 0
  mkdir -p "$BENCH_JFR_DIR"
  echo "-XX:StartFlightRecording=filename=$BENCH_JFR_DIR/$(basename "$1" .log).jfr,settings=profile"
}

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
    $(pin_server) java "$HEAP" ${BENCH_JAVA_OPTS:-} $(jfr_option "$log") -jar "${APP_DIR:-target/quarkus-app}/quarkus-run.jar" > "$log" 2>&1 &
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


# CPU time (clock ticks) of the processes a benchmark loads, as "pid ticks role" lines: the app (app),
# every PostgreSQL process (pg), the local chain (chain: anvil) and Keycloak (keycloak).
cpu_snapshot() {
  local pid role
  while read -r pid role; do
    [ -r "/proc/$pid/stat" ] && awk -v p="$pid" -v r="$role" '{print p, $14 + $15, r}' "/proc/$pid/stat" 2>/dev/null
  done < <(
    [ -n "$APP_PID" ] && echo "$APP_PID app"
    for pid in $(pgrep -u postgres); do echo "$pid pg"; done
    for pid in $(pgrep -x anvil); do echo "$pid chain"; done
    for pid in $(pgrep -f 'kc.home.dir'); do echo "$pid keycloak"; done
  )
}
# CPU ticks used by one role's processes since a snapshot: cpu_since app|pg|chain|keycloak FILE.
cpu_since() {
  local role=$1 before=$2
  cpu_snapshot | awk -v role="$role" 'NR == FNR {b[$1] = $2; next}
    $3 == role { s += $2 - ($1 in b ? b[$1] : 0) } END {print s + 0}' "$before" -
}
# "app 41.2 s, PostgreSQL 30.1 s, …": CPU seconds per role since a snapshot.
cpu_report() {
  local before=$1 hz
  hz=$(getconf CLK_TCK)
  printf 'app %.1f s, PostgreSQL %.1f s, chain %.1f s, Keycloak %.1f s' \
    "$(echo "$(cpu_since app "$before") / $hz" | bc -l)" "$(echo "$(cpu_since pg "$before") / $hz" | bc -l)" \
    "$(echo "$(cpu_since chain "$before") / $hz" | bc -l)" "$(echo "$(cpu_since keycloak "$before") / $hz" | bc -l)"
}

# PostgreSQL's CPU by kind of process ("backend", "autovacuum worker", "walwriter", …), as "pid ticks
# kind" lines: tells a query's own cost from the background work its writes cause.
pg_cpu_snapshot() {
  local pid kind
  for pid in $(pgrep -u postgres); do
    kind=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | sed -E 's/^postgres: ([0-9]+\/[^:]+: )?//; s/ +$//')
    case $kind in
      /*) kind=postmaster ;;
      *[0-9].[0-9]*\(*) kind=backend ;;
      *) kind=${kind// /_} ;;
    esac
    awk -v p="$pid" -v k="$kind" '{print p, $14 + $15, k}' "/proc/$pid/stat" 2>/dev/null
  done
}
# "backend 80, checkpointer 2, …": µs of PostgreSQL CPU per request by kind since a snapshot:
# pg_cpu_report FILE REQUESTS.
pg_cpu_report() { cpu_per_request_report pg_cpu_snapshot "$@"; }

# Idle share of the server's CPUs (BENCH_SERVER_CPUS, else all) since a snapshot of /proc/stat: a
# variant that leaves its CPU idle under a closed-loop load is waiting, not working.
cpu_idle_snapshot() { grep -E '^cpu[0-9]+ ' /proc/stat; }
cpu_idle_since() {
  local before=$1 cpus=${BENCH_SERVER_CPUS:-}
  cpu_idle_snapshot | awk -v cpus="$cpus" 'BEGIN { n = split(cpus, c, ","); for (i = 1; i <= n; i++) want["cpu" c[i]] = 1 }
    NR == FNR { for (i = 2; i <= 11; i++) b[$1, i] = $i; next }
    cpus == "" || ($1 in want) { for (i = 2; i <= 11; i++) { d = $i - b[$1, i]; all += d; if (i == 5 || i == 6) idle += d } }
    END { printf "%.0f", all ? 100 * idle / all : 0 }' "$1" -
}

# CPU time of the app's threads, as "tid ticks group" lines, the group being the thread's name without
# its number ("executor-thread-7" → "executor-thread", "C2 CompilerThread0" → "C2 CompilerThread"):
# tells where an app's CPU goes outside the Java frames a sampling profiler sees (GC, JIT, VM threads).
thread_cpu_snapshot() {
  local task name
  for task in /proc/"$APP_PID"/task/*; do
    name=$(cat "$task/comm" 2>/dev/null) || continue
    name=$(sed -E 's/[-#]?[0-9]+$//; s/ /_/g' <<< "$name")
    awk -v t="${task##*/}" -v g="$name" '{print t, $14 + $15, g}' "$task/stat" 2>/dev/null
  done
}
# "executor-thread 310, GC_Thread 42, …": µs of CPU per request by thread group since a snapshot,
# largest first: thread_cpu_report FILE REQUESTS.
thread_cpu_report() { cpu_per_request_report thread_cpu_snapshot "$@"; }

# µs of CPU per request by group since a snapshot, largest first, as "group µs, …":
# cpu_per_request_report SNAPSHOT_FUNCTION FILE REQUESTS, the function printing "id ticks group" lines.
cpu_per_request_report() {
  local snapshot=$1 before=$2 requests=$3 hz
  hz=$(getconf CLK_TCK)
  "$snapshot" | awk -v hz="$hz" -v n="$requests" 'NR == FNR {b[$1] = $2; next}
    { s[$3] += $2 - ($1 in b ? b[$1] : 0) }
    END { for (g in s) if (s[g] > 0) printf "%d %s\n", s[g] * 1000000 / hz / n, g }' "$before" - |
    sort -rn | awk '{printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1}'
}
