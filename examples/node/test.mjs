// The example against a real `smshook serve --inbox FILE --forward-to URL`: smshook is built from this checkout,
// `smshook send` posts the documented sample of every kind, and each must reach the application verified by
// standardwebhooks, narrowed to its kind, with its webhookConfigId. A forward with a wrong secret must be refused.
// Ends with "N passed, N failed"; exits 1 if any failed.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { createApp } from './app.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const kinds = [
  ['SMS', 'UNSUBSCRIBE'],
  ['SMS', 'MESSAGE_RESULT_UPDATE'],
  ['SMS', 'CONVERSION_BLOCK'],
  ['SMS', 'INTERNATIONAL_DELIVERY_RECEIPT'],
  ['Email', 'UNSUBSCRIBE'],
  ['Email', 'MESSAGE_RESULT_UPDATE'],
  ['KakaoTalk Bizmessage', 'MESSAGE_RESULT_UPDATE'],
  ['KakaoTalk Bizmessage', 'TEMPLATE_STATUS_UPDATE'],
];

let passed = 0;
let failed = 0;
/** @param {string} name @param {boolean} ok @param {string} [detail] */
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'smshook-example-node-'));
const binary = path.join(dir, 'smshook');
const build = spawnSync(process.env.GO ?? 'go', ['build', '-o', binary, './cmd/smshook'], { cwd: path.join(here, '../..'), stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const secret = `whsec_${randomBytes(32).toString('base64')}`;
/** @type {{webhookId: string, summary: import('./delivery.mjs').Summary}[]} */
const received = [];
const app = createApp({ secret, onDelivery: (d) => received.push(d) });
await new Promise((resolve) => app.listen(0, '127.0.0.1', () => resolve(undefined)));
const appAddr = /** @type {import('node:net').AddressInfo} */ (app.address());
const appURL = `http://127.0.0.1:${appAddr.port}/nhn`;

const env = { ...process.env, SMSHOOK_SECRET: 's3cret', SMSHOOK_FORWARD_SECRET: secret };
const serve = spawn(binary, ['serve', '--addr', '127.0.0.1:0', '--inbox', path.join(dir, 'inbox.db'), '--forward-to', appURL], {
  env,
  stdio: ['ignore', 'ignore', 'pipe'],
});
let stderr = '';
const exited = new Promise((resolve) => serve.on('exit', (code, signal) => resolve(code ?? signal)));
/** @type {string} */
const serveURL = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`serve did not log where it listens:\n${stderr}`)), 15000);
  serve.stderr.on('data', (chunk) => {
    stderr += chunk;
    for (const line of stderr.split('\n')) {
      try {
        const msg = JSON.parse(line).msg ?? '';
        if (msg.startsWith('listening on ')) {
          clearTimeout(timer);
          resolve(msg.slice('listening on '.length));
        }
      } catch {}
    }
  });
  serve.on('exit', () => reject(new Error(`serve exited:\n${stderr}`)));
});

for (const [product, event] of kinds) {
  const sent = spawnSync(binary, ['send', '--url', serveURL, '--product', product, '--event', event], { env, encoding: 'utf8' });
  check(`send ${product} ${event}`, sent.status === 0, sent.stderr);
}

const deadline = Date.now() + 30000;
while (received.length < kinds.length && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
for (const [product, event] of kinds) {
  const kind = `${product} ${event}`;
  const got = received.filter((d) => d.summary.kind === kind);
  check(`${kind} arrived once, verified`, got.length === 1, `${got.length} arrived`);
  if (got.length !== 1) continue;
  const { webhookId, summary } = got[0];
  check(`${kind} is typed as its kind`, summary.known && summary.outcome.length === summary.hooks && summary.hooks > 0, JSON.stringify(summary));
  check(`${kind} carries webhookConfigId`, typeof summary.webhookConfigId === 'string' && summary.webhookConfigId !== '');
  check(`${kind} has a webhook-id`, /^msg_[0-9a-f]{32}$/.test(webhookId), webhookId);
}

// A forward signed with another secret: the application refuses it.
const body = JSON.stringify({ hooksId: 'h', webhookConfigId: 'w', productName: 'SMS', appKey: 'k', event: 'CONVERSION_BLOCK', hooks: [{ hookId: '1', countryCode: '1' }] });
const forged = new Webhook(`whsec_${randomBytes(32).toString('base64')}`);
const id = 'msg_forged';
const now = new Date();
const answer = await fetch(appURL, {
  method: 'POST',
  body,
  headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': forged.sign(id, now, body) },
});
check('a forward signed with another secret is refused (401)', answer.status === 401, String(answer.status));

serve.kill('SIGTERM');
const code = await exited;
check('serve stops on SIGTERM with exit 0', code === 0, `${code}\n${stderr}`);
check('serve never logs the forward secret', !stderr.includes(secret.slice('whsec_'.length)));
app.close();
rmSync(dir, { recursive: true, force: true });

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
