import { Buffer } from 'node:buffer';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export { WebhookVerificationError };

const SIGNED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

// Checks a delivery's Standard Webhooks signature (webhook-id, webhook-timestamp,
// webhook-signature; five minutes' tolerance) with the endpoint's `whsec_…` secret, and
// answers the parsed payload. `body` must be the raw bytes received (a string, Buffer or
// Uint8Array): a body parsed and serialised again no longer matches its signature.
// `headers`: a Node request's headers, a fetch Headers, or a plain object.
// Throws WebhookVerificationError for a missing, wrong, stale or tampered delivery.
export function verifyWebhook(secret, body, headers) {
  if (typeof body !== 'string' && !(body instanceof Uint8Array) && !(body instanceof ArrayBuffer)) {
    throw new TypeError('verifyWebhook needs the raw request body (a string or bytes), not parsed JSON');
  }
  const payload = typeof body === 'string' ? body : Buffer.from(body);
  return new Webhook(secret).verify(payload, signedHeaders(headers));
}

function signedHeaders(headers) {
  const read =
    typeof headers?.get === 'function'
      ? (name) => headers.get(name)
      : (name) => {
          const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
          const value = key === undefined ? undefined : headers[key];
          return Array.isArray(value) ? value[0] : value;
        };
  const out = {};
  for (const name of SIGNED_HEADERS) {
    const value = read(name);
    if (value !== undefined && value !== null) out[name] = String(value);
  }
  return out;
}
