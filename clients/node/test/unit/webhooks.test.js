// verifyWebhook against signatures made as Payrail makes them (shared/src/webhooks/signing.rs):
// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the `whsec_` secret's
// base64 key, one entry per valid secret, space-separated.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';

import { verifyWebhook, WebhookVerificationError } from '../../src/index.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';

function sign(secret, id, timestamp, body) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function delivery(body, secrets = [SECRET], timestamp = Math.floor(Date.now() / 1000)) {
  const id = 'evt_01m84dp5t44fhq25ebwx3wv6nb';
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => sign(s, id, timestamp, body)).join(' '),
  };
}

const BODY = JSON.stringify({ type: 'payment.succeeded', timestamp: '2026-11-23T14:41:45Z', data: { total_amount: '49.99' } });

test('the signer here is Payrail\'s: it reproduces the Standard Webhooks test vector', () => {
  assert.equal(
    sign(SECRET, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'),
    'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  );
});

test('a signed delivery verifies from a string, a Buffer or bytes, and answers its payload', () => {
  const headers = delivery(BODY);
  for (const body of [BODY, Buffer.from(BODY), new TextEncoder().encode(BODY)]) {
    assert.equal(verifyWebhook(SECRET, body, headers).data.total_amount, '49.99');
  }
});

test('headers are read from a fetch Headers, a Node request\'s (any case, repeated) or a plain object', () => {
  const headers = delivery(BODY);
  assert.ok(verifyWebhook(SECRET, BODY, new Headers(headers)));
  const shouted = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), [v]]));
  assert.ok(verifyWebhook(SECRET, BODY, shouted));
});

test('during a rotation either secret verifies the two-entry signature', () => {
  const headers = delivery(BODY, [OTHER, SECRET]);
  assert.ok(verifyWebhook(SECRET, BODY, headers));
  assert.ok(verifyWebhook(OTHER, BODY, headers));
});

test('a tampered body, another secret, a stale timestamp or missing headers are refused', () => {
  const headers = delivery(BODY);
  const refused = (fn) => assert.throws(fn, WebhookVerificationError);
  refused(() => verifyWebhook(SECRET, BODY.replace('49.99', '0.01'), headers));
  refused(() => verifyWebhook(OTHER, BODY, headers));
  refused(() => verifyWebhook(SECRET, BODY, delivery(BODY, [SECRET], Math.floor(Date.now() / 1000) - 600)));
  refused(() => verifyWebhook(SECRET, BODY, { 'webhook-id': headers['webhook-id'] }));
  refused(() => verifyWebhook(SECRET, BODY, { ...headers, 'webhook-id': 'evt_other' }));
});

test('a body already parsed is refused with a hint, since it can no longer match', () => {
  assert.throws(() => verifyWebhook(SECRET, JSON.parse(BODY), delivery(BODY)), /raw request body/);
});
