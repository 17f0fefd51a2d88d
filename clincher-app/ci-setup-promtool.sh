#!/usr/bin/env bash
# Prepares a machine for the monitoring tests (MonitoringRulesTest): installs Debian's prometheus package for its
# promtool when promtool is missing. Idempotent; apt's waits are bounded. The tests fail, not skip, when CI is set and
# promtool is missing.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
timeout 300 apt-get update -q
# The package's service is not needed, only its promtool; policy-rc.d keeps a systemd-less machine from starting it.
timeout 600 apt-get install -y -q --no-install-recommends prometheus
command -v promtool >/dev/null 2>&1 || { echo "ci-setup-promtool: promtool missing after install" >&2; exit 1; }
