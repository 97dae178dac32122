// An application behind `smshook serve --inbox FILE --forward-to http://127.0.0.1:3000/nhn`: it verifies each
// request with the standardwebhooks package, keyed with the same whsec_ secret as serve's
// SMSHOOK_FORWARD_SECRET, and hands the Delivery to summarize (delivery.mjs, typed from openapi.yaml).
//
//   SMSHOOK_FORWARD_SECRET=whsec_… PORT=3000 node app.mjs
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { summarize } from './delivery.mjs';

/** The largest body taken: smshook forwards what its receiver accepted, 1 MiB unless --max-body says more. */
const maxBody = 8 << 20;

/**
 * createApp returns an http.Server that answers 204 to a forward that verifies, after onDelivery took it, 401 to
 * one that does not, and 400 to a body it cannot read. A repeat carries the webhook-id of the first attempt.
 * @param {{secret: string, onDelivery: (d: {webhookId: string, summary: import('./delivery.mjs').Summary}) => void}} opts
 */
export function createApp({ secret, onDelivery }) {
  const wh = new Webhook(secret);
  return http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > maxBody) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      const body = Buffer.concat(chunks).toString('utf8');
      let delivery;
      try {
        // verify checks the signature over the exact bytes and the timestamp, then parses the body.
        delivery = wh.verify(body, /** @type {Record<string, string>} */ (req.headers));
      } catch {
        res.writeHead(401).end();
        return;
      }
      try {
        onDelivery({ webhookId: String(req.headers['webhook-id']), summary: summarize(delivery) });
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(204).end();
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const secret = process.env.SMSHOOK_FORWARD_SECRET;
  if (!secret) {
    console.error('app: set SMSHOOK_FORWARD_SECRET to the whsec_ secret given to smshook serve');
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 3000);
  createApp({
    secret,
    onDelivery: ({ summary }) => console.log(`${summary.kind}: ${summary.hooks} hook(s) ${summary.outcome.join('; ')}`),
  }).listen(port, '127.0.0.1', () => console.log(`app: listening on http://127.0.0.1:${port}/`));
}
