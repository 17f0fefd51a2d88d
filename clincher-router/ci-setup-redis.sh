#!/usr/bin/env bash
# Prepares a machine for the router's Redis tests (spend counters): installs redis-server when missing and starts one
# on loopback (127.0.0.1:${CLINCHER_REDIS_PORT:-6379}, no persistence) unless one already answers there, waiting until
# it is ready (bounded). Run as root before the tests. Idempotent. The tests read REDIS_URL
# (default redis://127.0.0.1:6379) and fail, not skip, when CI is set and Redis does not answer.
set -euo pipefail

port="${CLINCHER_REDIS_PORT:-6379}"
wait_seconds="${CLINCHER_REDIS_WAIT:-30}"

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q redis-server
fi

if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" != "PONG" ]]; then
  echo "ci-setup-redis: starting redis-server on 127.0.0.1:$port" >&2
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
    --logfile /tmp/clincher-redis-"$port".log
  for (( i = 0; i < wait_seconds * 10; i++ )); do
    [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" == "PONG" ]] && break
    sleep 0.1
  done
  if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" != "PONG" ]]; then
    echo "ci-setup-redis: redis-server did not answer within ${wait_seconds}s" >&2
    tail -n 20 /tmp/clincher-redis-"$port".log >&2 || true
    exit 1
  fi
fi
