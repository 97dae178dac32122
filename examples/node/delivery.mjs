// The application's view of a forwarded delivery, typed with what openapi-typescript generates from openapi.yaml
// (npm run types): `tsc` checks this file (npm run typecheck), so a property the contract does not have, or a
// product or an event it does not know, fails to compile rather than in production.

/** @typedef {import('./build/openapi.d.ts').components['schemas']} Schemas */
/** @typedef {Schemas['Delivery']} Delivery */

/**
 * What the application keeps of one delivery: its kind, its webhook configuration and, per hook, the one field
 * of its event that it acts on. Never a phone number or an e-mail address.
 * @typedef {{kind: string, known: boolean, webhookConfigId: string, hooks: number, outcome: string[]}} Summary
 */

/**
 * summarize narrows a delivery on productName, then on event, to the hooks of its kind. A kind the contract does
 * not know (smshook forwards it as an Envelope, its hooks as received) is summarized without its hooks' fields.
 * @param {Delivery} d
 * @returns {Summary}
 */
export function summarize(d) {
  const base = { kind: `${d.productName} ${d.event}`, known: true, webhookConfigId: d.webhookConfigId, hooks: d.hooks.length };
  switch (d.productName) {
    case 'SMS':
    case 'Sms':
      switch (d.event) {
        case 'UNSUBSCRIBE':
          return { ...base, outcome: d.hooks.map((h) => `unsubscribed via ${h.unsubscribeNo ?? 'an 080 number'}`) };
        case 'MESSAGE_RESULT_UPDATE':
          return { ...base, outcome: d.hooks.map((h) => `${h.requestId}#${h.recipientSeq} ${h.messageStatus ?? ''} ${h.resultCode ?? ''}`.trim()) };
        case 'CONVERSION_BLOCK':
          return { ...base, outcome: d.hooks.map((h) => `blocked country ${h.countryCode}`) };
        case 'INTERNATIONAL_DELIVERY_RECEIPT':
          return { ...base, outcome: d.hooks.map((h) => `${h.requestId}#${h.recipientSeq} ${h.dlrStatus}`) };
      }
      break;
    case 'Email':
      switch (d.event) {
        case 'UNSUBSCRIBE':
          return { ...base, outcome: d.hooks.map(() => 'unsubscribed an address') };
        case 'MESSAGE_RESULT_UPDATE':
          return { ...base, outcome: d.hooks.map((h) => `${h.requestId}#${h.mailSeq} ${h.mailStatusCode ?? ''}`.trim()) };
      }
      break;
    case 'KakaoTalk Bizmessage':
      switch (d.event) {
        case 'MESSAGE_RESULT_UPDATE':
          return { ...base, outcome: d.hooks.map((h) => `${h.requestId} ${h.resultCode ?? ''}`.trim()) };
        case 'TEMPLATE_STATUS_UPDATE':
          return { ...base, outcome: d.hooks.map((h) => `template ${h.templateCode ?? ''} ${h.status ?? ''}`.trim()) };
      }
      break;
  }
  return { ...base, known: false, outcome: [] };
}
