// Compile-time checks (`tsc`, in `npm run check`): each method's declared answer is exactly
// the `data` docs/openapi.yaml gives for its success response, so index.d.ts cannot drift from
// the regenerated schema.d.ts. Lists are typed by hand (their item type is not in the
// generated envelope) and checked by their use below.
import type { operations } from '../../src/schema.js';
import type { Methods, Page, Payrail, PayrailError, Schemas } from '../../src/index.js';
import { verifyWebhook } from '../../src/index.js';

type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Success<K extends keyof operations> = JsonOf<
  operations[K]['responses'][Extract<keyof operations[K]['responses'], 200 | 201>]
>;
type SpecData<K extends keyof operations> = Success<K> extends { data?: infer D } ? NonNullable<D> : never;
type Answer<K extends keyof Methods> = Awaited<ReturnType<Methods[K]>>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Operations whose answer is not an enveloped object of the schema: pages, the compatibility
// route and the OpenAPI document.
type Unenveloped = 'createPaymentRequestCompat' | 'getOpenApi';
type Checked = Exclude<Extract<keyof operations, keyof Methods>, Unenveloped>;
type Mismatched = {
  [K in Checked]: Answer<K> extends Page<unknown> ? never : Same<Answer<K>, SpecData<K>> extends true ? never : K;
}[Checked];
// An error here names the methods whose answer differs from the document's.
type NoneMismatched<T extends never> = T;
export type Checks = NoneMismatched<Mismatched>;

// What a caller writes compiles, with the types it expects.
export async function usage(client: Payrail): Promise<void> {
  const txn = await client.createPaymentRequest(
    { order_uuid: 'o-1', total_amount: '49.99', currency: 'EUR', email: 'a@example.com',
      success_url: 'https://shop.example/ok', cancel_url: 'https://shop.example/cart' },
    { idempotencyKey: 'o-1-attempt-1' },
  );
  const status: Schemas['PaymentStatus'] = txn.status;
  const page: Page<Schemas['Transaction']> = await client.listTransactions({ status: 'paid', limit: 50 });
  for await (const t of client.iterateTransactions({ status })) {
    const id: string = t.transaction_id;
    void id;
  }
  for await (const a of client.iterateDeliveries('ep_1', { limit: 10 })) {
    const outcome: 'succeeded' | 'retrying' | 'failed' | 'endpoint_disabled' = a.outcome;
    void outcome;
  }
  const whole = await client.send('getTransaction', page.items[0]!.transaction_id, { merchantId: 'mer_1' });
  const amount: string = whole.data.total_amount;
  const endpoint = await client.createWebhookEndpoint({ url: 'https://shop.example/hooks' });
  const secret: string = endpoint.secret;
  const payload = verifyWebhook(secret, '{}', { 'webhook-id': 'evt_1' });
  const kind: string = payload.type;
  void [amount, kind];
  try {
    await client.getTransaction('txn_1');
  } catch (err) {
    const e = err as PayrailError;
    const messages: string[] | undefined = e.errors['total_amount'];
    void messages;
  }
  // @ts-expect-error an id is required
  await client.getTransaction();
  // @ts-expect-error a payment request needs its required fields
  await client.createPaymentRequest({ order_uuid: 'o-2' });
}
