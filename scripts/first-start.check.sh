#!/usr/bin/env bash
# "A first start that never fails" (issue 15), checked the way a newcomer meets it: a fresh clone of this
# repository and `npm ci`, then RUNS times `npm start`, wait for "ready", ask the README's question, Ctrl-C,
# and check that nothing is left listening. The first start has an empty cache directory (Kafka's jars fetched
# by Maven, FerretDB built with its patches), the others reuse it, as later starts on a new machine do.
#
#   bash scripts/first-start.check.sh [RUNS=20]
#
# Uses npm start's fixed ports (3000-3004, 9092, 27017): nothing else may run there. Prints one line per run
# and a summary; exits non-zero if any run failed. Logs: $WORK/run-N.log. docs/testing.md records results.
set -euo pipefail

RUNS="${1:-20}"
REPO="$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)"
WORK="${CLEARANCE_FIRST_START_DIR:-$(mktemp -d /tmp/first-start.XXXXXX)}"
export CLEARANCE_CACHE_DIR="$WORK/cache"
PORTS=(3000 3001 3002 3003 3004 9092 27017)
READY_LIMIT_S=600 # the cold run fetches and builds; a loaded machine is slow

listening() { # the npm start ports that something listens on
  local p out=()
  for p in "${PORTS[@]}"; do
    [[ -n "$(ss -Hltn "sport = :$p")" ]] && out+=("$p")
  done
  echo "${out[*]:-}"
}

busy="$(listening)"
[[ -z "$busy" ]] || { echo "ports in use before the first run: $busy" >&2; exit 2; }

clone="$WORK/clone"
rm -rf "$clone" "$CLEARANCE_CACHE_DIR"
git clone -q "$REPO" "$clone"
t0=$(date +%s)
(cd "$clone" && npm ci --no-audit --no-fund) >"$WORK/npm-ci.log" 2>&1 || { echo "npm ci failed: $WORK/npm-ci.log" >&2; exit 1; }
echo "fresh clone of $(git -C "$clone" rev-parse --short HEAD), npm ci in $(($(date +%s) - t0)) s"

failed=0
for ((i = 1; i <= RUNS; i++)); do
  log="$WORK/run-$i.log"
  : >"$log"
  t0=$(date +%s)
  load="$(cut -d' ' -f1 /proc/loadavg)"
  verdict="" note=""
  # its own process group, so that the Ctrl-C below reaches npm and everything it started, as a terminal's does
  (cd "$clone" && exec setsid npm start) >>"$log" 2>&1 &
  pid=$!
  for ((s = 0; s < READY_LIMIT_S; s++)); do
    grep -q 'ready in' "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  ready_s=$(($(date +%s) - t0))
  if ! grep -q 'ready in' "$log"; then
    verdict="not ready after ${ready_s} s"
  else
    answer="$(curl -s --max-time 30 http://127.0.0.1:3000/v1/access-requests \
      -H 'Authorization: Bearer dev-key-change-me' -H 'Content-Type: application/json' -H 'Prefer: wait=5' \
      -d '{"subject":{"userId":"user-42","name":"Jane Example"},"network":{"ip":"24.48.0.1"},"resource":{"model":"standard-chat","action":"inference"}}' ||
      true)"
    echo "answer: $answer" >>"$log"
    # "pending" is a valid answer when the wait ran out (a loaded machine, a cold JIT): follow it as a client would
    id="$(sed -n 's/.*"requestId":"\([^"]*\)".*"status":"pending".*/\1/p' <<<"$answer")"
    for ((s = 0; s < 60 && ${#id} > 0; s++)); do
      sleep 1
      answer="$(curl -s --max-time 10 "http://127.0.0.1:3000/v1/access-requests/$id" -H 'Authorization: Bearer dev-key-change-me' || true)"
      grep -q '"status":"pending"' <<<"$answer" || { echo "answer after ${s} s more: $answer" >>"$log"; note=" (pending after the 5 s wait, decided $((s + 1)) s later)"; break; }
    done
    grep -q '"outcome":"allow"' <<<"$answer" || verdict="README request answered: ${answer:-nothing}"
  fi
  kill -INT -- "-$pid" 2>/dev/null || true
  for ((s = 0; s < 60; s++)); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    verdict="${verdict:-still running 60 s after Ctrl-C}"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  for ((s = 0; s < 30; s++)); do [[ -z "$(listening)" ]] && break; sleep 1; done
  left="$(listening)"
  [[ -z "$left" ]] || verdict="${verdict:-ports still listening after stop: $left}"
  total_s=$(($(date +%s) - t0))
  if [[ -z "$verdict" ]]; then
    printf 'run %2d: ok      ready after %4s s, %4s s in all, load %s at start%s\n' "$i" "$ready_s" "$total_s" "$load" "$note"
  else
    failed=$((failed + 1))
    printf 'run %2d: FAILED  %s (load %s at start; log %s)\n' "$i" "$verdict" "$load" "$log"
  fi
done
echo "$((RUNS - failed)) of $RUNS runs passed (logs and cache in $WORK)"
[[ "$failed" -eq 0 ]]
