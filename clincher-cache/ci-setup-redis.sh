#!/usr/bin/env bash
# Installs Debian's redis-server (if missing) and starts a private instance for the cache tests on 127.0.0.1 with a
# password, unless it already runs. Idempotent. Prints the variables the tests read, e.g.:
#   eval "$(clincher-cache/ci-setup-redis.sh)"
# Env: CLINCHER_TEST_REDIS_PORT (default 6390), CLINCHER_TEST_REDIS_DIR (default /tmp/clincher-test-redis).
# The password is generated once into $DIR/password (mode 0600); it never appears on a command line.
set -euo pipefail

PORT=${CLINCHER_TEST_REDIS_PORT:-6390}
DIR=${CLINCHER_TEST_REDIS_DIR:-/tmp/clincher-test-redis}
say() { printf '%s\n' "$*" >&2; }

if ! command -v redis-server >/dev/null 2>&1; then
  say "installing redis-server"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >&2
fi

mkdir -p "$DIR"
chmod 700 "$DIR"
if [ ! -s "$DIR/password" ]; then
  (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/password")
fi
REDISCLI_AUTH=$(cat "$DIR/password")
export REDISCLI_AUTH

if ! redis-cli -h 127.0.0.1 -p "$PORT" --no-auth-warning ping 2>/dev/null | grep -q PONG; then
  (umask 077; cat > "$DIR/redis.conf" <<CONF
bind 127.0.0.1
port $PORT
protected-mode yes
daemonize yes
dir $DIR
pidfile $DIR/redis.pid
logfile $DIR/redis.log
save ""
appendonly no
maxmemory 256mb
maxmemory-policy volatile-lru
requirepass $REDISCLI_AUTH
CONF
)
  redis-server "$DIR/redis.conf"
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$PORT" --no-auth-warning ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  redis-cli -h 127.0.0.1 -p "$PORT" --no-auth-warning ping | grep -q PONG || { say "redis did not start (see $DIR/redis.log)"; exit 1; }
  say "redis started on 127.0.0.1:$PORT"
else
  say "redis already running on 127.0.0.1:$PORT"
fi

echo "export CLINCHER_TEST_REDIS_HOST=127.0.0.1"
echo "export CLINCHER_TEST_REDIS_PORT=$PORT"
echo "export CLINCHER_TEST_REDIS_PASSWORD_FILE=$DIR/password"
