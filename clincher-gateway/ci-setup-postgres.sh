#!/usr/bin/env bash
# Prepares a PostgreSQL for the gateway's transcript store tests: installs Debian's postgresql when missing, makes
# sure a cluster exists and runs (listening on loopback only, Debian's default), and creates the test role and
# database. Run as root; idempotent. Prints the variables the tests read (the tests use the same defaults, so
# exporting them is optional):
#   CLINCHER_TEST_POSTGRES_URL   jdbc:postgresql://127.0.0.1:<port>/clincher_test
#   CLINCHER_TEST_POSTGRES_USER  clincher_test
# The password (CLINCHER_TEST_POSTGRES_PASSWORD, default clincher_test) is not printed.
set -euo pipefail

db="${CLINCHER_TEST_POSTGRES_DB:-clincher_test}"
user="${CLINCHER_TEST_POSTGRES_USER:-clincher_test}"
password="${CLINCHER_TEST_POSTGRES_PASSWORD:-clincher_test}"
wait_seconds="${CLINCHER_POSTGRES_WAIT:-60}"

if ! command -v pg_lsclusters >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q postgresql
fi

if [[ -z "$(pg_lsclusters -h)" ]]; then
  version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
  pg_createcluster "$version" main >/dev/null
fi
read -r version cluster port status _ <<<"$(pg_lsclusters -h | head -n 1)"
if [[ "$status" != online* ]]; then
  echo "ci-setup-postgres: starting cluster $version/$cluster on port $port" >&2
  pg_ctlcluster "$version" "$cluster" start || pg_lsclusters -h | head -n 1 | grep -q online
fi
for (( i = 0; i < wait_seconds; i++ )); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done
if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
  echo "ci-setup-postgres: PostgreSQL did not become ready on 127.0.0.1:$port within ${wait_seconds}s" >&2
  exit 1
fi

# Role and database (the password goes through stdin, never argv).
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -p "$port" -v user="$user" -v password="$password" -v db="$db" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user')
\gexec
ALTER ROLE :"user" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')
\gexec
SQL

echo "export CLINCHER_TEST_POSTGRES_URL=jdbc:postgresql://127.0.0.1:$port/$db"
echo "export CLINCHER_TEST_POSTGRES_USER=$user"
