// The client against a running Payrail (target/debug/payrail-local over the AWS emulator, as
// scripts/node-client.sh starts it in `make test`): PAYRAIL_BASE_URL and PAYRAIL_ADMIN_TOKEN
// name it. Each run makes its own merchant, so runs never see each other's data.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { Payrail, PayrailError, verifyWebhook, WebhookVerificationError } from '../../src/index.js';

const baseUrl = process.env.PAYRAIL_BASE_URL;
const adminToken = process.env.PAYRAIL_ADMIN_TOKEN;
if (!baseUrl || !adminToken) {
  throw new Error('set PAYRAIL_BASE_URL and PAYRAIL_ADMIN_TOKEN to a running Payrail (see scripts/node-client.sh)');
}

const admin = new Payrail({ baseUrl, apiKey: adminToken });
let merchant;
let client;
let receiver;

function paymentRequest(fields = {}) {
  return {
    order_uuid: `order-${randomUUID()}`,
    total_amount: '49.99',
    currency: 'EUR',
    email: 'ann@example.com',
    product_title: 'Blue mug',
    success_url: 'https://shop.example.com/thanks',
    cancel_url: 'https://shop.example.com/cart',
    ...fields,
  };
}

// Pays on the hosted checkout page as a customer's browser does: reads the form's token, posts
// the sandbox's card fields, and answers the redirect back to the merchant.
async function pay(txn, card = '4242424242424242') {
  const page = await (await fetch(txn.url)).text();
  const token = page.match(/name="token" value="([^"]+)"/)?.[1];
  assert.ok(token, 'the checkout page has a form token');
  const res = await fetch(txn.url, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      token, card_number: card, exp_month: '12', exp_year: '2031', cvc: '123', cardholder_name: 'Ann Lee',
    }),
  });
  assert.equal(res.status, 303);
  return res.headers.get('location');
}

// A webhook receiver on 127.0.0.1 that keeps each delivery's raw body and headers.
async function startReceiver() {
  const deliveries = [];
  const waiting = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks) });
      for (const wake of waiting.splice(0)) wake();
      res.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/payrail-webhooks`,
    // The first delivery `matches` accepts, within 30 s.
    async next(matches) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const found = deliveries.find(matches);
        if (found) return found;
        assert.ok(Date.now() < deadline, 'no matching delivery within 30 s');
        await new Promise((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 250);
        });
      }
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const deliveryOf = (type, transactionId) => (d) => {
  const payload = JSON.parse(d.body.toString());
  return payload.type === type && (!transactionId || payload.data.transaction_id === transactionId);
};

before(async () => {
  merchant = await admin.createMerchant({ name: 'Node client shop', rate_limit_per_minute: 10_000 });
  const key = await admin.createKey({ label: 'node client tests', scope: 'full' }, { merchantId: merchant.id });
  client = new Payrail({ baseUrl, apiKey: key.key });
  receiver = await startReceiver();
});

after(() => receiver?.close());

describe('keys and merchants', () => {
  test('the key the admin token made is the merchant\'s, and the admin token reads the merchant', async () => {
    const key = await client.currentKey();
    assert.equal(key.merchant_id, merchant.id);
    assert.equal(key.scope, 'full');
    assert.equal((await admin.getMerchant(merchant.id)).name, 'Node client shop');
  });

  test('a wrong key is a 401 PayrailError with the request id', async () => {
    const stranger = new Payrail({ baseUrl, apiKey: 'prl_key_01m84dp5pyekm6hn3vd8rj8wew.nope' });
    const err = await stranger.listTransactions().catch((e) => e);
    assert.ok(err instanceof PayrailError, String(err));
    assert.equal(err.status, 401);
    assert.equal(err.code, 'credential_invalid');
    assert.match(err.requestId, /^req_/);
  });
});

describe('payments', () => {
  test('the same Idempotency-Key answers the same transaction: 201, then 200', async () => {
    const body = paymentRequest();
    const first = await client.send('createPaymentRequest', body, { idempotencyKey: `${body.order_uuid}-1` });
    const again = await client.send('createPaymentRequest', body, { idempotencyKey: `${body.order_uuid}-1` });
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.equal(again.data.transaction_id, first.data.transaction_id);
    assert.equal(first.data.status, 'pending');
    assert.equal(first.data.amount_minor, 4999);

    const changed = await client
      .createPaymentRequest({ ...body, total_amount: '50.00' }, { idempotencyKey: `${body.order_uuid}-1` })
      .catch((e) => e);
    assert.ok(changed instanceof PayrailError);
    assert.equal(changed.status, 409);
    assert.equal(changed.code, 'idempotency_key_reused');
  });

  test('a transaction is found by id and by order_uuid', async () => {
    const created = await client.createPaymentRequest(paymentRequest());
    const byId = await client.getTransaction(created.transaction_id);
    assert.equal(byId.order_uuid, created.order_uuid);
    const byOrder = await client.listTransactions({ order_uuid: created.order_uuid });
    assert.deepEqual(byOrder.items.map((t) => t.transaction_id), [created.transaction_id]);
  });

  test('the iterator walks every transaction over several pages, each once', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await client.createPaymentRequest(paymentRequest())).transaction_id);
    let pages = 0;
    const counting = new Payrail({
      baseUrl,
      apiKey: client.apiKey,
      fetch: (url, init) => {
        pages += 1;
        return fetch(url, init);
      },
    });
    const seen = [];
    for await (const txn of counting.iterateTransactions({ limit: 2 })) seen.push(txn.transaction_id);
    assert.ok(pages >= 3, `${pages} pages`);
    assert.equal(new Set(seen).size, seen.length, 'no transaction twice');
    for (const id of made) assert.ok(seen.includes(id), `${id} listed`);
  });

  test('an invalid request is a 422 PayrailError naming each field', async () => {
    const err = await client
      .createPaymentRequest(paymentRequest({ total_amount: 'lots', email: 'not an address' }))
      .catch((e) => e);
    assert.ok(err instanceof PayrailError, String(err));
    assert.equal(err.status, 422);
    assert.deepEqual(Object.keys(err.errors).sort(), ['email', 'total_amount']);
    assert.ok(err.errors.total_amount.length > 0);
    assert.match(err.requestId, /^req_/);
  });

  test('a pending transaction is canceled once; a paid one cannot be', async () => {
    const pending = await client.createPaymentRequest(paymentRequest());
    assert.equal((await client.cancelTransaction(pending.transaction_id)).status, 'canceled');
    assert.equal((await client.cancelTransaction(pending.transaction_id)).status, 'canceled');

    const paid = await client.createPaymentRequest(paymentRequest());
    await pay(paid);
    const err = await client.cancelTransaction(paid.transaction_id).catch((e) => e);
    assert.equal(err.status, 409);
  });

  test('the compatibility route creates a payment with the client\'s key in its body', async () => {
    const created = await client.createPaymentRequestCompat(paymentRequest());
    assert.equal(created.status, true);
    assert.equal((await client.getTransaction(created.transaction_id)).status, 'pending');
  });
});

describe('webhooks', () => {
  let endpoint;

  before(async () => {
    endpoint = await client.createWebhookEndpoint({ url: receiver.url, description: 'node client tests' });
  });

  test('a test event arrives signed; the helper verifies it and refuses it tampered', async () => {
    const event = await client.testWebhookEndpoint(endpoint.id);
    const delivery = await receiver.next((d) => d.headers['webhook-id'] === event.id);
    const payload = verifyWebhook(endpoint.secret, delivery.body, delivery.headers);
    assert.equal(payload.type, 'webhook.test');

    const tampered = Buffer.from(delivery.body.toString().replace('webhook.test', 'payment.succeeded'));
    assert.throws(() => verifyWebhook(endpoint.secret, tampered, delivery.headers), WebhookVerificationError);
    const { secret: other } = await client.createWebhookEndpoint({ url: `${receiver.url}/other`, enabled: false });
    assert.throws(() => verifyWebhook(other, delivery.body, delivery.headers), WebhookVerificationError);
  });

  test('a paid transaction\'s payment.succeeded verifies, then its refund, its event and deliveries read back', async () => {
    const txn = await client.createPaymentRequest(paymentRequest());
    const back = await pay(txn);
    assert.equal(back, `https://shop.example.com/thanks?transaction_id=${txn.transaction_id}`);
    assert.equal((await client.getTransaction(txn.transaction_id)).status, 'paid');

    const delivery = await receiver.next(deliveryOf('payment.succeeded', txn.transaction_id));
    const payload = verifyWebhook(endpoint.secret, delivery.body, delivery.headers);
    assert.equal(payload.data.status, 'paid');
    assert.equal(payload.data.card.last4, '4242');

    const key = `refund-${txn.transaction_id}`;
    const refund = await client.createRefund(txn.transaction_id, { amount: '10.00', reason: 'broken' }, { idempotencyKey: key });
    const repeat = await client.send('createRefund', txn.transaction_id, { amount: '10.00', reason: 'broken' }, { idempotencyKey: key });
    assert.equal(refund.status, 'succeeded');
    assert.equal(repeat.status, 200);
    assert.equal(repeat.data.id, refund.id);
    assert.deepEqual((await client.listRefunds(txn.transaction_id)).items.map((r) => r.id), [refund.id]);
    // A second refund, then the refunds one page at a time, newest first.
    const rest = await client.createRefund(txn.transaction_id, { amount: '1.00' });
    const refunds = [];
    for await (const r of client.iterateRefunds(txn.transaction_id, { limit: 1 })) refunds.push(r.id);
    assert.deepEqual(refunds, [rest.id, refund.id]);

    const eventId = delivery.headers['webhook-id'];
    const event = await client.getEvent(eventId);
    assert.equal(event.type, 'payment.succeeded');
    assert.ok(event.attempts.some((a) => a.outcome === 'succeeded'));
    const attempts = [];
    for await (const attempt of client.iterateDeliveries(endpoint.id, { limit: 1 })) attempts.push(attempt);
    assert.ok(attempts.some((a) => a.event_id === eventId));

    // A resend is the same event again, under the same webhook-id.
    const before = (await client.getEvent(eventId)).attempts.length;
    const resent = await client.resendEvent(eventId, { endpoint_id: endpoint.id });
    assert.deepEqual(resent.queued, [endpoint.id]);
    const deadline = Date.now() + 30_000;
    while ((await client.getEvent(eventId)).attempts.length === before) {
      assert.ok(Date.now() < deadline, 'the resend was not delivered within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  test('the admin token acts for the merchant with merchantId', async () => {
    const operator = new Payrail({ baseUrl, apiKey: adminToken, merchantId: merchant.id });
    const endpoints = [];
    for await (const ep of operator.iterateWebhookEndpoints()) endpoints.push(ep.id);
    assert.ok(endpoints.includes(endpoint.id));
    const secret = await operator.revealWebhookSecret(endpoint.id);
    assert.equal(secret.secret, endpoint.secret);
    const err = await admin.getWebhookEndpoint(endpoint.id).catch((e) => e);
    assert.equal(err.status, 403, 'without merchantId the admin token acts for no one');
  });
});

describe('payment links', () => {
  test('a link is created, a customer\'s visit starts a payment that carries it, and paying counts', async () => {
    const link = await client.createPaymentLink({
      title: 'Pottery workshop',
      total_amount: '25.00',
      currency: 'EUR',
      quantity_limit: 1,
      success_url: 'https://shop.example.com/thanks',
      cancel_url: 'https://shop.example.com/',
    });
    assert.match(link.id, /^plink_/);
    assert.equal(link.url, `${baseUrl}/pay/${link.id}`);
    assert.equal(link.status, 'active');

    // The customer's visit: the link's page form, then on to the hosted checkout.
    const visit = await fetch(link.url, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ email: 'ann@example.com' }),
    });
    assert.equal(visit.status, 303);
    const transactionId = visit.headers.get('location').split('/').pop();
    const txn = await client.getTransaction(transactionId);
    assert.equal(txn.payment_link_id, link.id);
    assert.equal(txn.total_amount, '25.00');
    await pay(txn);

    const sold = await client.getPaymentLink(link.id);
    assert.equal(sold.paid_count, 1);
    assert.equal(sold.status, 'exhausted');
    const ids = [];
    for await (const l of client.iteratePaymentLinks({ limit: 1 })) ids.push(l.id);
    assert.ok(ids.includes(link.id));

    const refused = await client.updatePaymentLink(link.id, { total_amount: '30.00' }).catch((e) => e);
    assert.ok(refused instanceof PayrailError);
    assert.equal(refused.status, 422);
    assert.ok(refused.errors.total_amount, JSON.stringify(refused.errors));
    const off = await client.updatePaymentLink(link.id, { active: false, quantity_limit: null });
    assert.equal(off.status, 'inactive');
  });

  test('a payment makes its customer; customers are found by id or email and listed once each', async () => {
    const email = `cust-${Date.now()}@example.com`;
    const paid = await client.createPaymentRequest(paymentRequest({ email, first_name: 'Ann' }));
    assert.match(paid.customer_id, /^cus_/);
    const byEmail = await client.getCustomer(email.toUpperCase());
    assert.equal(byEmail.id, paid.customer_id);
    assert.equal(byEmail.name, 'Ann');
    const made = await client.createCustomer({ email: `other-${email}`, phone: '+1 555 0100' });
    assert.equal((await client.getCustomer(made.id)).phone, '+1 555 0100');
    const again = await client.createCustomer({ email }).catch((e) => e);
    assert.ok(again instanceof PayrailError);
    assert.equal(again.status, 409);
    assert.equal(again.code, 'customer_exists');
    const seen = [];
    for await (const c of client.iterateCustomers({ limit: 1 })) seen.push(c.id);
    assert.equal(new Set(seen).size, seen.length, 'no customer twice');
    for (const id of [paid.customer_id, made.id]) assert.ok(seen.includes(id), `${id} listed`);
  });
});
