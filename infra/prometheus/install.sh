#!/usr/bin/env bash
# Makes sure `prometheus` and `promtool` are on PATH: installs Debian's `prometheus` package when
# either is missing (needs root or passwordless sudo). Used by check.sh and by the monitoring
# integration test (test/monitoring/prometheus.test.ts), so a fresh CI machine needs no setup.
#   bash infra/prometheus/install.sh
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then exit 0; fi
echo "== prometheus/promtool not found: installing prometheus (Debian package)" >&2
sudo=
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "cannot install prometheus: not root and no sudo; install Debian's 'prometheus' package" >&2
    exit 1
  fi
  sudo="sudo -n"
fi
# The package's service is not wanted here; in containers without systemd it does not start.
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v prometheus >/dev/null && command -v promtool >/dev/null
