#!/usr/bin/env bash
# Prepares a fresh machine for the socket proxy's Docker tests: installs docker.io, busybox-static and bsdutils
# (script(1), for `docker exec -t`) when missing, starts dockerd when none answers (waiting until it is ready,
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
# gateway's sandbox tests need (the real image is deploy/images/sandbox/Dockerfile).
image_version=2
current="$(docker image inspect -f '{{ index .Config.Labels "clincher.test-image" }}' "$image" 2>/dev/null || true)"
if [[ "$current" != "$image_version" ]]; then
  busybox="$(command -v busybox || true)"
  [[ -x /bin/busybox ]] && busybox=/bin/busybox
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/workspace"
  cp "$busybox" "$rootfs/bin/busybox"
  for tool in $("$busybox" --list); do
    [[ "$tool" == busybox ]] || ln -sf busybox "$rootfs/bin/$tool"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nsandbox:x:1000:1000:sandbox:/workspace:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nsandbox:x:1000:\n' >"$rootfs/etc/group"
  chmod 1777 "$rootfs/tmp"
  chown 1000:1000 "$rootfs/workspace"
  tar -C "$rootfs" --numeric-owner -c . | docker import -c 'CMD ["/bin/sh"]' \
    -c "LABEL clincher.test-image=$image_version" -c 'ENV PATH=/bin' - "$image" >/dev/null
  echo "ci-setup: built $image (version $image_version)" >&2
fi
