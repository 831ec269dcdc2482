// A minimal seller receiver, for local demos and as the reference for sellers' own code:
//   WEBHOOK_SECRET=... PORT=19467 tsx services/alerts/src/example-receiver.ts
// It verifies each request on the raw body bytes, dedupes by alert id, and answers 2xx only
// after the alert is safely handled (here: printed), so Vigil retries anything it did not take.

import { createServer } from 'node:http';
import { verifySignature } from '@vigil/webhooks';

const secret = process.env['WEBHOOK_SECRET'] ?? '';
const port = Number(process.env['PORT'] ?? 19467);
const seen = new Set<string>(); // a real receiver keeps this in its database

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const ok = verifySignature(
      secret,
      req.headers['x-vigil-timestamp'] as string | undefined,
      body,
      req.headers['x-vigil-signature'] as string | undefined,
    );
    if (!ok) return void res.writeHead(401).end();
    const alert = JSON.parse(body.toString('utf8')) as { alertId: string };
    if (!seen.has(alert.alertId)) {
      seen.add(alert.alertId);
      console.log(JSON.stringify(alert));
    }
    res.writeHead(204).end();
  });
}).listen(port, '127.0.0.1', () => console.error(`receiver listening on 127.0.0.1:${port}`));
