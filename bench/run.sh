#!/usr/bin/env bash
# Side-by-side benchmark: wsroute, nginx and HAProxy in front of the same two echo backends,
# on 127.0.0.1 only. Run as root on Debian (installs nginx and haproxy with apt-get if missing).
#
#   bench/run.sh [--proxies wsroute,wsroute-log,nginx,haproxy] [--secs 10] [--warmup 5]
#                [--idle-conns 9000] [--echo-conns 100] [--session-workers 50] [--http-conns 50]
#                [--rounds 1] [--scenarios idle,echo64,echo4k,sessions,http,paced64,pacedsessions]
#                [--paced-echo-rate 10000] [--paced-session-rate 1000] [--tls] [--strace] [--skip-build]
#
# Prints one RESULT line per scenario and proxy, then a markdown table (medians over rounds),
# also saved under bench/results/ (gitignored). Every process it starts is stopped on exit.
# wsroute runs as shipped (the image's JVM flags), access log off; wsroute-log: the same with the
# access log on (its default). --strace adds system calls per echo message, per session and per HTTP request
# (each only when --scenarios has it).
# Idle memory runs on each proxy alone, freshly started (once). Each round then starts every proxy afresh, warms
# each up, and runs each scenario on all of them in turn (the order turning each round), so that the figures compared
# come from the same minute or two of a shared machine.
# --proxies netty-relay adds the floor of a proxy on Netty 4.1: a bare byte relay (NettyRelay) on wsroute's Java and
# flags, with no parsing, routing or headers added; not in the default list.
set -euo pipefail
source "$(dirname "$0")/tls.sh"

PROXIES="wsroute,wsroute-log,nginx,haproxy"
SECS=10
WARMUP=5
IDLE_CONNS=9000
IDLE_PREWARM=200
ECHO_CONNS=100
SESSION_WORKERS=50
HTTP_CONNS=50
SKIP_BUILD=0
ROUNDS=1
TLS=0
STRACE=0
SCENARIOS="idle,echo64,echo4k,sessions,http,paced64,pacedsessions"
PACED_ECHO_RATE=10000
PACED_SESSION_RATE=1000

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --proxies) PROXIES="$2"; shift 2 ;;
    --secs) SECS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --idle-conns) IDLE_CONNS="$2"; shift 2 ;;
    --echo-conns) ECHO_CONNS="$2"; shift 2 ;;
    --session-workers) SESSION_WORKERS="$2"; shift 2 ;;
    --http-conns) HTTP_CONNS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --tls) TLS=1; shift ;;
    --strace) STRACE=1; shift ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --paced-echo-rate) PACED_ECHO_RATE="$2"; shift 2 ;;
    --paced-session-rate) PACED_SESSION_RATE="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
done
IFS=, read -r -a PROXY_LIST <<< "$PROXIES"
IFS=, read -r -a SCENARIO_LIST <<< "$SCENARIOS"
for s in "${SCENARIO_LIST[@]}"; do
  [[ "$s" =~ ^(idle|echo64|echo4k|sessions|http|paced64|pacedsessions)$ ]] || { echo "unknown scenario: $s" >&2; exit 2; }
done
wants() { [[ ",$SCENARIOS," == *",$1,"* ]]; }
for p in "${PROXY_LIST[@]}"; do
  [[ "$p" =~ ^(wsroute|wsroute-log|nginx|haproxy|netty-relay)$ ]] || { echo "unknown proxy: $p" >&2; exit 2; }
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_JAR="$ROOT/bench/target/wsroute-bench.jar"
WSROUTE_JAR="$ROOT/operator/target/quarkus-app/quarkus-run.jar"
RESULTS_DIR="$ROOT/bench/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RUN_DIR="$(mktemp -d /tmp/wsroute-bench.XXXXXX)"
chmod 755 "$RUN_DIR"
RAW="$RESULTS_DIR/$STAMP.txt"
TABLE="$RESULTS_DIR/$STAMP.md"
CLK_TCK="$(getconf CLK_TCK)"

# Ports: all below the ephemeral range set further down, all on 127.0.0.1.
BACKEND_PORTS=(7001 7002)
declare -A PROXY_PORT=([wsroute]=7100 [wsroute-log]=7110 [nginx]=7200 [haproxy]=7300 [netty-relay]=7400)
declare -A TLS_PORT=([wsroute]=7101 [wsroute-log]=7111 [nginx]=7201 [haproxy]=7301)
# the two wsroute instances run side by side (see load_round): each has its own management and Quarkus HTTP ports
declare -A MGMT_PORT=([wsroute]=7190 [wsroute-log]=7192)
declare -A QUARKUS_HTTP_PORT=([wsroute]=7191 [wsroute-log]=7193)
declare -A PID_OF=()   # proxy -> the pid of its running process (start_<proxy> sets it)
WS_PATH="/ws/echo"

JAVA_CLIENT_FLAGS=(-XX:+UseSerialGC -Xms64m -Xmx512m)
# the JVM flags the image ships: one file, read by the java launcher as an @argfile here and in the image
WSROUTE_FLAGS=("@$ROOT/operator/src/main/docker/jvm.options")
# JAVA_OPTS_APPEND adds to or overrides them, as in the image (e.g. JAVA_OPTS_APPEND=-Dwsroute.transport=io_uring)
read -r -a WSROUTE_APPEND <<< "${JAVA_OPTS_APPEND:-}"
# and on the Java release the image ships (Dockerfile.jvm's BASE_IMAGE): WSROUTE_JAVA, else found by image_java below
IMAGE_JAVA_FEATURE="$(sed -n 's/^ARG BASE_IMAGE=eclipse-temurin:\([0-9]*\).*/\1/p' "$ROOT/operator/src/main/docker/Dockerfile.jvm")"
WSROUTE_JAVA="${WSROUTE_JAVA:-}"

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- process bookkeeping
STARTED=()        # pids of every background process this script started
BACKEND_PIDS=()
SAVED_PORT_RANGE=""

stop_pid() {      # TERM, wait up to 5 s, then KILL; only pids this script started
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do stop_pid "$pid"; done
  wait 2>/dev/null || true
  if [[ -n "$SAVED_PORT_RANGE" ]]; then
    sysctl -q -w net.ipv4.ip_local_port_range="$SAVED_PORT_RANGE" >/dev/null 2>&1 || true
  fi
  log "logs and configs of this run: $RUN_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for_file_line() {  # file pattern seconds
  local file="$1" pattern="$2" secs="$3" i
  for ((i = 0; i < secs * 10; i++)); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

wait_for_port() {  # port seconds pid
  local port="$1" secs="$2" pid="$3" i
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

port_in_use() { ss -Htln "sport = :$1" | grep -q .; }

descendants() {  # pid -> the pid and all its descendants, one per line
  local root="$1" p ppid i=0
  local -a todo=("$root")
  declare -A kids=()
  while read -r p ppid; do kids[$ppid]+="$p "; done < <(ps -e -o pid=,ppid=)
  while ((i < ${#todo[@]} && i < 10000)); do
    for p in ${kids[${todo[$i]}]:-}; do todo+=("$p"); done
    i=$((i + 1))
  done
  printf '%s\n' "${todo[@]}"
}

rss_kib() {  # pid -> sum of VmRSS (KiB) over the pid and its descendants
  local total=0 p v
  for p in $(descendants "$1"); do
    v="$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)"
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# ---------------------------------------------------------------- preparation
prepare_machine() {
  local need=()
  for p in "${PROXY_LIST[@]}"; do
    case "$p" in
      nginx) command -v nginx >/dev/null || need+=(nginx) ;;
      haproxy) command -v haproxy >/dev/null || need+=(haproxy) ;;
    esac
  done
  command -v ps >/dev/null && command -v sysctl >/dev/null || need+=(procps)
  command -v ss >/dev/null || need+=(iproute2)
  command -v curl >/dev/null || need+=(curl)
  if ((${#need[@]})); then
    [[ $(id -u) -eq 0 ]] || die "installing ${need[*]} needs root"
    log "installing ${need[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  command -v java >/dev/null || die "java (JDK 17+) is required"
  [[ -n "$WSROUTE_JAVA" ]] || WSROUTE_JAVA="$(image_java)" \
    || die "wsroute runs on the image's Java $IMAGE_JAVA_FEATURE: none found (java on the PATH, /usr/lib/jvm/*); set WSROUTE_JAVA"
  log "wsroute runs on $WSROUTE_JAVA (Java $(java_feature "$WSROUTE_JAVA"))"
  command -v mvn >/dev/null || die "mvn (Maven 3.8+) is required"
  # Many short sessions: widen the ephemeral range (our listeners sit below it).
  if [[ $(id -u) -eq 0 ]]; then
    SAVED_PORT_RANGE="$(sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ')"
    sysctl -q -w net.ipv4.ip_local_port_range="10000 64999" >/dev/null || SAVED_PORT_RANGE=""
  fi
  local port
  for port in "${BACKEND_PORTS[@]}" "${PROXY_PORT[@]}" "${TLS_PORT[@]}" "${MGMT_PORT[@]}" "${QUARKUS_HTTP_PORT[@]}"; do
    port_in_use "$port" && die "port $port is already in use on this machine"
  done
  mkdir -p "$RESULTS_DIR"
}

make_certificate() {  # one self-signed ECDSA P-256 certificate for localhost / 127.0.0.1, shared by all proxies
  ((TLS)) || return 0
  command -v openssl >/dev/null || die "--tls needs openssl"
  bench_certificate "$RUN_DIR" || die "openssl could not make a certificate"
  cat "$RUN_DIR/tls.crt" "$RUN_DIR/tls.key" > "$RUN_DIR/tls.pem"
}

build() {
  ((SKIP_BUILD)) && { log "skipping the build"; return; }
  cd "$ROOT"
  if [[ " ${PROXY_LIST[*]} " == *" wsroute "* ]]; then
    log "building wsroute and the bench (mvn -B -q -DskipTests package)"
    mvn -B -q -DskipTests package
  else
    log "building the bench (mvn -B -q -pl bench -am package -DskipTests)"
    mvn -B -q -pl bench -am package -DskipTests
  fi
}

start_backends() {
  local port pid
  for port in "${BACKEND_PORTS[@]}"; do
    java -XX:+UseSerialGC -Xms64m -Xmx512m -cp "$BENCH_JAR" dev.wsroute.bench.EchoBackend \
      --port "$port" --threads 1 > "$RUN_DIR/backend-$port.log" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    BACKEND_PIDS+=("$pid")
    wait_for_file_line "$RUN_DIR/backend-$port.log" LISTENING 30 || die "echo backend on $port did not start"
  done
  log "echo backends up on ${BACKEND_PORTS[*]}"
}

# ---------------------------------------------------------------- proxies
write_wsroute_routes() {
  local f="$RUN_DIR/routes.yaml" eps="" port
  for port in "${BACKEND_PORTS[@]}"; do eps+="\"127.0.0.1:$port\", "; done
  eps="${eps%, }"
  cat > "$f" <<EOF
apiVersion: wsroute.dev/v1alpha1
kind: WebSocketRoute
metadata: {name: bench, namespace: default}
spec:
  rules:
    - match:
        path: {type: Prefix, value: /}
      backends:
        - endpoints: [$eps]
      timeouts: {handshake: 10s, idle: 1h}
  http:
    backends:
      - endpoints: [$eps]
EOF
  if ((TLS)); then serve_certificate "$f" "$RUN_DIR"; fi
  echo "$f"
}

java_feature() {  # java-binary -> its feature release (17, 25, ...)
  "$1" -XshowSettings:properties -version 2>&1 | awk -F' = ' '$1 ~ /^ *java.specification.version$/ {print $2}'
}

image_java() {  # -> the path of a java of the image's feature release, or fails
  local j
  for j in "$(command -v java)" /usr/lib/jvm/*/bin/java; do
    [[ -x "$j" && "$(java_feature "$j")" == "$IMAGE_JAVA_FEATURE" ]] && { echo "$j"; return 0; }
  done
  return 1
}

start_wsroute-log() { start_wsroute wsroute-log true; }

start_wsroute() {  # [name access-log]
  local name="${1:-wsroute}" access_log="${2:-false}"
  [[ -f "$WSROUTE_JAR" ]] || die "$WSROUTE_JAR is missing (build from the repo root)"
  local routes pid
  routes="$(write_wsroute_routes)"
  "$WSROUTE_JAVA" "${WSROUTE_FLAGS[@]}" \
    -Dwsroute.mode=standalone \
    -Dwsroute.routes-file="$routes" \
    -Dwsroute.listen.host=127.0.0.1 \
    -Dwsroute.listen.port="${PROXY_PORT[$name]}" \
    -Dwsroute.listen.tls-enabled="$( ((TLS)) && echo true || echo false)" \
    -Dwsroute.listen.tls-port="${TLS_PORT[$name]}" \
    -Dwsroute.access-log.enabled="$access_log" \
    -Dwsroute.limits.max-connections=9600 \
    -Dquarkus.management.host=127.0.0.1 \
    -Dquarkus.management.port="${MGMT_PORT[$name]}" \
    -Dquarkus.http.host=127.0.0.1 \
    -Dquarkus.http.port="${QUARKUS_HTTP_PORT[$name]}" \
    "${WSROUTE_APPEND[@]}" \
    -jar "$WSROUTE_JAR" > "$RUN_DIR/$name.log" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  wait_for_port "${PROXY_PORT[$name]}" 60 "$pid" || die "wsroute did not start (see $RUN_DIR/$name.log)"
  local i
  for ((i = 0; i < 300; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:${MGMT_PORT[$name]}/q/health/ready" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || die "wsroute exited (see $RUN_DIR/$name.log)"
    sleep 0.1
  done
  PID_OF[$name]="$pid"
}

start_nginx() {
  local conf="$RUN_DIR/nginx.conf" servers="" port pid
  for port in "${BACKEND_PORTS[@]}"; do servers+="    server 127.0.0.1:$port;"$'\n'; done
  mkdir -p "$RUN_DIR/nginx-tmp"
  local tls_listen=""
  if ((TLS)); then
    tls_listen="    listen 127.0.0.1:${TLS_PORT[nginx]} ssl backlog=4096;
    ssl_certificate $RUN_DIR/tls.crt;
    ssl_certificate_key $RUN_DIR/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;"
  fi
  cat > "$conf" <<EOF
worker_processes auto;
worker_rlimit_nofile 20000;
daemon off;
pid $RUN_DIR/nginx.pid;
error_log $RUN_DIR/nginx-error.log warn;
events { worker_connections 19500; }
http {
  access_log off;
  client_body_temp_path $RUN_DIR/nginx-tmp/body;
  proxy_temp_path $RUN_DIR/nginx-tmp/proxy;
  fastcgi_temp_path $RUN_DIR/nginx-tmp/fastcgi;
  uwsgi_temp_path $RUN_DIR/nginx-tmp/uwsgi;
  scgi_temp_path $RUN_DIR/nginx-tmp/scgi;
  keepalive_requests 1000000;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
  upstream echo_backends {
$servers    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${PROXY_PORT[nginx]} backlog=4096;
$tls_listen
    location / {
      proxy_pass http://echo_backends;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header Forwarded "for=\$remote_addr;proto=\$scheme;host=\$host";
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
  }
}
EOF
  nginx -t -c "$conf" > "$RUN_DIR/nginx-check.log" 2>&1 || die "nginx config rejected: $(cat "$RUN_DIR/nginx-check.log")"
  nginx -c "$conf" > "$RUN_DIR/nginx.log" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  wait_for_port "${PROXY_PORT[nginx]}" 30 "$pid" || die "nginx did not start (see $RUN_DIR/nginx-error.log)"
  PID_OF[nginx]="$pid"
}

start_haproxy() {
  local conf="$RUN_DIR/haproxy.cfg" servers="" port pid n=0 tls_bind=""
  ((TLS)) && tls_bind="  bind 127.0.0.1:${TLS_PORT[haproxy]} ssl crt $RUN_DIR/tls.pem ssl-min-ver TLSv1.2"
  for port in "${BACKEND_PORTS[@]}"; do n=$((n + 1)); servers+="  server echo$n 127.0.0.1:$port"$'\n'; done
  cat > "$conf" <<EOF
global
  maxconn 9800
defaults
  mode http
  maxconn 9800
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
  timeout http-request 10s
  timeout http-keep-alive 1h
frontend bench
  bind 127.0.0.1:${PROXY_PORT[haproxy]}
$tls_bind
  option forwardfor
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  http-request set-header Forwarded "for=%[src];proto=http;host=%[req.hdr(host)]"
  default_backend echo_backends
backend echo_backends
  balance roundrobin
$servers
EOF
  haproxy -c -f "$conf" > "$RUN_DIR/haproxy-check.log" 2>&1 || die "haproxy config rejected: $(cat "$RUN_DIR/haproxy-check.log")"
  haproxy -db -f "$conf" > "$RUN_DIR/haproxy.log" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  wait_for_port "${PROXY_PORT[haproxy]}" 30 "$pid" || die "haproxy did not start (see $RUN_DIR/haproxy.log)"
  PID_OF[haproxy]="$pid"
}

start_netty-relay() {  # the same java and JVM flags as wsroute, so the difference is wsroute's own work
  local pid backends
  backends="$(IFS=,; echo "${BACKEND_PORTS[*]}")"
  "$WSROUTE_JAVA" "${WSROUTE_FLAGS[@]}" "${WSROUTE_APPEND[@]}" -cp "$BENCH_JAR" dev.wsroute.bench.NettyRelay \
    --port "${PROXY_PORT[netty-relay]}" --backends "$backends" --threads "$(nproc)" > "$RUN_DIR/netty-relay.log" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  wait_for_port "${PROXY_PORT[netty-relay]}" 30 "$pid" || die "the Netty relay did not start (see $RUN_DIR/netty-relay.log)"
  PID_OF[netty-relay]="$pid"
}

# ---------------------------------------------------------------- scenarios
check_alive() {  # proxy -> the backends and the proxy must outlive every scenario, or the figures mean nothing
  local pid
  for pid in "${BACKEND_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "an echo backend (pid $pid) is gone; see $RUN_DIR/backend-*.log"
  done
  kill -0 "${PID_OF[$1]}" 2>/dev/null || die "$1 (pid ${PID_OF[$1]}) is gone; see $RUN_DIR"
}

loadgen() {  # proxy args... -> prints the RESULT line (also appended to $RAW)
  local proxy="$1"; shift
  local out
  check_alive "$proxy"
  local err="$RUN_DIR/loadgen-$proxy.last.err"
  out="$(java "${JAVA_CLIENT_FLAGS[@]}" -jar "$BENCH_JAR" --port "${PROXY_PORT[$proxy]}" --label "$proxy" \
    --cpu-pids "${PID_OF[$proxy]}" --clk-tck "$CLK_TCK" "$@" 2>"$err")" || true
  cat "$err" >> "$RUN_DIR/loadgen-$proxy.err"
  grep '^ERROR-CAUSE' "$err" | tee -a "$RAW" >&2 || true   # what each counted error saw
  check_alive "$proxy"
  out="$(grep '^RESULT' <<< "$out" || true)"
  [[ -n "$out" ]] || { log "no result from loadgen $* (see $RUN_DIR/loadgen-$proxy.err)"; return 0; }
  echo "$out" >> "$RAW"
  echo "$out" >&2
  echo "$out"
}

# RESULT field lookup: field "RESULT a=1 b=2" b -> 2
field() { tr ' ' '\n' <<< "$1" | awk -F= -v k="$2" '$1 == k {print $2}'; }

declare -A FIG=()   # "proxy|figure" -> values, one per round, space-separated

record() {  # proxy key line figure=field...
  local proxy="$1" key="$2" line="$3"; shift 3
  local pair v
  for pair in "$@"; do
    v="$(field "$line" "${pair#*=}")"
    [[ -n "$v" ]] && FIG["$proxy|$key.${pair%%=*}"]+="$v "
  done
  return 0
}

median() {  # "v1 v2 ..." -> median, or "-" when empty
  tr ' ' '\n' <<< "$1" | { grep . || true; } | sort -g |
    awk '{a[NR] = $1} END {if (NR == 0) print "-"; else {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; if (m == int(m)) printf "%d\n", m; else printf "%.2f\n", m}}'
}

warm_up() {
  local proxy="$1"
  log "$proxy: warm-up (${WARMUP} s per scenario)"
  loadgen "$proxy" --scenario echo --size 64 --conns "$ECHO_CONNS" --secs "$WARMUP" --path "$WS_PATH" > /dev/null
  local line
  line="$(loadgen "$proxy" --scenario sessions --size 64 --conns "$SESSION_WORKERS" --secs "$WARMUP" --path "$WS_PATH")"
  # a storm on a freshly started proxy (a restart or scale-out): the JVM still compiles the session path
  record "$proxy" cold_sessions "$line" cpu=cpu_us_per_op jit=jit_us_per_op
  loadgen "$proxy" --scenario http --conns "$HTTP_CONNS" --secs "$WARMUP" --path / > /dev/null
  if ((TLS)) && [[ -n "${TLS_PORT[$proxy]:-}" ]]; then
    loadgen "$proxy" --scenario sessions --size 64 --conns "$SESSION_WORKERS" --secs "$WARMUP" --path "$WS_PATH" \
      --port "${TLS_PORT[$proxy]}" --tls-ca "$RUN_DIR/tls.crt" > /dev/null
  fi
}

open_idle() {  # proxy total tag -> starts 2 idle generators holding total/2 connections each
  local proxy="$1" total="$2" tag="$3" gens=2 per i pid
  per=$(( (total + gens - 1) / gens ))
  IDLE_FIFO="$RUN_DIR/hold-$proxy-$tag"
  mkfifo "$IDLE_FIFO"
  IDLE_PIDS=()
  for ((i = 0; i < gens; i++)); do
    java "${JAVA_CLIENT_FLAGS[@]}" -jar "$BENCH_JAR" --scenario idle --port "${PROXY_PORT[$proxy]}" \
      --path "$WS_PATH" --label "$proxy" --conns "$per" --parallel 100 --secs 180 --threads 1 \
      < "$IDLE_FIFO" > "$RUN_DIR/idle-$proxy-$tag-$i.log" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    IDLE_PIDS+=("$pid")
  done
  exec {IDLE_HOLD_FD}> "$IDLE_FIFO"   # the generators hold their connections until this closes
  IDLE_OPENED=0
  IDLE_FAILED=0
  local line v
  for ((i = 0; i < gens; i++)); do
    wait_for_file_line "$RUN_DIR/idle-$proxy-$tag-$i.log" '^OPEN .* secs=[0-9.]*$' 150 ||
      log "$proxy: idle generator $i never reported OPEN"
    line="$(grep '^OPEN' "$RUN_DIR/idle-$proxy-$tag-$i.log" || true)"
    log "$tag: ${line:-no OPEN line}"
    v="$(field "$line" opened)"; IDLE_OPENED=$((IDLE_OPENED + ${v:-0}))
    v="$(field "$line" failed)"; IDLE_FAILED=$((IDLE_FAILED + ${v:-0}))
  done
}

close_idle() {  # releases the generators started by open_idle and waits for them to exit
  local pid i
  exec {IDLE_HOLD_FD}>&-
  for pid in "${IDLE_PIDS[@]}"; do
    for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    stop_pid "$pid"
  done
  rm -f "$IDLE_FIFO"
}

settled_rss() {  # pid label -> RSS (KiB) once it holds still: 5 readings 1 s apart within 256 KiB (at most 60 s)
  local pid="$1" label="$2" cur i lo hi
  local -a last=()
  for ((i = 1; i <= 60; i++)); do
    cur="$(rss_kib "$pid")"
    last+=("$cur")
    ((${#last[@]} > 5)) && last=("${last[@]:1}")
    if ((${#last[@]} == 5)); then
      lo="$(printf '%s\n' "${last[@]}" | sort -n | head -1)"
      hi="$(printf '%s\n' "${last[@]}" | sort -n | tail -1)"
      ((hi - lo < 256)) && break
    fi
    sleep 1
  done
  log "$label: RSS $cur KiB, settled after ${i} s"
  echo "$cur"
}

idle_memory() {  # on a freshly started proxy: RSS growth per idle proxied WebSocket
  local proxy="$1" before after line per_conn="0"
  # Pre-warm the handshake path with a few connections, opened and closed, so that the
  # one-time cost of lazily initialised code is not charged per connection.
  open_idle "$proxy" "$IDLE_PREWARM" prewarm
  close_idle
  sleep 2   # let the proxy finish closing (no event marks "all sockets released")
  # RSS is read once it holds still for 5 s (no event marks "memory settled"): a JVM's JIT compiler works on
  # for seconds after a burst of new code paths, and its scratch memory is transient, not per connection
  before="$(settled_rss "${PID_OF[$proxy]}" "$proxy before")"
  open_idle "$proxy" "$IDLE_CONNS" main
  after="$(settled_rss "${PID_OF[$proxy]}" "$proxy with $IDLE_OPENED idle")"
  close_idle
  ((IDLE_OPENED > 0)) && per_conn="$(awk -v a="$after" -v b="$before" -v n="$IDLE_OPENED" 'BEGIN {printf "%.2f", (a - b) / n}')"
  line="RESULT proxy=$proxy scenario=idle conns=$IDLE_OPENED failed=$IDLE_FAILED rss_before_kib=$before rss_after_kib=$after rss_per_conn_kib=$per_conn"
  echo "$line" >> "$RAW"
  echo "$line" >&2
  record "$proxy" idle "$line" conns=conns kib=rss_per_conn_kib
}

syscalls_per_op() {  # proxy key loadgen-args... -> records "key.sys": system calls of the proxy per operation
  local proxy="$1" key="$2"; shift 2
  wants "$key" || return 0
  local out="$RUN_DIR/strace-$proxy-$key.txt" spid line calls ops pids=() p
  for p in $(descendants "${PID_OF[$proxy]}"); do pids+=(-p "$p"); done   # -f: every thread of each process
  strace -c -f -q -o "$out" "${pids[@]}" 2>/dev/null &
  spid=$!
  STARTED+=("$spid")
  sleep 1   # attached
  line="$(loadgen "$proxy" "$@" --warmup-secs 0)"   # strace sees every operation: count them all (the proxy is warm)
  kill -INT "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  calls="$(awk '$NF == "total" {print $(NF-2)}' "$out")"
  ops="$(field "$line" ops)"
  if [[ -n "$calls" && -n "$ops" && "$ops" != "0" ]]; then
    local per
    per="$(awk -v c="$calls" -v o="$ops" 'BEGIN {printf "%.1f", c / o}')"
    FIG["$proxy|$key.sys"]+="$per "
    log "$proxy: $key under strace: $calls system calls / $ops = $per per operation ($out)"
  fi
}

measure() {  # proxy key label loadgen-args... -> one measured load scenario, when --scenarios wants it
  local proxy="$1" key="$2" label="$3" line; shift 3
  wants "$key" || return 0
  log "$proxy: $label"
  line="$(loadgen "$proxy" "$@" --secs "$SECS")"
  record "$proxy" "$key" "$line" rate=rate p50=p50us p99=p99us cpu=cpu_us_per_op kernel=sys_us_per_op \
    jit=jit_us_per_op gc=gc_us_per_op log=log_us_per_op errors=errors
}

measure_tls() {  # proxy key label loadgen-args... -> the same over the proxy's TLS port (the Netty relay has none)
  local proxy="$1" key="$2" label="$3" line; shift 3
  ((TLS)) && [[ -n "${TLS_PORT[$proxy]:-}" ]] || return 0
  log "$proxy: $label"
  line="$(loadgen "$proxy" "$@" --secs "$SECS" --port "${TLS_PORT[$proxy]}" --tls-ca "$RUN_DIR/tls.crt")"
  record "$proxy" "$key" "$line" rate=rate p50=p50us p99=p99us cpu=cpu_us_per_op errors=errors
}

start_proxy() { "start_$1"; }
stop_proxy() { stop_pid "${PID_OF[$1]}"; }

idle_round() {  # RSS per idle socket: each proxy alone, freshly started, so the storm of idle sockets leaves the load scenarios nothing
  wants idle || return 0
  local p
  for p in "${PROXY_LIST[@]}"; do
    [[ "$p" == wsroute-log ]] && continue  # the access log writes nothing for idle sockets
    log "$p: idle memory at $IDLE_CONNS connections (fresh proxy, load average $(cut -d' ' -f1-3 /proc/loadavg))"
    start_proxy "$p"
    idle_memory "$p"
    stop_proxy "$p"
  done
}

ORDER=()   # the proxies in this round's order

each() {  # function args... -> runs "function proxy args..." for each proxy of the round, in its order
  local p
  for p in "${ORDER[@]}"; do "$1" "$p" "${@:2}"; done
}

load_round() {  # round -> every proxy started afresh and warmed up; then each scenario on each proxy in turn
  local round="$1" n="${#PROXY_LIST[@]}" i
  wants echo64 || wants echo4k || wants sessions || wants http || wants paced64 || wants pacedsessions || return 0
  # a scenario's figures for all proxies come from one stretch of a minute or two, not from runs minutes apart
  # (a shared machine's load moves that much), and the order turns each round, so that none always goes first
  ORDER=()
  for ((i = 0; i < n; i++)); do ORDER+=("${PROXY_LIST[$(( (i + round - 1) % n ))]}"); done
  log "round $round: ${ORDER[*]} (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  each start_proxy
  each warm_up
  each measure echo64 "echo 64 B" --scenario echo --size 64 --conns "$ECHO_CONNS" --path "$WS_PATH"
  each measure echo4k "echo 4 KiB" --scenario echo --size 4096 --conns "$ECHO_CONNS" --path "$WS_PATH"
  each measure sessions "sessions" --scenario sessions --size 64 --conns "$SESSION_WORKERS" --path "$WS_PATH"
  each measure http "plain HTTP" --scenario http --conns "$HTTP_CONNS" --path /
  # the same work per second through every proxy, below what any of them saturates at: CPU per operation without
  # the batching a saturated proxy gets (it reads more per wake-up), and the tail latency of a proxy that keeps up
  each measure paced64 "echo 64 B at $PACED_ECHO_RATE messages/s" --scenario echo --size 64 --conns "$ECHO_CONNS" \
    --rate "$PACED_ECHO_RATE" --path "$WS_PATH"
  each measure pacedsessions "sessions at $PACED_SESSION_RATE/s" --scenario sessions --size 64 \
    --conns "$SESSION_WORKERS" --rate "$PACED_SESSION_RATE" --path "$WS_PATH"
  if ((STRACE)); then  # system calls per echo message, per session and per HTTP request (strace -c -f, 5 s each)
    each syscalls_per_op echo64 --scenario echo --size 64 --conns "$ECHO_CONNS" --secs 5 --path "$WS_PATH"
    each syscalls_per_op sessions --scenario sessions --size 64 --conns "$SESSION_WORKERS" --secs 5 --path "$WS_PATH"
    each syscalls_per_op http --scenario http --conns "$HTTP_CONNS" --secs 5 --path /
  fi
  each measure_tls wss_echo64 "wss:// echo 64 B" --scenario echo --size 64 --conns "$ECHO_CONNS" --path "$WS_PATH"
  each measure_tls wss_sessions "wss:// sessions" --scenario sessions --size 64 --conns "$SESSION_WORKERS" --path "$WS_PATH"
  each measure_tls wss_resumed "wss:// sessions, resumed" --scenario sessions --size 64 --conns "$SESSION_WORKERS" \
    --path "$WS_PATH" --tls-resume true
  each stop_proxy
}

# ---------------------------------------------------------------- report
ratio() {  # a b -> a/b with two decimals, or "-" when either is missing ("-") or b is 0
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "-" || b == "" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

per_round() {  # "a1 a2 ..." "b1 b2 ..." -> "a1/b1, a2/b2, ..." (two decimals)
  local -a a b out=()
  read -r -a a <<< "$1"; read -r -a b <<< "$2"
  local i
  for ((i = 0; i < ${#a[@]} && i < ${#b[@]}; i++)); do out+=("$(ratio "${a[i]}" "${b[i]}")"); done
  local IFS=,
  echo "${out[*]}" | sed 's/,/, /g'
}

report() {
  local has_ws=0 p row key label v
  [[ -n "${FIG[wsroute|echo64.cpu]:-}${FIG[wsroute|idle.kib]:-}" ]] && has_ws=1
  local header="| figure |" rule="|---|"
  for p in "${PROXY_LIST[@]}"; do header+=" $p |"; rule+="---:|"; done
  local has_log=0
  [[ " ${PROXY_LIST[*]} " == *" wsroute-log "* && " ${PROXY_LIST[*]} " == *" wsroute "* ]] && has_log=1
  if ((has_ws)); then
    for p in nginx haproxy; do
      [[ " ${PROXY_LIST[*]} " == *" $p "* ]] && { header+=" wsroute/$p |"; rule+="---:|"; }
    done
  fi
  ((has_log)) && { header+=" log on/off |"; rule+="---:|"; }
  local -a rows=(
    "echo64.rate|echo 64 B, messages/s"
    "echo64.p50|echo 64 B, p50 round trip µs"
    "echo64.p99|echo 64 B, p99 round trip µs"
    "echo64.cpu|echo 64 B, proxy CPU µs per message"
    "echo64.kernel|  of which in the kernel (system time), µs per message"
    "echo64.jit|  of which JVM compiler threads, µs per message"
    "echo64.gc|  of which JVM GC threads, µs per message"
    "echo4k.rate|echo 4 KiB, messages/s"
    "echo4k.p50|echo 4 KiB, p50 round trip µs"
    "echo4k.p99|echo 4 KiB, p99 round trip µs"
    "echo4k.cpu|echo 4 KiB, proxy CPU µs per message"
    "sessions.rate|WebSocket sessions/s"
    "sessions.p50|session p50 µs (connect to close)"
    "sessions.cpu|proxy CPU µs per session"
    "sessions.kernel|  of which in the kernel (system time), µs per session"
    "sessions.jit|  of which JVM compiler threads, µs per session"
    "sessions.gc|  of which JVM GC threads, µs per session"
    "sessions.log|  of which the access-log writer thread, µs per session"
    "cold_sessions.cpu|proxy CPU µs per session in the warm-up (fresh proxy, after its echo warm-up)"
    "cold_sessions.jit|  of which JVM compiler threads, µs per session"
    "http.rate|plain HTTP requests/s"
    "http.p50|HTTP p50 µs"
    "http.cpu|proxy CPU µs per HTTP request"
    "http.kernel|  of which in the kernel (system time), µs per HTTP request"
    "http.jit|  of which JVM compiler threads, µs per HTTP request"
    "http.gc|  of which JVM GC threads, µs per HTTP request"
    "http.log|  of which the access-log writer thread, µs per HTTP request"
    "paced64.rate|echo 64 B at $PACED_ECHO_RATE/s offered: messages/s"
    "paced64.p50|  p50 round trip µs (from when each message was due)"
    "paced64.p99|  p99 round trip µs (from when each message was due)"
    "paced64.cpu|  proxy CPU µs per message"
    "paced64.kernel|  of which in the kernel (system time), µs per message"
    "pacedsessions.rate|sessions at $PACED_SESSION_RATE/s offered: sessions/s"
    "pacedsessions.p50|  session p50 µs (from when each was due)"
    "pacedsessions.p99|  session p99 µs (from when each was due)"
    "pacedsessions.cpu|  proxy CPU µs per session"
    "pacedsessions.kernel|  of which in the kernel (system time), µs per session"
    "idle.kib|RSS per idle proxied connection, KiB"
    "idle.conns|idle connections open"
  )
  if ((STRACE)); then
    rows+=(
      "echo64.sys|system calls per 64 B echo message (strace -c -f)"
      "sessions.sys|system calls per session (strace -c -f)"
      "http.sys|system calls per HTTP request (strace -c -f)"
    )
  fi
  if ((TLS)); then
    rows+=(
      "wss_echo64.rate|wss:// echo 64 B, messages/s"
      "wss_echo64.p50|wss:// echo 64 B, p50 round trip µs"
      "wss_echo64.cpu|wss:// echo 64 B, proxy CPU µs per message"
      "wss_sessions.rate|wss:// sessions/s (full TLS handshake each)"
      "wss_sessions.cpu|wss:// proxy CPU µs per session"
      "wss_resumed.rate|wss:// sessions/s, each resuming a TLS session (returning clients)"
      "wss_resumed.cpu|wss:// proxy CPU µs per resumed session"
    )
  fi
  {
    echo "wsroute bench $STAMP — $(nproc) cores, $(uname -r), loopback; ${SECS} s per scenario, $ROUNDS round(s) (medians);"
    echo "echo: $ECHO_CONNS connections; sessions: $SESSION_WORKERS workers; http: $HTTP_CONNS keep-alive connections;"
    echo "paced: $PACED_ECHO_RATE messages/s on the echo connections, $PACED_SESSION_RATE sessions/s by the session workers;"
    echo "idle: $IDLE_CONNS connections, first round only. Load average at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "$header"
    echo "$rule"
    for row in "${rows[@]}"; do
      key="${row%%|*}"; label="${row#*|}"
      local line="| $label |"
      for p in "${PROXY_LIST[@]}"; do line+=" $(median "${FIG[$p|$key]:-}") |"; done
      if ((has_ws)); then
        for p in nginx haproxy; do
          if [[ " ${PROXY_LIST[*]} " == *" $p "* ]]; then
            v="$(ratio "$(median "${FIG[wsroute|$key]:-}")" "$(median "${FIG[$p|$key]:-}")")"
            line+=" $v |"
          fi
        done
      fi
      ((has_log)) && line+=" $(ratio "$(median "${FIG[wsroute-log|$key]:-}")" "$(median "${FIG[wsroute|$key]:-}")") |"
      echo "$line"
    done
    local errs=""
    for p in "${PROXY_LIST[@]}"; do
      for key in echo64 echo4k sessions http paced64 pacedsessions wss_echo64 wss_sessions wss_resumed; do
        v="$(tr ' ' '\n' <<< "${FIG[$p|$key.errors]:-}" | awk '{n += $1} END {print n + 0}')"
        [[ "$v" != "0" ]] && errs+=" $p/$key=$v"
      done
    done
    echo
    echo "Errors:${errs:- none}. Raw RESULT lines: $(basename "$RAW")."
    if ((ROUNDS > 1 && has_ws)); then
      echo
      echo "Per round (a median hides how much a shared machine moves), wsroute's proxy CPU ÷ each peer's:"
      for row in "echo64.cpu|per 64 B message" "sessions.cpu|per session" "http.cpu|per HTTP request" \
        "paced64.cpu|per 64 B message at $PACED_ECHO_RATE/s" "pacedsessions.cpu|per session at $PACED_SESSION_RATE/s"; do
        key="${row%%|*}"; label="${row#*|}"
        line="- $label:"
        for p in nginx haproxy; do
          [[ " ${PROXY_LIST[*]} " == *" $p "* && -n "${FIG[$p|$key]:-}" ]] || continue
          line+=" ÷ $p $(per_round "${FIG[wsroute|$key]:-}" "${FIG[$p|$key]:-}");"
        done
        echo "${line%;}"
      done
    fi
  } | tee "$TABLE"
  cp "$TABLE" "$RESULTS_DIR/latest.md"
}

# ---------------------------------------------------------------- main
prepare_machine
make_certificate
build
[[ -f "$BENCH_JAR" ]] || die "$BENCH_JAR is missing"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
start_backends
idle_round
for ((round = 1; round <= ROUNDS; round++)); do load_round "$round"; done
echo
report
log "table saved to $TABLE"
