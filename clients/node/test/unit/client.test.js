// The client's requests and its reading of answers, against a fake fetch.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Payrail, PayrailError } from '../../src/index.js';

// A fetch that records each request and answers from `answer(request)`.
function fakeFetch(answer) {
  const calls = [];
  const fetch = async (url, init) => {
    const request = { url: new URL(url), method: init.method, headers: init.headers, signal: init.signal,
      body: init.body === undefined ? undefined : JSON.parse(init.body) };
    calls.push(request);
    const { status = 200, body, headers = {} } = await answer(request);
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', 'x-request-id': 'req_1', ...headers },
    });
  };
  return { fetch, calls };
}

const ok = (data, status = 200) => ({ status, body: { success: true, data, message: 'ok' } });

test('a call sends the key, the body and the Idempotency-Key, and answers data', async () => {
  const { fetch, calls } = fakeFetch(() => ok({ transaction_id: 'txn_1' }, 201));
  const client = new Payrail({ baseUrl: 'https://pay.example/', apiKey: 'prl_key_1.s', fetch });
  const txn = await client.createPaymentRequest({ order_uuid: 'o-1' }, { idempotencyKey: 'k-1' });
  assert.deepEqual(txn, { transaction_id: 'txn_1' });
  const [req] = calls;
  assert.equal(req.method, 'POST');
  assert.equal(req.url.href, 'https://pay.example/api/v1/payment-requests');
  assert.equal(req.headers.authorization, 'Bearer prl_key_1.s');
  assert.equal(req.headers['idempotency-key'], 'k-1');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.deepEqual(req.body, { order_uuid: 'o-1' });
});

test('send answers the status, message and request id', async () => {
  const { fetch } = fakeFetch(() => ok({ transaction_id: 'txn_1' }, 200));
  const res = await new Payrail({ fetch }).send('getTransaction', 'txn_1');
  assert.equal(res.status, 200);
  assert.equal(res.message, 'ok');
  assert.equal(res.requestId, 'req_1');
  assert.equal(res.data.transaction_id, 'txn_1');
});

test('ids are escaped into the path and query values left out when absent', async () => {
  const { fetch, calls } = fakeFetch(() => ok({ items: [], next_cursor: null }));
  const client = new Payrail({ fetch });
  await client.listDeliveries('ep/1?x', { limit: 5, cursor: undefined, status: null });
  assert.equal(calls[0].url.pathname, '/api/v1/webhook-endpoints/ep%2F1%3Fx/deliveries');
  assert.equal(calls[0].url.search, '?limit=5');
  assert.equal(calls[0].body, undefined);
  assert.equal(calls[0].headers['content-type'], undefined);
  await assert.rejects(() => client.getTransaction(''), TypeError);
});

test('the admin token acts for a merchant by query, or in the body where the API takes it', async () => {
  const { fetch, calls } = fakeFetch(() => ok({}));
  const admin = new Payrail({ apiKey: 'adm', merchantId: 'mer_1', fetch });
  await admin.listTransactions({ status: 'paid' });
  await admin.getEvent('evt_1', { merchantId: 'mer_2' });
  await admin.createKey({ label: 'server' });
  await admin.createKey({ label: 'other', merchant_id: 'mer_3' });
  assert.equal(calls[0].url.search, '?status=paid&merchant_id=mer_1');
  assert.equal(calls[1].url.search, '?merchant_id=mer_2');
  assert.deepEqual(calls[2].body, { merchant_id: 'mer_1', label: 'server' });
  assert.equal(calls[2].url.search, '');
  assert.deepEqual(calls[3].body, { merchant_id: 'mer_3', label: 'other' });
});

test('a two-step code goes in X-Payrail-Otp', async () => {
  const { fetch, calls } = fakeFetch(() => ok({ status: 'off' }));
  await new Payrail({ fetch }).disableTwoStep({ otp: '123456' });
  assert.equal(calls[0].method, 'DELETE');
  assert.equal(calls[0].headers['x-payrail-otp'], '123456');
});

test('a refusal is a PayrailError with its status, field errors and request id', async () => {
  const { fetch } = fakeFetch(() => ({
    status: 422,
    body: {
      success: false, data: null, message: 'validation failed', code: 'validation_failed',
      errors: { total_amount: ['must be positive'] },
    },
  }));
  const err = await new Payrail({ fetch }).createPaymentRequest({}).catch((e) => e);
  assert.ok(err instanceof PayrailError);
  assert.equal(err.status, 422);
  assert.equal(err.code, 'validation_failed');
  assert.equal(err.message, 'validation failed');
  assert.deepEqual(err.errors, { total_amount: ['must be positive'] });
  assert.equal(err.requestId, 'req_1');
});

test('a 429 carries Retry-After, and an answer that is not JSON still becomes a PayrailError', async () => {
  const limited = fakeFetch(() => ({
    status: 429, headers: { 'retry-after': '17' }, body: { success: false, data: null, message: 'rate limited' },
  }));
  const err = await new Payrail({ fetch: limited.fetch }).listEvents().catch((e) => e);
  assert.equal(err.retryAfter, 17);
  assert.deepEqual(err.errors, {});
  const proxy = fakeFetch(() => ({ status: 502, body: 'Bad Gateway', headers: { 'content-type': 'text/plain' } }));
  const bad = await new Payrail({ fetch: proxy.fetch }).listEvents().catch((e) => e);
  assert.ok(bad instanceof PayrailError);
  assert.equal(bad.status, 502);
  assert.equal(bad.code, null);
  assert.equal(bad.message, 'Bad Gateway');
});

test('the compatibility route takes the key in its body and refuses status false, even on 200', async () => {
  const { fetch, calls } = fakeFetch((req) =>
    req.body.email
      ? { status: 201, body: { status: true, transaction_id: 'txn_1', url: 'https://pay.example/checkout/txn_1' } }
      : { status: 200, body: { status: false, error: 'The email field is required.' } },
  );
  const client = new Payrail({ apiKey: 'prl_key_1.s', fetch });
  const created = await client.createPaymentRequestCompat({ email: 'a@example.com' });
  assert.equal(created.transaction_id, 'txn_1');
  assert.equal(calls[0].body.api_key, 'prl_key_1.s');
  assert.equal(calls[0].headers.authorization, undefined);
  const err = await client.createPaymentRequestCompat({}).catch((e) => e);
  assert.ok(err instanceof PayrailError);
  assert.equal(err.status, 200);
  assert.equal(err.message, 'The email field is required.');
});

test('the OpenAPI document is answered as it is', async () => {
  const { fetch } = fakeFetch(() => ({ body: { openapi: '3.1.0' } }));
  assert.deepEqual(await new Payrail({ fetch }).getOpenApi(), { openapi: '3.1.0' });
});

test('iterators follow next_cursor across pages, with the caller\'s filters', async () => {
  const pages = { '': ['a', 'b'], c1: ['c', 'd'], c2: [] };
  const next = { '': 'c1', c1: 'c2', c2: null };
  const { fetch, calls } = fakeFetch((req) => {
    const at = req.url.searchParams.get('cursor') ?? '';
    return ok({ items: pages[at].map((id) => ({ transaction_id: id })), next_cursor: next[at] });
  });
  const seen = [];
  for await (const t of new Payrail({ fetch }).iterateTransactions({ status: 'paid', limit: 2 })) {
    seen.push(t.transaction_id);
  }
  assert.deepEqual(seen, ['a', 'b', 'c', 'd']);
  assert.deepEqual(calls.map((c) => c.url.search), [
    '?status=paid&limit=2', '?status=paid&limit=2&cursor=c1', '?status=paid&limit=2&cursor=c2',
  ]);
});

test('an iterator over a resource\'s list takes its id first', async () => {
  const { fetch, calls } = fakeFetch(() => ok({ items: [{ id: 'att_1' }], next_cursor: null }));
  const seen = [];
  for await (const a of new Payrail({ fetch }).iterateDeliveries('ep_1', { limit: 1 })) seen.push(a.id);
  assert.deepEqual(seen, ['att_1']);
  assert.equal(calls[0].url.pathname, '/api/v1/webhook-endpoints/ep_1/deliveries');
});

test('a request longer than the timeout is aborted, and so is one whose signal aborts', async () => {
  const hang = (req) =>
    new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason)));
  const { fetch } = fakeFetch(hang);
  const client = new Payrail({ fetch, timeout: 50 });
  // The timeout's timer does not hold the event loop open; a real socket would.
  const socket = setInterval(() => {}, 1000);
  try {
    await assert.rejects(() => client.getTransaction('txn_1'), { name: 'TimeoutError' });
    const unused = new AbortController().signal;
    await assert.rejects(() => client.getTransaction('txn_1', { signal: unused }), { name: 'TimeoutError' });
    const controller = new AbortController();
    const pending = client.getTransaction('txn_1', { signal: controller.signal, timeout: 0 });
    controller.abort(new Error('caller gave up'));
    await assert.rejects(pending, /caller gave up/);
  } finally {
    clearInterval(socket);
  }
});
