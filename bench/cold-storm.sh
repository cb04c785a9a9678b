#!/usr/bin/env bash
# A session storm on a freshly started wsroute, with and without its warm-up (wsroute.warm-up.*): for each warm-up
# count given, starts wsroute standalone (the image's JVM flags, access log on) in front of two echo backends, waits
# until it reports ready, then runs three 5 s windows of sessions (connect, upgrade, one 64 B echo, close; 50 workers,
# no load-generator warm-up) and prints wsroute's CPU per session in each. Build first: mvn -B -q package -DskipTests
#
# With --tls the storm's sessions are wss:// ones (a full TLS handshake each, one self-signed ECDSA P-256 certificate
# made with openssl), to wsroute's TLS listener. A count N:T warms up with N sessions, N requests and T wss:// sessions.
#
# usage: bench/cold-storm.sh [--reps 2] [--tls] [WARM_UP_COUNT[:TLS_COUNT] ...]      (default counts: 0 20000)
set -euo pipefail
source "$(dirname "$0")/tls.sh"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench/target/wsroute-bench.jar"
WSROUTE="$ROOT/operator/target/quarkus-app/quarkus-run.jar"
REPS=2
TLS=0
while [[ "${1:-}" == --* ]]; do
  case "$1" in
    --reps) REPS="$2"; shift 2 ;;
    --tls) TLS=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
COUNTS=("$@")
((${#COUNTS[@]})) || COUNTS=(0 20000)
for f in "$BENCH" "$WSROUTE"; do [[ -f "$f" ]] || { echo "$f is missing: mvn -B -q package -DskipTests" >&2; exit 1; }; done
DIR="$(mktemp -d /tmp/wsroute-cold-storm.XXXXXX)"
CLK="$(getconf CLK_TCK)"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

for port in 7001 7002; do
  java -XX:+UseSerialGC -Xms64m -Xmx512m -cp "$BENCH" dev.wsroute.bench.EchoBackend --port "$port" --threads 1 \
    > "$DIR/backend-$port.log" 2>&1 &
done
cat > "$DIR/routes.yaml" <<YAML
apiVersion: wsroute.dev/v1alpha1
kind: WebSocketRoute
metadata: {name: bench, namespace: default}
spec:
  rules:
    - match: {path: {type: Prefix, value: /}}
      backends: [{endpoints: ["127.0.0.1:7001", "127.0.0.1:7002"]}]
      timeouts: {handshake: 10s, idle: 1h}
YAML
STORM=(--port 7100)
if ((TLS)); then
  bench_certificate "$DIR"
  serve_certificate "$DIR/routes.yaml" "$DIR"
  STORM=(--port 7143 --tls-ca "$DIR/tls.crt")
fi
field() { tr ' ' '\n' <<< "$1" | awk -F= -v k="$2" '$1 == k {print $2}'; }

storm_after() {  # warm-up count[:tls count] -> one line
  local warm="${1%%:*}" tls_warm=0 t0 pid line i r
  [[ "$1" == *:* ]] && tls_warm="${1#*:}"
  t0="$(date +%s%N)"
  java @"$ROOT/operator/src/main/docker/jvm.options" -Dwsroute.mode=standalone -Dwsroute.routes-file="$DIR/routes.yaml" \
    -Dwsroute.listen.host=127.0.0.1 -Dwsroute.listen.port=7100 -Dwsroute.listen.tls-enabled="$( ((TLS)) && echo true || echo false)" \
    -Dwsroute.listen.tls-port=7143 \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port=7190 -Dquarkus.http.host=127.0.0.1 \
    -Dquarkus.http.port=7191 -Dwsroute.warm-up.sessions="$warm" -Dwsroute.warm-up.requests="$warm" -Dwsroute.warm-up.tls-sessions="$tls_warm" \
    -jar "$WSROUTE" > "$DIR/wsroute-${1/:/+}.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 1200; i++)); do
    curl -fsS -o /dev/null http://127.0.0.1:7190/q/health/ready 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { echo "wsroute exited (see $DIR/wsroute-${1/:/+}.log)" >&2; exit 1; }
    sleep 0.1
  done
  line="warm-up $1: ready after $(( ($(date +%s%N) - t0) / 1000000 )) ms, $(awk -v t="$CLK" '{printf "%.1f", ($14 + $15) / t}' /proc/$pid/stat) s CPU;"
  for i in 1 2 3; do
    r="$(java -XX:+UseSerialGC -Xms64m -Xmx512m -jar "$BENCH" "${STORM[@]}" --clk-tck "$CLK" --cpu-pids "$pid" \
      --scenario sessions --size 64 --conns 50 --secs 5 --warmup-secs 0 --path /ws 2>>"$DIR/loadgen.err" | grep '^RESULT')"
    line+=" window $i: $(field "$r" cpu_us_per_op) µs/session (JIT $(field "$r" jit_us_per_op)), $(field "$r" rate)/s, $(field "$r" errors) errors;"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$line"
}

sleep 2
for ((rep = 1; rep <= REPS; rep++)); do
  for warm in "${COUNTS[@]}"; do storm_after "$warm"; done
done
echo "logs: $DIR"
