#!/usr/bin/env bash
# Prepares a fresh machine for the socket proxy's Docker tests: installs docker.io, busybox-static, bsdutils
# (script(1), for `docker exec -t`) and gcc/libc6-dev (to build the sandbox's command runner) when missing, starts dockerd when none answers (waiting until it is ready,
# bounded), and builds the tiny sandbox test image from busybox with `docker import` (no registry is needed),
# rebuilding it when it is outdated.
# Run as root; .ci/run calls it before the tests. Idempotent.
set -euo pipefail

image="${CLINCHER_TEST_IMAGE:-clincher-sandbox-test:latest}"
wait_seconds="${CLINCHER_DOCKERD_WAIT:-60}"
log="${CLINCHER_DOCKERD_LOG:-/tmp/clincher-dockerd.log}"

packages=()
command -v docker >/dev/null 2>&1 || packages+=(docker.io)
command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)
[[ -x /bin/busybox || -x /usr/bin/busybox ]] || packages+=(busybox-static)
command -v script >/dev/null 2>&1 || packages+=(bsdutils)
command -v gcc >/dev/null 2>&1 || packages+=(gcc)
[[ -e /usr/lib/x86_64-linux-gnu/libc.a || -e /usr/lib/aarch64-linux-gnu/libc.a ]] || packages+=(libc6-dev)
if (( ${#packages[@]} > 0 )); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q $(printf '%s\n' "${packages[@]}" | sort -u)
fi

unset DOCKER_HOST
if ! docker info >/dev/null 2>&1; then
  echo "ci-setup: starting dockerd (log: $log)" >&2
  # Its own session: dockerd must outlive the shell (and process group) that started it.
  setsid nohup dockerd >"$log" 2>&1 </dev/null &
  for (( i = 0; i < wait_seconds; i++ )); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    echo "ci-setup: dockerd did not become ready within ${wait_seconds}s; last log lines:" >&2
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
fi

# The image carries a version label; an outdated image (from an older script) is rebuilt. Version 2: every busybox
# applet, a passwd/group with the unprivileged user `sandbox` (1000:1000) and /workspace owned by it, as the
# gateway's sandbox tests need (the real image is deploy/images/sandbox/Dockerfile). The label clincher.test-runner
# versions the command runner (deploy/images/sandbox/runner), compiled here statically and put where the real image
# has it, /usr/local/bin/clincher-runner; it is a label of its own so that tests which only need version 2 still pass.
image_version=2
runner_version=2
runner_source="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deploy/images/sandbox/runner/clincher-runner.c"
labels="$(docker image inspect -f '{{ index .Config.Labels "clincher.test-image" }}/{{ index .Config.Labels "clincher.test-runner" }}' "$image" 2>/dev/null || true)"
if [[ "$labels" != "$image_version/$runner_version" ]]; then
  busybox="$(command -v busybox || true)"
  [[ -x /bin/busybox ]] && busybox=/bin/busybox
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/workspace" "$rootfs/usr/local/bin"
  gcc -static -Os -s -Wall -o "$rootfs/usr/local/bin/clincher-runner" "$runner_source"
  cp "$busybox" "$rootfs/bin/busybox"
  for tool in $("$busybox" --list); do
    [[ "$tool" == busybox ]] || ln -sf busybox "$rootfs/bin/$tool"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nsandbox:x:1000:1000:sandbox:/workspace:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nsandbox:x:1000:\n' >"$rootfs/etc/group"
  chmod 1777 "$rootfs/tmp"
  chown 1000:1000 "$rootfs/workspace"
  tar -C "$rootfs" --numeric-owner -c . | docker import -c 'CMD ["/bin/sh"]' \
    -c "LABEL clincher.test-image=$image_version" -c "LABEL clincher.test-runner=$runner_version" \
    -c 'ENV PATH=/bin' - "$image" >/dev/null
  echo "ci-setup: built $image (version $image_version, runner $runner_version)" >&2
fi
