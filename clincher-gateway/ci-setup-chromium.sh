#!/usr/bin/env bash
# Installs Debian's headless browser for the web UI's browser tests (WebUiBrowserTest): chromium and the matching
# chromedriver, both from Debian's packages (no browser download). Run as root. Idempotent; apt waits are bounded.
set -euo pipefail

if [[ -x /usr/bin/chromedriver ]] && { [[ -x /usr/lib/chromium/chromium ]] || [[ -x /usr/bin/chromium ]]; }; then
  chromedriver --version >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
timeout 600 apt-get update -q
timeout 1200 apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core
chromedriver --version >&2
