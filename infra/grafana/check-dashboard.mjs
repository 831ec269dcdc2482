// Structural check of the Grafana dashboard (run by infra/prometheus/check.sh):
//   node infra/grafana/check-dashboard.mjs <dashboard.json> <rules-out.yml> <docs/metrics.md>
// Fails on: invalid JSON, schemaVersion < 36, a missing row, duplicate panel ids, a panel without
// gridPos or targets, a vigil_* metric not in the catalogue table of docs/metrics.md. Writes every
// PromQL expression as a recording rule to <rules-out.yml> so `promtool check rules` parses them.
import { readFileSync, writeFileSync } from 'node:fs';

const [dashboardPath, rulesOut, catalogue] = process.argv.slice(2);
if (!dashboardPath || !rulesOut || !catalogue) {
  console.error('usage: check-dashboard.mjs <dashboard.json> <rules-out.yml> <metrics.md>');
  process.exit(2);
}
const problems = [];
const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8'));
if (!(dashboard.schemaVersion >= 36)) problems.push(`schemaVersion ${dashboard.schemaVersion} < 36`);
if (!dashboard.uid || !dashboard.title) problems.push('dashboard needs a uid and a title');

const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
for (const wanted of [
  'Throughput',
  'Latency',
  'Detections by rule',
  'Cases and penalties',
  'Alerts',
  'Resources',
]) {
  if (!rows.includes(wanted)) problems.push(`missing row "${wanted}"`);
}

// Metric names documented in the catalogue table: the first backticked cell of each row.
const known = new Set(
  [...readFileSync(catalogue, 'utf8').matchAll(/^\|\s*`([a-z_:]+)`\s*\|/gm)].map((m) => m[1]),
);
const histogramSuffix = /_(bucket|sum|count)$/;
const defaultMetric = /^(process_|nodejs_|up$)/;

const ids = new Set();
const exprs = [];
for (const panel of dashboard.panels) {
  if (ids.has(panel.id)) problems.push(`duplicate panel id ${panel.id}`);
  ids.add(panel.id);
  if (!panel.gridPos) problems.push(`panel ${panel.id} "${panel.title}" has no gridPos`);
  if (panel.type === 'row') continue;
  if (!panel.targets?.length) problems.push(`panel ${panel.id} "${panel.title}" has no targets`);
  for (const target of panel.targets ?? []) {
    exprs.push({ panel: panel.title, expr: target.expr });
    for (const [name] of target.expr.matchAll(/\bvigil_[a-z0-9_]+/g)) {
      const base = known.has(name) ? name : name.replace(histogramSuffix, '');
      if (!known.has(base)) problems.push(`panel "${panel.title}": ${name} is not in ${catalogue}`);
    }
    for (const [name] of target.expr.matchAll(/\b(process|nodejs)_[a-z_]+/g)) {
      if (!defaultMetric.test(name)) problems.push(`panel "${panel.title}": unexpected metric ${name}`);
    }
  }
}

// Grafana variables are not PromQL: substitute plausible values before promtool parses them.
const toPromQL = (e) =>
  e
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replace(/\$\{?rule\}?/g, '.*');
const yaml = [
  'groups:',
  '  - name: dashboard-expressions',
  '    rules:',
  ...exprs.flatMap((e, i) => [
    `      - record: dashboard:expr_${i}`,
    `        expr: ${JSON.stringify(toPromQL(e.expr))}`,
  ]),
  '',
].join('\n');
writeFileSync(rulesOut, yaml);

if (problems.length > 0) {
  console.error(`dashboard check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`dashboard OK: ${dashboard.panels.length} panels, ${rows.length} rows, ${exprs.length} queries`);
