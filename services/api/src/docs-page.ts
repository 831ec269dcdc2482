// The /docs page: a self-contained HTML page (no CDN; the API may run without internet) that
// fetches /openapi.json and lists every operation with its parameters, body and responses, and
// every component schema.

export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigil case API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.5 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:1rem 2rem;color:#222}
h1{margin-bottom:0}.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:4em;font-weight:700;color:#fff;border-radius:4px;padding:0 .4em;text-align:center}
.GET{background:#2b7bb9}.POST{background:#3a9a4a}code,pre{background:#f5f5f5;border-radius:4px}
pre{padding:.5rem;overflow:auto;max-height:24em}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left}
.roles{color:#666;font-size:12px}
</style></head>
<body><h1>Vigil case API</h1><p id="info">Loading /openapi.json…</p><div id="ops"></div><h2>Schemas</h2><div id="schemas"></div>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const json = (v) => '<pre>' + esc(JSON.stringify(v, null, 2)) + '</pre>';
fetch('openapi.json').then((r) => r.json()).then((doc) => {
  document.getElementById('info').innerHTML = esc(doc.info.title + ' ' + doc.info.version) + ' — OpenAPI ' + esc(doc.openapi) +
    ' — <a href="openapi.json">openapi.json</a>';
  let html = '';
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const M = method.toUpperCase();
      html += '<div class="op"><h3><span class="m ' + M + '">' + M + '</span> <code>' + esc(path) + '</code> ' + esc(op.summary || '') + '</h3>';
      html += '<div class="roles">' + (op.security && op.security.length === 0 ? 'public' : 'roles: ' + esc((op['x-roles'] || []).join(', '))) + '</div>';
      if (op.description) html += '<p>' + esc(op.description) + '</p>';
      if (op.parameters) {
        html += '<table><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th>description</th></tr>';
        for (const p of op.parameters) html += '<tr><td><code>' + esc(p.name) + '</code></td><td>' + esc(p.in) + '</td><td>' + (p.required ? 'yes' : 'no') + '</td><td><code>' + esc(JSON.stringify(p.schema)) + '</code></td><td>' + esc(p.description || '') + '</td></tr>';
        html += '</table>';
      }
      if (op.requestBody) html += '<h4>Request body</h4>' + json(op.requestBody.content['application/json'].schema);
      html += '<h4>Responses</h4><ul>';
      for (const [status, r] of Object.entries(op.responses)) {
        const s = r.content && r.content['application/json'] ? ' <code>' + esc(JSON.stringify(r.content['application/json'].schema)) + '</code>' : '';
        html += '<li><b>' + esc(status) + '</b> ' + esc(r.description) + s + '</li>';
      }
      html += '</ul></div>';
    }
  }
  document.getElementById('ops').innerHTML = html;
  let sh = '';
  for (const [name, schema] of Object.entries(doc.components.schemas || {})) sh += '<h3 id="' + esc(name) + '">' + esc(name) + '</h3>' + json(schema);
  document.getElementById('schemas').innerHTML = sh;
}).catch((e) => { document.getElementById('info').textContent = 'could not load openapi.json: ' + e; });
</script></body></html>
`;
