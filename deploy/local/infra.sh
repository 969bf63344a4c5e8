#!/usr/bin/env bash
# Clearance local infrastructure: a real single-node Kafka broker (KRaft, jars from Maven Central)
# and FerretDB v1.24.2 (MongoDB wire protocol, SQLite backend, built from the Go module), no Docker.
#
#   deploy/local/infra.sh start|stop|status|env|clean <dev|test>
#   deploy/local/infra.sh start-kafka|stop-kafka|start-mongo|stop-mongo <dev|test>
#
# See docs/operations.md, section "Local infrastructure", for ports, caches and env vars.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=kafka-started.sh
source "$SCRIPT_DIR/kafka-started.sh"

KAFKA_VERSION="${CLEARANCE_KAFKA_VERSION:-4.4.0}"
FERRETDB_VERSION="v1.24.2"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
CACHE_DIR="${CLEARANCE_CACHE_DIR:-$HOME/.cache/clearance}"
STATE_ROOT="${CLEARANCE_STATE_DIR:-$HOME/.cache/clearance/run}"
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
# patches carried in the FerretDB build (docs/operations.md, "FerretDB: the patches we carry"); the build is cached
# under a name that includes their hash, so changing a patch rebuilds and never reuses a binary built without it
FERRETDB_PATCHES=("$SCRIPT_DIR/ferretdb/sqlite-index-pushdown.patch" "$SCRIPT_DIR/ferretdb/sqlite-filter-pushdown.patch" "$SCRIPT_DIR/ferretdb/sqlite-synchronous-normal.patch" "$SCRIPT_DIR/ferretdb/sqlite-equality-pushdown.patch")
FERRETDB_BUILD="$FERRETDB_VERSION-clearance-$(cat "${FERRETDB_PATCHES[@]}" | sha256sum | cut -c1-12)"
FERRETDB_HOME="$CACHE_DIR/ferretdb-$FERRETDB_BUILD"
FERRETDB_BIN="$FERRETDB_HOME/ferretdb"
KAFKA_READY_TIMEOUT=90
FERRETDB_READY_TIMEOUT=30
STOP_TIMEOUT=20

# ---------------------------------------------------------------------------------------------
# output helpers
# ---------------------------------------------------------------------------------------------
now_ms() { local t="${EPOCHREALTIME//[.,]/}"; echo $((10#$t / 1000)); }
since() { # since <start_ms> -> "3.2s"
  local d=$(($(now_ms) - $1))
  printf '%d.%ds' $((d / 1000)) $(((d % 1000) / 100))
}
log() { echo "[infra] $*" >&2; }
die() { echo "[infra] ERROR: $*" >&2; exit 1; }
tail_log() { # tail_log <file> [lines]
  [[ -f "$1" ]] || return 0
  echo "[infra] --- last ${2:-30} lines of $1 ---" >&2
  tail -n "${2:-30}" "$1" | sed 's/^/[infra] | /' >&2
}
need() { # need <cmd> <what to install>
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH: install $2"
}

# ---------------------------------------------------------------------------------------------
# profile: ports and directories
# ---------------------------------------------------------------------------------------------
set_profile() {
  PROFILE="${1:-}"
  case "$PROFILE" in
    dev) KAFKA_PORT=9092 KAFKA_CONTROLLER_PORT=9093 MONGO_PORT=27017 FERRET_DEBUG_PORT=8088 ;;
    test) KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 MONGO_PORT=27018 FERRET_DEBUG_PORT=8089 ;;
    "") usage ;;
    *) die "unknown profile '$PROFILE' (use dev or test)" ;;
  esac
  KAFKA_PORT="${CLEARANCE_KAFKA_PORT:-$KAFKA_PORT}"
  KAFKA_CONTROLLER_PORT="${CLEARANCE_KAFKA_CONTROLLER_PORT:-$KAFKA_CONTROLLER_PORT}"
  MONGO_PORT="${CLEARANCE_MONGO_PORT:-$MONGO_PORT}"
  FERRET_DEBUG_PORT="${CLEARANCE_FERRET_DEBUG_PORT:-$FERRET_DEBUG_PORT}"
  # the SASL_SSL listener (TLS + SCRAM/PLAIN, a CA of its own): beside the PLAINTEXT one, for the security tests
  KAFKA_SECURE_PORT="${CLEARANCE_KAFKA_SECURE_PORT:-$((KAFKA_PORT + 2))}"
  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$MONGO_PORT" "$FERRET_DEBUG_PORT" "$KAFKA_SECURE_PORT"; do
    if ! [[ "$p" =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then die "invalid port '$p' in CLEARANCE_*_PORT"; fi
  done
  [[ "$(printf '%s\n' "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$MONGO_PORT" "$FERRET_DEBUG_PORT" "$KAFKA_SECURE_PORT" | sort -u | wc -l)" == 5 ]] ||
    die "ports must all differ: kafka $KAFKA_PORT, controller $KAFKA_CONTROLLER_PORT, mongo $MONGO_PORT, ferretdb debug $FERRET_DEBUG_PORT, kafka SASL_SSL $KAFKA_SECURE_PORT"

  STATE="$STATE_ROOT/$PROFILE"
  KAFKA_DATA="$STATE/kafka"
  KAFKA_PROPS="$STATE/kafka-server.properties"
  KAFKA_PID="$STATE/kafka.pid"
  KAFKA_LOG="$STATE/kafka.log"
  FERRET_DATA="$STATE/ferretdb"
  FERRET_PID="$STATE/ferretdb.pid"
  FERRET_LOG="$STATE/ferretdb.log"
  KAFKA_TLS="$STATE/kafka-tls"
}

# ---------------------------------------------------------------------------------------------
# probes (node: no client library needed, speaks the wire protocols directly)
# ---------------------------------------------------------------------------------------------
# kafka  <port> <timeout_ms>: Metadata v6 must list broker 1 and a controller, and FindCoordinator
#        v2 must return a coordinator for a consumer group and for a transactional id (this also
#        makes the broker create __consumer_offsets and __transaction_state up front, so the first
#        consumer group / transactional producer of a test run does not wait for them).
# mongo  <port> <debug_port> <timeout_ms>: GET /debug/readyz == 200, then OP_MSG ping and
#        listDatabases (touches the SQLite backend) must answer ok: 1.
# Exit 0 when healthy before the deadline, 1 otherwise (last error on stderr).
read -r -d '' PROBE_JS <<'EOF' || true
const net = require('net'), http = require('http');
const [mode, ...args] = process.argv.slice(1);
const HOST = '127.0.0.1';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function rpc(port, payload, frameLen, ms) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port });
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => { s.destroy(); reject(new Error(`no answer on ${port} within ${ms}ms`)); }, ms);
    s.on('connect', () => s.write(payload));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const n = frameLen(buf);
      if (n > 0 && buf.length >= n) { clearTimeout(t); s.destroy(); resolve(buf.subarray(0, n)); }
    });
    s.on('error', (e) => { clearTimeout(t); reject(e); });
    s.on('close', () => { clearTimeout(t); reject(new Error(`connection to ${port} closed`)); });
  });
}
// ---- kafka
const kstr = (s) => { const b = Buffer.from(s); const l = Buffer.alloc(2); l.writeInt16BE(b.length); return Buffer.concat([l, b]); };
function kreq(apiKey, ver, corr, body) {
  const h = Buffer.alloc(8); h.writeInt16BE(apiKey, 0); h.writeInt16BE(ver, 2); h.writeInt32BE(corr, 4);
  const msg = Buffer.concat([h, kstr('clearance-infra-probe'), body]);
  const len = Buffer.alloc(4); len.writeInt32BE(msg.length); return Buffer.concat([len, msg]);
}
const kframe = (b) => (b.length >= 4 ? b.readInt32BE(0) + 4 : 0);
class R { constructor(b) { this.b = b; this.o = 0; }
  i8() { return this.b.readInt8(this.o++); } i16() { const v = this.b.readInt16BE(this.o); this.o += 2; return v; }
  i32() { const v = this.b.readInt32BE(this.o); this.o += 4; return v; }
  str() { const n = this.i16(); if (n < 0) return null; const s = this.b.toString('utf8', this.o, this.o + n); this.o += n; return s; } }
async function kafkaOnce(port, ms) {
  const md = new R(await rpc(port, kreq(3, 6, 1, Buffer.from([0, 0, 0, 0, 0])), kframe, ms));
  md.i32(); md.i32(); md.i32(); // size, correlation id, throttle
  const brokers = [], nb = md.i32();
  for (let i = 0; i < nb; i++) { const id = md.i32(); const host = md.str(); const p = md.i32(); md.str(); brokers.push(`${id}@${host}:${p}`); }
  md.str(); const controller = md.i32();
  if (nb < 1 || controller < 0) throw new Error(`metadata not ready: brokers=[${brokers}] controller=${controller}`);
  for (const [keyType, key] of [[0, 'clearance-infra-probe'], [1, 'clearance-infra-probe']]) {
    const fc = new R(await rpc(port, kreq(10, 2, 2, Buffer.concat([kstr(key), Buffer.from([keyType])])), kframe, ms));
    fc.i32(); fc.i32(); fc.i32(); const err = fc.i16(); const emsg = fc.str();
    if (err !== 0) throw new Error(`${keyType ? 'transaction' : 'group'} coordinator not ready (error ${err}${emsg ? ': ' + emsg : ''})`);
  }
  return `brokers=[${brokers}] controller=${controller}`;
}
// ---- mongo
function bsonDoc(fields) { // only int32 and string values
  const parts = [];
  for (const [k, v] of fields) {
    const key = Buffer.concat([Buffer.from(k), Buffer.from([0])]);
    if (typeof v === 'number') { const n = Buffer.alloc(4); n.writeInt32LE(v); parts.push(Buffer.from([0x10]), key, n); }
    else { const s = Buffer.concat([Buffer.from(v), Buffer.from([0])]); const n = Buffer.alloc(4); n.writeInt32LE(s.length); parts.push(Buffer.from([0x02]), key, n, s); }
  }
  const body = Buffer.concat([...parts, Buffer.from([0])]); const n = Buffer.alloc(4); n.writeInt32LE(body.length + 4);
  return Buffer.concat([n, body]);
}
function opMsg(id, doc) {
  const h = Buffer.alloc(21); h.writeInt32LE(21 + doc.length, 0); h.writeInt32LE(id, 4); h.writeInt32LE(0, 8); h.writeInt32LE(2013, 12); h.writeUInt32LE(0, 16); h.writeUInt8(0, 20);
  return Buffer.concat([h, doc]);
}
const mframe = (b) => (b.length >= 4 ? b.readInt32LE(0) : 0);
function okOf(reply) { // top-level "ok" of the reply document (double or int32)
  let o = 21 + 4; const end = 21 + reply.readInt32LE(21) - 1;
  while (o < end) {
    const type = reply[o++]; const z = reply.indexOf(0, o); const name = reply.toString('utf8', o, z); o = z + 1;
    if (name === 'ok') return type === 0x01 ? reply.readDoubleLE(o) : type === 0x10 ? reply.readInt32LE(o) : NaN;
    const sz = { 0x01: 8, 0x10: 4, 0x12: 8, 0x09: 8, 0x11: 8, 0x08: 1, 0x0a: 0, 0x07: 12 }[type];
    if (sz !== undefined) o += sz; else if (type === 0x02) o += 4 + reply.readInt32LE(o); else if (type === 0x03 || type === 0x04) o += reply.readInt32LE(o); else if (type === 0x05) o += 5 + reply.readInt32LE(o); else return NaN;
  }
  return NaN;
}
function httpStatus(port, path, ms) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path, timeout: ms }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`))); req.on('error', reject);
  });
}
async function mongoOnce(port, debugPort, ms) {
  const st = await httpStatus(debugPort, '/debug/readyz', ms);
  if (st !== 200) throw new Error(`GET /debug/readyz on ${debugPort} answered ${st}`);
  for (const [i, cmd] of [[1, [['ping', 1], ['$db', 'admin']]], [2, [['listDatabases', 1], ['nameOnly', 1], ['$db', 'admin']]]]) {
    const ok = okOf(await rpc(port, opMsg(i, bsonDoc(cmd)), mframe, ms));
    if (ok !== 1) throw new Error(`${cmd[0][0]} answered ok=${ok}`);
  }
  return 'readyz 200, ping ok, listDatabases ok';
}
(async () => {
  const deadline = Date.now() + Number(args[args.length - 1]);
  let last;
  while (Date.now() < deadline) {
    const left = Math.max(500, Math.min(5000, deadline - Date.now()));
    try {
      const info = mode === 'kafka' ? await kafkaOnce(Number(args[0]), left) : await mongoOnce(Number(args[0]), Number(args[1]), left);
      console.log(info); process.exit(0);
    } catch (e) { last = e; }
    await sleep(200);
  }
  console.error(String(last && last.message || last)); process.exit(1);
})();
EOF

probe_kafka() { node -e "$PROBE_JS" kafka "$KAFKA_PORT" "$1"; }
probe_mongo() { node -e "$PROBE_JS" mongo "$MONGO_PORT" "$FERRET_DEBUG_PORT" "$1"; }

# ---------------------------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------------------------
# pid_of <pidfile> <marker>: prints the pid when the process is alive and its command line
# contains <marker> (guards against a recycled pid); removes a stale pid file.
pid_of() {
  local pidfile="$1" marker="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  # match captured output: piped into a quiet grep under pipefail, cmd dies of SIGPIPE at random
  if [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] &&
    grep -qF -- "$marker" <<<"$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"; then
    echo "$pid"
    return 0
  fi
  rm -f "$pidfile"
  return 1
}
kafka_pid() { pid_of "$KAFKA_PID" "$KAFKA_PROPS"; }
ferret_pid() { pid_of "$FERRET_PID" "--sqlite-url=file:$FERRET_DATA/"; }

# spawn <pidfile> <logfile> <cmd...>: detached (own session, stdin /dev/null, output to log, no
# inherited lock fds) so that callers capturing our output (execSync) do not hang on it.
spawn() {
  local pidfile="$1" logfile="$2"
  shift 2
  rm -f "$pidfile"
  if [[ -f "$logfile" ]]; then mv -f "$logfile" "$logfile.1"; fi
  # shellcheck disable=SC2016 # expanded by the child shell: it records its own pid, then execs
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" </dev/null >"$logfile" 2>&1 7>&- 8>&- 9>&- &
  local i
  for i in $(seq 1 50); do [[ -s "$pidfile" ]] && return 0; sleep 0.02; done
  die "could not start $1"
}

# stop_pid <name> <pid> <pidfile>
stop_pid() {
  local name="$1" pid="$2" pidfile="$3" t0 i
  t0=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) still running after ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$pidfile"
  log "$PROFILE: $name stopped ($(since "$t0"))"
}

# listener_pid <port>: pid of the process listening on 127.0.0.1:<port> (empty if unknown)
listener_pid() {
  command -v ss >/dev/null 2>&1 || return 0
  local out
  # captured first: `ss | grep | head` fails under pipefail when head exits before grep has written all
  out="$(ss -Hltnp "sport = :$1" 2>/dev/null || true)"
  if [[ "$out" =~ pid=([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; fi
}

# owns_port <pid> <port>: fails only when ss shows another process listening on <port>
owns_port() {
  local owner
  owner="$(listener_pid "$2")"
  [[ -z "$owner" || "$owner" == "$1" ]]
}

# port_check <port> <what> <env var>: records a one-line message when something listens there.
port_check() {
  local port="$1" what="$2" var="$3" who=""
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    if command -v ss >/dev/null 2>&1; then
      local out re='users:\(\("([^"]*)",pid=([0-9]+)'
      out="$(ss -Hltnp "sport = :$port" 2>/dev/null || true)"
      if [[ "$out" =~ $re ]]; then who=" (${BASH_REMATCH[1]}, pid ${BASH_REMATCH[2]})"; fi
    fi
    PORT_ERRORS+=("port $port ($what) is already in use${who}: stop that process or set $var to a free port")
  fi
}

# ---------------------------------------------------------------------------------------------
# artifacts (cached under $CACHE_DIR, keyed by version; a marker file is written last)
# ---------------------------------------------------------------------------------------------
ensure_kafka_libs() {
  [[ -f "$KAFKA_HOME/.complete" && -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] && return 0
  need mvn "Maven 3 (apt-get install maven)"
  [[ "$KAFKA_VERSION" == 4.* ]] || die "CLEARANCE_KAFKA_VERSION=$KAFKA_VERSION: only Kafka 4.x is supported by this script"
  mkdir -p "$CACHE_DIR"
  exec 8>"$CACHE_DIR/.kafka-$KAFKA_VERSION.lock"
  flock -w 600 8 || die "timed out waiting for another fetch of Kafka $KAFKA_VERSION"
  if [[ -f "$KAFKA_HOME/.complete" && -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]]; then exec 8>&-; return 0; fi
  local t0 tmp mvnlog binding
  t0=$(now_ms)
  tmp="$CACHE_DIR/.kafka-$KAFKA_VERSION.tmp"
  mvnlog="$CACHE_DIR/kafka-$KAFKA_VERSION-fetch.log"
  log "fetching Kafka $KAFKA_VERSION jars with Maven (first run only)"
  binding="log4j-slf4j-impl"
  while :; do
    rm -rf "$tmp"
    if ! mvn -q -B -f "$SCRIPT_DIR/kafka/pom.xml" -Dmaven.repo.local="$CACHE_DIR/m2" \
      -Dkafka.version="$KAFKA_VERSION" -Dslf4j.binding="$binding" \
      dependency:copy-dependencies -DoutputDirectory="$tmp/libs" -DincludeScope=runtime >"$mvnlog" 2>&1; then
      tail_log "$mvnlog"
      die "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (log: $mvnlog)"
    fi
    # the SLF4J binding must match the slf4j-api that Kafka brings (1.x -> log4j-slf4j-impl)
    if compgen -G "$tmp/libs/slf4j-api-2.*.jar" >/dev/null && [[ "$binding" == log4j-slf4j-impl ]]; then
      binding="log4j-slf4j2-impl"
      continue
    fi
    break
  done
  [[ -f "$tmp/libs/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "Maven ran but kafka_2.13-$KAFKA_VERSION.jar is missing in $tmp/libs"
  rm -rf "$KAFKA_HOME"
  mv "$tmp" "$KAFKA_HOME"
  printf 'kafka_2.13 %s\nslf4j binding %s\nfetched %s\n' "$KAFKA_VERSION" "$binding" "$(date -u +%FT%TZ)" >"$KAFKA_HOME/.complete"
  exec 8>&-
  log "Kafka $KAFKA_VERSION jars cached in $KAFKA_LIBS ($(since "$t0"))"
}

ensure_ferretdb_bin() {
  [[ -f "$FERRETDB_HOME/.complete" && -x "$FERRETDB_BIN" ]] && return 0
  need go "Go >= 1.24 (https://go.dev/dl or apt-get install golang)"
  need git "git (applies the patches FerretDB is built with)"
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.ferretdb-$FERRETDB_BUILD.lock"
  flock -w 600 9 || die "timed out waiting for another build of FerretDB $FERRETDB_BUILD"
  if [[ -f "$FERRETDB_HOME/.complete" && -x "$FERRETDB_BIN" ]]; then exec 9>&-; return 0; fi
  local t0 json dir build buildlog
  t0=$(now_ms)
  buildlog="$CACHE_DIR/ferretdb-$FERRETDB_BUILD-build.log"
  log "building FerretDB $FERRETDB_BUILD from the Go module with our patches (first run only, ~1 min)"
  export GOTOOLCHAIN=local GOWORK=off GOFLAGS='' CGO_ENABLED=0
  if ! json="$(go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" 2>"$buildlog")"; then
    echo "$json" >>"$buildlog"
    tail_log "$buildlog"
    die "go mod download $FERRETDB_MODULE@$FERRETDB_VERSION failed (log: $buildlog)"
  fi
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
  dir="${dir%%$'\n'*}"
  [[ -n "$dir" && -d "$dir" ]] || die "go mod download gave no module directory (log: $buildlog)"
  build="$CACHE_DIR/.ferretdb-$FERRETDB_BUILD.build"
  rm -rf "$build"
  cp -R "$dir" "$build"
  chmod -R u+w "$build"
  local p
  for p in "${FERRETDB_PATCHES[@]}"; do
    # no repository around the build copy (a cache dir inside a work tree would make git apply skip paths)
    if ! (cd "$build" && GIT_CEILING_DIRECTORIES="$CACHE_DIR" git apply -p1 "$p") >>"$buildlog" 2>&1; then
      tail_log "$buildlog"
      die "patch $p does not apply to FerretDB $FERRETDB_VERSION (log: $buildlog)"
    fi
  done
  grep -q 'Clearance patch' "$build/internal/backends/sqlite/metadata/metadata.go" ||
    die "FerretDB patches did not reach the build copy $build (log: $buildlog)"
  # build/version/version.txt is gitignored upstream, so it is missing from the module zip and
  # the binary panics at start without it (FerretDB issue #2982)
  echo "$FERRETDB_VERSION" >"$build/build/version/version.txt"
  mkdir -p "$FERRETDB_HOME"
  if ! (cd "$build" && go build -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) >>"$buildlog" 2>&1; then
    tail_log "$buildlog"
    die "go build of FerretDB $FERRETDB_VERSION failed (log: $buildlog)"
  fi
  local version
  # captured first: piped into a quiet grep, the binary died of SIGPIPE when grep had exited (issue 15)
  version="$("$FERRETDB_BIN.tmp" --version 2>/dev/null || true)"
  grep -qF "version: $FERRETDB_VERSION" <<<"$version" ||
    die "built FerretDB binary does not report version $FERRETDB_VERSION"
  mv -f "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  rm -rf "$build"
  printf 'ferretdb %s\nbuilt %s with %s\n' "$FERRETDB_BUILD" "$(date -u +%FT%TZ)" "$(go version)" >"$FERRETDB_HOME/.complete"
  exec 9>&-
  log "FerretDB $FERRETDB_BUILD built into $FERRETDB_BIN ($(since "$t0"))"
}

# ---------------------------------------------------------------------------------------------
# Kafka
# ---------------------------------------------------------------------------------------------
SASL_USER=clearance

# ensure_kafka_tls: a CA of this profile's own, the broker's certificate for 127.0.0.1/localhost signed by it, and
# the SASL password of the user "clearance" (SCRAM credentials are written into the storage at format time)
ensure_kafka_tls() {
  local t0 d="$KAFKA_TLS"
  need openssl "openssl (apt-get install openssl)"
  mkdir -p "$d" && chmod 700 "$d"
  # the password stays with the storage it was formatted into; the certificates are renewed a day before expiry
  [[ -s "$d/sasl-password" ]] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$d/sasl-password"
  if [[ -s "$d/broker.pem" && -s "$d/ca.pem" ]] && openssl x509 -checkend 86400 -noout -in "$d/broker.crt" >/dev/null 2>&1; then
    return 0
  fi
  t0=$(now_ms)
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
      -subj "/CN=Clearance local test CA ($PROFILE)" -keyout "$d/ca.key" -out "$d/ca.pem"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
      -keyout "$d/broker.key" -out "$d/broker.csr"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$d/broker.ext"
    openssl x509 -req -in "$d/broker.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 365 \
      -extfile "$d/broker.ext" -out "$d/broker.crt"
    # Kafka's PEM key store: the PKCS#8 key followed by the certificate chain, in one file
    openssl pkcs8 -topk8 -nocrypt -in "$d/broker.key" -out "$d/broker.pk8"
  } >"$d/openssl.log" 2>&1 || { tail_log "$d/openssl.log"; die "generating the broker's TLS certificate failed"; }
  cat "$d/broker.pk8" "$d/broker.crt" "$d/ca.pem" >"$d/broker.pem"
  rm -f "$d/broker.csr" "$d/broker.ext" "$d/broker.key" "$d/ca.srl"
  log "$PROFILE: kafka TLS certificate and SASL credentials made in $KAFKA_TLS ($(since "$t0"))"
}

write_kafka_props() {
  local pw
  pw="$(cat "$KAFKA_TLS/sasl-password")"
  cat >"$KAFKA_PROPS" <<EOF
# generated by deploy/local/infra.sh for profile $PROFILE: do not edit
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$KAFKA_SECURE_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$KAFKA_SECURE_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
# SASL_SSL: TLS with this profile's CA, then SCRAM-SHA-512/256 (users in the metadata log) or PLAIN (the JAAS
# line); production brokers use their operator's CA and credentials (docs/operations.md, "Kafka security")
ssl.keystore.type=PEM
ssl.keystore.location=$KAFKA_TLS/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=$KAFKA_TLS/ca.pem
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$pw";
log.dirs=$KAFKA_DATA
# one node: every replication factor / min ISR is 1 (production: 3 and 2, see docs)
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
num.partitions=3
# the application creates its own topics
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
EOF
}

new_cluster_id() { # 16 random bytes, base64url without padding, not starting with '-' (like Uuid.randomUuid)
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

# launch_kafka: format if needed and spawn; readiness is checked by wait_kafka
launch_kafka() {
  need java "a Java 17+ runtime (apt-get install openjdk-17-jre-headless)"
  mkdir -p "$STATE" "$KAFKA_DATA"
  ensure_kafka_tls
  write_kafka_props
  local cp="$KAFKA_LIBS/*" log4j="-Dlog4j2.configurationFile=$SCRIPT_DIR/kafka/log4j2.properties"
  if [[ ! -f "$KAFKA_DATA/meta.properties" ]]; then
    local t0 cid
    t0=$(now_ms)
    cid="$(new_cluster_id)"
    # short-lived tool: C1 only and serial GC cut its CPU time by ~45% (matters on 2 busy cores)
    if ! java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "$log4j" -cp "$cp" kafka.tools.StorageTool format --standalone -t "$cid" -c "$KAFKA_PROPS" \
      --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$(cat "$KAFKA_TLS/sasl-password")]" \
      --add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$(cat "$KAFKA_TLS/sasl-password")]" \
      >"$STATE/kafka-format.log" 2>&1; then
      tail_log "$STATE/kafka-format.log"
      die "formatting the Kafka storage in $KAFKA_DATA failed"
    fi
    log "$PROFILE: kafka storage formatted, cluster id $cid ($(since "$t0"))"
  fi
  KAFKA_T0=$(now_ms)
  spawn "$KAFKA_PID" "$KAFKA_LOG" java -Xms256m -Xmx768m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true "$log4j" -cp "$cp" kafka.Kafka "$KAFKA_PROPS"
}

# wait_kafka: "Kafka Server started" in the log, then real requests answered (probe)
wait_kafka() {
  local t0="${KAFKA_T0:-$(now_ms)}" deadline pid left info
  deadline=$(($(now_ms) + KAFKA_READY_TIMEOUT * 1000))
  local rc=0
  await_kafka_started "$KAFKA_LOG" "$deadline" kafka_pid || rc=$?
  case $rc in
    1) tail_log "$KAFKA_LOG"; KAFKA_ERROR="kafka exited during start-up (log: $KAFKA_LOG)"; return 1 ;;
    2) tail_log "$KAFKA_LOG"; KAFKA_ERROR="kafka did not log 'Kafka Server started' within ${KAFKA_READY_TIMEOUT}s (log: $KAFKA_LOG)"; return 1 ;;
  esac
  pid="$(kafka_pid)" || { tail_log "$KAFKA_LOG"; KAFKA_ERROR="kafka exited during start-up (log: $KAFKA_LOG)"; return 1; }
  left=$((deadline - $(now_ms)))
  ((left > 5000)) || left=5000
  if ! info="$(probe_kafka "$left" 2>&1)"; then
    tail_log "$KAFKA_LOG"
    KAFKA_ERROR="kafka started but does not answer requests on 127.0.0.1:$KAFKA_PORT: $info"
    return 1
  fi
  if ! kafka_pid >/dev/null || ! owns_port "$pid" "$KAFKA_PORT"; then
    tail_log "$KAFKA_LOG"
    KAFKA_ERROR="port $KAFKA_PORT is served by another process (pid $(listener_pid "$KAFKA_PORT")), not by our kafka (pid $pid)"
    return 1
  fi
  log "$PROFILE: kafka $KAFKA_VERSION ready on 127.0.0.1:$KAFKA_PORT, pid $pid ($(since "$t0"))"
}

# ---------------------------------------------------------------------------------------------
# FerretDB
# ---------------------------------------------------------------------------------------------
launch_ferret() {
  mkdir -p "$STATE" "$FERRET_DATA"
  FERRET_T0=$(now_ms)
  spawn "$FERRET_PID" "$FERRET_LOG" "$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$FERRET_DATA/" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --debug-addr="127.0.0.1:$FERRET_DEBUG_PORT" \
    --state-dir=- --telemetry=disable --log-level=warn
}

wait_ferret() {
  local t0="${FERRET_T0:-$(now_ms)}" deadline pid info
  deadline=$(($(now_ms) + FERRETDB_READY_TIMEOUT * 1000))
  while :; do
    pid="$(ferret_pid)" || { tail_log "$FERRET_LOG"; FERRET_ERROR="ferretdb exited during start-up (log: $FERRET_LOG)"; return 1; }
    info="$(probe_mongo 1000 2>&1)" && break
    if (($(now_ms) > deadline)); then
      tail_log "$FERRET_LOG"
      FERRET_ERROR="ferretdb not ready within ${FERRETDB_READY_TIMEOUT}s: $info (log: $FERRET_LOG)"
      return 1
    fi
    sleep 0.2
  done
  # the probe may have reached another server that took the port: make sure it is ours
  if ! ferret_pid >/dev/null || ! owns_port "$pid" "$MONGO_PORT"; then
    tail_log "$FERRET_LOG"
    FERRET_ERROR="port $MONGO_PORT is served by another process (pid $(listener_pid "$MONGO_PORT")), not by our ferretdb (pid $pid)"
    return 1
  fi
  log "$PROFILE: ferretdb $FERRETDB_BUILD ready on 127.0.0.1:$MONGO_PORT, pid $pid ($(since "$t0"))"
}

# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
lock_profile() {
  mkdir -p "$STATE"
  exec 7>"$STATE/.lock"
  flock -w 300 7 || die "another infra.sh is working on profile $PROFILE for 5 minutes (lock: $STATE/.lock)"
}

kafka_healthy() { kafka_pid >/dev/null && probe_kafka "${1:-3000}" >/dev/null 2>&1; }
ferret_healthy() { ferret_pid >/dev/null && probe_mongo "${1:-3000}" >/dev/null 2>&1; }

check_ports() { # check_ports <kafka:0|1> <mongo:0|1>: one line per busy port, then exit 1
  PORT_ERRORS=()
  if (($1)); then
    port_check "$KAFKA_PORT" "kafka broker" CLEARANCE_KAFKA_PORT
    port_check "$KAFKA_CONTROLLER_PORT" "kafka controller" CLEARANCE_KAFKA_CONTROLLER_PORT
  fi
  if (($2)); then
    port_check "$MONGO_PORT" "ferretdb" CLEARANCE_MONGO_PORT
    port_check "$FERRET_DEBUG_PORT" "ferretdb debug" CLEARANCE_FERRET_DEBUG_PORT
  fi
  if ((${#PORT_ERRORS[@]})); then
    local e
    for e in "${PORT_ERRORS[@]}"; do echo "[infra] ERROR: $PROFILE: $e" >&2; done
    exit 1
  fi
}

# start_components <wipe:0|1> <kafka:0|1> <mongo:0|1>
start_components() {
  local wipe="$1" want_kafka="$2" want_mongo="$3" t0 do_kafka=0 do_mongo=0 pid
  t0=$(now_ms)
  need node "Node.js 20 (used for the readiness probes)"
  lock_profile

  if ((want_kafka)) && pid="$(kafka_pid)"; then
    if kafka_healthy 10000; then
      ((wipe)) || log "$PROFILE: kafka already running and healthy on 127.0.0.1:$KAFKA_PORT (pid $pid)"
    else
      log "$PROFILE: kafka (pid $pid) is running but not healthy: restarting it"
      stop_pid kafka "$pid" "$KAFKA_PID"
    fi
  fi
  if ((want_mongo)) && pid="$(ferret_pid)"; then
    if ferret_healthy 10000; then
      ((wipe)) || log "$PROFILE: ferretdb already running and healthy on 127.0.0.1:$MONGO_PORT (pid $pid)"
    else
      log "$PROFILE: ferretdb (pid $pid) is running but not healthy: restarting it"
      stop_pid ferretdb "$pid" "$FERRET_PID"
    fi
  fi
  if ((wipe)); then
    # test profile: reuse a complete healthy stack as is; otherwise start both from empty data
    if kafka_pid >/dev/null && ferret_pid >/dev/null; then
      log "$PROFILE: already running and healthy (kafka 127.0.0.1:$KAFKA_PORT, ferretdb 127.0.0.1:$MONGO_PORT): data NOT wiped; run 'stop $PROFILE' first for a clean start"
      return 0
    fi
    pid="$(kafka_pid)" && stop_pid kafka "$pid" "$KAFKA_PID"
    pid="$(ferret_pid)" && stop_pid ferretdb "$pid" "$FERRET_PID"
    rm -rf "$KAFKA_DATA" "$FERRET_DATA" "$KAFKA_TLS"
    log "$PROFILE: data wiped ($KAFKA_DATA, $FERRET_DATA)"
  fi
  ((want_kafka)) && ! kafka_pid >/dev/null && do_kafka=1
  ((want_mongo)) && ! ferret_pid >/dev/null && do_mongo=1
  ((do_kafka || do_mongo)) || return 0

  check_ports "$do_kafka" "$do_mongo"

  # fetch / build missing artifacts (in parallel: Maven is network-bound, go build CPU-bound)
  if ((do_kafka)); then need java "a Java 17+ runtime (apt-get install openjdk-17-jre-headless)"; fi
  local kpid="" rc=0
  # (subshells run in the background or alone so that set -e stays in force inside them)
  if ((do_kafka)) && [[ ! -f "$KAFKA_HOME/.complete" ]] && ((do_mongo)) && [[ ! -f "$FERRETDB_HOME/.complete" ]]; then
    local fpid
    (ensure_kafka_libs) &
    kpid=$!
    (ensure_ferretdb_bin) &
    fpid=$!
    wait "$kpid" || rc=1
    wait "$fpid" || rc=1
    ((rc == 0)) || exit 1
  else
    if ((do_kafka)); then (ensure_kafka_libs); fi
    if ((do_mongo)); then (ensure_ferretdb_bin); fi
  fi

  # again: a fetch/build can take minutes, and another stack may have taken a port meanwhile
  check_ports "$do_kafka" "$do_mongo"

  # launch both, then wait for both; if one fails, stop the other too
  KAFKA_ERROR="" FERRET_ERROR=""
  if ((do_kafka)); then launch_kafka; fi
  if ((do_mongo)); then launch_ferret; fi
  if ((do_mongo)); then wait_ferret || true; fi
  if ((do_kafka)); then wait_kafka || true; fi
  if [[ -n "$KAFKA_ERROR$FERRET_ERROR" ]]; then
    pid="$(kafka_pid)" && stop_pid kafka "$pid" "$KAFKA_PID"
    pid="$(ferret_pid)" && stop_pid ferretdb "$pid" "$FERRET_PID"
    [[ -n "$KAFKA_ERROR" ]] && echo "[infra] ERROR: $PROFILE: $KAFKA_ERROR" >&2
    [[ -n "$FERRET_ERROR" ]] && echo "[infra] ERROR: $PROFILE: $FERRET_ERROR" >&2
    exit 1
  fi
  log "$PROFILE: up ($(since "$t0"))"
}

stop_components() { # stop_components <kafka:0|1> <mongo:0|1>: both in parallel
  local pid jobs=()
  lock_profile
  if (($1)); then
    if pid="$(kafka_pid)"; then
      stop_pid kafka "$pid" "$KAFKA_PID" &
      jobs+=($!)
    else
      log "$PROFILE: kafka not running"
    fi
  fi
  if (($2)); then
    if pid="$(ferret_pid)"; then
      stop_pid ferretdb "$pid" "$FERRET_PID" &
      jobs+=($!)
    else
      log "$PROFILE: ferretdb not running"
    fi
  fi
  for pid in "${jobs[@]}"; do wait "$pid"; done
}

cmd_status() {
  local rc=0 pid rss info
  need node "Node.js 20 (used for the health probes)"
  if pid="$(kafka_pid)"; then
    rss=$(($(ps -o rss= -p "$pid" 2>/dev/null || echo 0) / 1024))
    if info="$(probe_kafka 3000 2>&1)"; then
      echo "kafka     $PROFILE  running  healthy    127.0.0.1:$KAFKA_PORT  pid $pid  rss ${rss}MiB  kafka $KAFKA_VERSION  $info"
    else
      echo "kafka     $PROFILE  running  UNHEALTHY  127.0.0.1:$KAFKA_PORT  pid $pid  rss ${rss}MiB  $info"; rc=1
    fi
  else
    echo "kafka     $PROFILE  stopped"; rc=1
  fi
  if pid="$(ferret_pid)"; then
    rss=$(($(ps -o rss= -p "$pid" 2>/dev/null || echo 0) / 1024))
    if info="$(probe_mongo 3000 2>&1)"; then
      echo "ferretdb  $PROFILE  running  healthy    127.0.0.1:$MONGO_PORT  pid $pid  rss ${rss}MiB  ferretdb $FERRETDB_BUILD  debug 127.0.0.1:$FERRET_DEBUG_PORT"
    else
      echo "ferretdb  $PROFILE  running  UNHEALTHY  127.0.0.1:$MONGO_PORT  pid $pid  rss ${rss}MiB  $info"; rc=1
    fi
  else
    echo "ferretdb  $PROFILE  stopped"; rc=1
  fi
  echo "state     $STATE"
  return $rc
}

cmd_env() {
  echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "MONGODB_URI=mongodb://127.0.0.1:$MONGO_PORT/clearance"
  # the SASL_SSL listener, for clients that test TLS + SASL (KAFKA_SSL/KAFKA_SASL_* of docs/operations.md)
  echo "CLEARANCE_KAFKA_SECURE_BROKERS=127.0.0.1:$KAFKA_SECURE_PORT"
  echo "CLEARANCE_KAFKA_SSL_CA_FILE=$KAFKA_TLS/ca.pem"
  echo "CLEARANCE_KAFKA_SASL_USERNAME=$SASL_USER"
  echo "CLEARANCE_KAFKA_SASL_PASSWORD_FILE=$KAFKA_TLS/sasl-password"
}

cmd_clean() {
  stop_components 1 1
  rm -rf "$KAFKA_DATA" "$FERRET_DATA" "$KAFKA_TLS" "$KAFKA_PROPS" "$STATE"/*.log "$STATE"/*.log.1
  log "$PROFILE: data and logs removed from $STATE (caches in $CACHE_DIR kept)"
}

usage() {
  cat >&2 <<'EOF'
usage: deploy/local/infra.sh <command> <dev|test>
  start        start Kafka and FerretDB (test: from empty data), wait until both answer requests
  stop         stop both (SIGTERM, SIGKILL after 20 s)
  status       show state and health (exit 0 only when both are healthy)
  env          print KAFKA_BROKERS=..., MONGODB_URI=... and the SASL_SSL listener's settings (shell-sourceable)
  clean        stop both and delete the profile's data and logs
  start-kafka | stop-kafka | start-mongo | stop-mongo
               one component only; never wipes data
EOF
  exit 2
}

main() {
  local cmd="${1:-}"
  [[ -n "$cmd" ]] || usage
  set_profile "${2:-}"
  case "$cmd" in
    start)
      if [[ "$PROFILE" == test ]]; then start_components 1 1 1; else start_components 0 1 1; fi ;;
    stop) stop_components 1 1 ;;
    start-kafka) start_components 0 1 0 ;;
    stop-kafka) stop_components 1 0 ;;
    start-mongo) start_components 0 0 1 ;;
    stop-mongo) stop_components 0 1 ;;
    status) cmd_status ;;
    env) cmd_env ;;
    clean) cmd_clean ;;
    *) usage ;;
  esac
}

# sourced (deploy/local/kafka-cluster.sh reuses the helpers above): define only
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
