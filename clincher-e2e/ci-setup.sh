#!/usr/bin/env bash
# Prepares a fresh machine for the deployment tests (clincher-e2e): the compose tool, the offline image builder, the
# tools the topology test drives (openssl, nsenter, ip, iptables, curl), nginx for the nginx alternative's test and
# Ansible for the playbooks' test, kubectl for the Kubernetes manifests' test.
# Docker itself comes from clincher-socket-proxy/ci-setup.sh, which .ci/run calls first. Run as root. Idempotent.
set -euo pipefail

packages=()
command -v docker-compose >/dev/null 2>&1 || packages+=(docker-compose)
command -v mmdebstrap >/dev/null 2>&1 || packages+=(mmdebstrap)
command -v nginx >/dev/null 2>&1 || packages+=(nginx-light)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
command -v nsenter >/dev/null 2>&1 || packages+=(util-linux)
command -v ip >/dev/null 2>&1 || packages+=(iproute2)
command -v iptables >/dev/null 2>&1 || packages+=(iptables)
command -v ss >/dev/null 2>&1 || packages+=(iproute2)
command -v caddy >/dev/null 2>&1 || packages+=(caddy)                 # ReplicasTest: the balancer
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)  # ReplicasTest: its own Redis
# Debian's Ansible (with the community.docker connection) and ansible-lint for deploy/ansible/test (AnsibleTest).
command -v ansible-playbook >/dev/null 2>&1 || packages+=(ansible)
command -v ansible-lint >/dev/null 2>&1 || packages+=(ansible-lint)
command -v ssh-keygen >/dev/null 2>&1 || packages+=(openssh-client)
# kubectl for `kubectl kustomize deploy/k8s/...` (KubernetesManifestsTest). Debian's kubernetes-client is 1.20 with
# kustomize v2, which the manifests are written for; a newer kubectl already installed is used as it is.
command -v kubectl >/dev/null 2>&1 || packages+=(kubernetes-client)
if (( ${#packages[@]} > 0 )); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q $(printf '%s\n' "${packages[@]}" | sort -u)
fi
# A stock nginx package starts a server on :80 on install; the tests run their own, so stop it.
if command -v systemctl >/dev/null 2>&1; then systemctl stop nginx >/dev/null 2>&1 || true; fi
pkill -x nginx >/dev/null 2>&1 || true
docker-compose version --short >&2
