#!/usr/bin/env bash
# Checks the monitoring configuration: Prometheus configs, alert rules and their unit tests, and
# the Grafana dashboard (JSON structure, metric names against docs/metrics.md, PromQL syntax).
# Installs Prometheus from Debian (it brings promtool) when missing (install.sh).
#   bash infra/prometheus/check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

bash "$here/install.sh"
promtool --version 2>&1 | head -1

echo "== promtool check config"
promtool check config "$here/prometheus.yml"
promtool check config "$here/prometheus.docker.yml"
echo "== promtool check rules"
promtool check rules "$here/alerts.yml"
echo "== promtool test rules"
(cd "$here" && promtool test rules alerts.test.yml)

echo "== grafana dashboard"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
node "$root/infra/grafana/check-dashboard.mjs" "$root/infra/grafana/dashboards/vigil.json" "$tmp/dashboard-rules.yml" \
  "$root/docs/metrics.md"
promtool check rules "$tmp/dashboard-rules.yml" >/dev/null
echo "dashboard PromQL parses"
