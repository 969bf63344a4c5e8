# shellcheck shell=bash
# Sourced by infra.sh (one broker) and kafka-cluster.sh (three): the one wait for a broker's start-up.
#
# await_kafka_started <log> <deadline_ms> <alive-cmd...>: returns 0 once the log says "Kafka Server started"
# (the port is bound earlier than requests are served), 1 when <alive-cmd> fails (the process exited), 2 at the
# deadline. The caller reports, with its own words and log tail.
await_kafka_started() {
  local log="$1" deadline="$2"
  shift 2
  while :; do
    "$@" >/dev/null || return 1
    # a file, not a pipe: grep -q on a pipe under pipefail kills the writer with SIGPIPE
    grep -q "Kafka Server started" "$log" 2>/dev/null && return 0
    (($(now_ms) < deadline)) || return 2
    sleep 0.2
  done
}
