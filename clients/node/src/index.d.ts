// Types of the client. Request and answer shapes come from schema.d.ts, which
// openapi-typescript generates from docs/openapi.yaml (`npm run generate`).
import type { components, operations as Operations } from './schema.js';

export type { components, paths } from './schema.js';

/** Every schema of the API: `Schemas['Transaction']`, `Schemas['PaymentRequest']`, … */
export type Schemas = components['schemas'];

/** An operation's query parameters, as docs/openapi.yaml declares them. */
export type Query<K extends keyof Operations> = NonNullable<Operations[K]['parameters']['query']>;

/** The `data` of an operation's success answer, for answers the document declares inline. */
type Data<K extends keyof Operations> = Operations[K]['responses'] extends { 200: { content: { 'application/json': { data?: infer D } } } }
  ? NonNullable<D>
  : never;

/** One page of a list: `items` and the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface ClientOptions {
  /** Where Payrail answers, e.g. `https://pay.example.com` (default `http://127.0.0.1:3000`). */
  baseUrl?: string;
  /** A merchant API key (`prl_key_….…`) or the operator's admin token, sent as a bearer token. */
  apiKey?: string;
  /** With the admin token: the merchant every call acts for (`?merchant_id=`). */
  merchantId?: string;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof globalThis.fetch;
  /** Milliseconds before a request is aborted (default 30000; 0: never). */
  timeout?: number;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  /** `Idempotency-Key`: the same key and body answer the original instead of a new one. */
  idempotencyKey?: string;
  /** With the admin token: the merchant this call acts for; wins over the client's. */
  merchantId?: string;
  /** `X-Payrail-Otp`: a two-step code or recovery code. */
  otp?: string;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** Milliseconds before this request is aborted; wins over the client's. */
  timeout?: number;
  headers?: Record<string, string>;
}

/** A whole answer, as `send` gives it. */
export interface PayrailResponse<T> {
  status: number;
  data: T;
  /** The envelope's message (undefined for the compatibility route and the OpenAPI document). */
  message: string | undefined;
  requestId: string | null;
  headers: Headers;
}

/** A refused request (any status but 2xx, or an envelope with `success: false`). */
export class PayrailError extends Error {
  name: 'PayrailError';
  /** The HTTP status. */
  status: number;
  /**
   * The envelope's stable, machine-readable `code` (`two_step_required`, `rate_limited`, …):
   * branch on this, never on `message`. `null` for the compatibility route's answers.
   */
  code: S['Error']['code'] | null;
  /** The envelope's message (the compatibility route's `error`). */
  message: string;
  /** Each invalid field with its messages, for a 422: `{total_amount: ['must be …']}`. */
  errors: Record<string, string[]>;
  /** The `X-Request-Id` of the answer, to find the request in Payrail's logs. */
  requestId: string | null;
  /** `Retry-After` in seconds, for a 429. */
  retryAfter: number | null;
  /** The parsed body (or its text when it was not JSON). */
  body: unknown;
}

type S = components['schemas'];
type Key = S['Key'];
type KeyWithSecret = S['Key'] & { key: string };
type EndpointWithSecret = S['Endpoint'] & { secret: string; token: S['EndpointToken'] };
type Secret = { secret: string; token: S['EndpointToken']; previous_secret_valid_until: string | null };
type EventWithAttempts = S['Event'] & { attempts: S['Attempt'][] };

/** The client's methods, one per operationId of docs/openapi.yaml. */
export interface Methods {
  // Merchants (the admin token).
  createMerchant(body: S['MerchantCreate'], options?: RequestOptions): Promise<S['Merchant']>;
  listMerchants(query?: Query<'listMerchants'>, options?: RequestOptions): Promise<Page<S['Merchant']>>;
  getMerchant(id: string, options?: RequestOptions): Promise<S['Merchant']>;
  updateMerchant(id: string, body: S['MerchantUpdate'], options?: RequestOptions): Promise<S['Merchant']>;
  /** Every change made with the admin token, newest first. */
  listAuditLog(query?: Query<'listAuditLog'>, options?: RequestOptions): Promise<Page<S['AuditEntry']>>;
  /** Webhook jobs given up on, waiting on the dead-letter queue. */
  getDeadLetters(options?: RequestOptions): Promise<Data<'getDeadLetters'>>;
  /** Moves up to `max` (default 1000) of them back to the delivery queue. */
  redriveDeadLetters(body?: { max?: number }, options?: RequestOptions): Promise<Data<'redriveDeadLetters'>>;

  // API keys, two-step verification and the access log.
  /** With the admin token, the merchant is `body.merchant_id` or the `merchantId` option. */
  createKey(body: S['KeyCreate'], options?: RequestOptions): Promise<KeyWithSecret>;
  listKeys(query?: Query<'listKeys'>, options?: RequestOptions): Promise<Page<Key>>;
  revokeKey(id: string, options?: RequestOptions): Promise<Key>;
  rotateKey(id: string, options?: RequestOptions): Promise<KeyWithSecret>;
  currentKey(options?: RequestOptions): Promise<Key>;
  getTwoStep(options?: RequestOptions): Promise<S['TwoStep']>;
  startTwoStep(options?: RequestOptions): Promise<S['TwoStepEnrolment']>;
  /** A merchant key passes a current code or a recovery code as `otp`. */
  disableTwoStep(options?: RequestOptions): Promise<S['TwoStep']>;
  confirmTwoStep(body: { code: string }, options?: RequestOptions): Promise<S['TwoStep']>;
  listLogs(query?: Query<'listLogs'>, options?: RequestOptions): Promise<Page<S['LogEntry']>>;

  // Payments.
  /** 201 a new transaction, 200 the original for a repeated order_uuid or Idempotency-Key. */
  createPaymentRequest(body: S['PaymentRequest'], options?: RequestOptions): Promise<S['Transaction']>;
  /** The older gateway style: the client's key goes in the body as `api_key`. */
  createPaymentRequestCompat(
    body: Omit<S['CompatPaymentRequest'], 'api_key'> & { api_key?: string },
    options?: RequestOptions,
  ): Promise<S['CompatCreated']>;
  listTransactions(query?: Query<'listTransactions'>, options?: RequestOptions): Promise<Page<S['Transaction']>>;
  getTransaction(id: string, options?: RequestOptions): Promise<S['Transaction']>;
  /** No body (or no amount): everything not yet refunded. */
  createRefund(id: string, body?: S['RefundRequest'], options?: RequestOptions): Promise<S['Refund']>;
  /** Refunds made through Payrail and in the processor's dashboard, newest first. */
  listRefunds(id: string, query?: Query<'listRefunds'>, options?: RequestOptions): Promise<Page<S['Refund']>>;
  cancelTransaction(id: string, options?: RequestOptions): Promise<S['Transaction']>;

  // Payment links: `url` is the page to share; each visit starts a transaction of its own.
  createPaymentLink(body: S['PaymentLinkRequest'], options?: RequestOptions): Promise<S['PaymentLink']>;
  listPaymentLinks(query?: Query<'listPaymentLinks'>, options?: RequestOptions): Promise<Page<S['PaymentLink']>>;
  getPaymentLink(id: string, options?: RequestOptions): Promise<S['PaymentLink']>;
  /** Only the fields sent change; the price and currency are fixed once created. */
  updatePaymentLink(id: string, body: S['PaymentLinkUpdate'], options?: RequestOptions): Promise<S['PaymentLink']>;

  // Customers: one per email address; `id` is a customer id or an email address.
  createCustomer(body: S['CustomerRequest'], options?: RequestOptions): Promise<S['Customer']>;
  listCustomers(query?: Query<'listCustomers'>, options?: RequestOptions): Promise<Page<S['Customer']>>;
  getCustomer(id: string, options?: RequestOptions): Promise<S['Customer']>;

  // The payment processor.
  getProcessor(options?: RequestOptions): Promise<S['Processor']>;
  putProcessor(body: S['ProcessorRequest'], options?: RequestOptions): Promise<S['Processor']>;

  // Webhook endpoints.
  createWebhookEndpoint(body: S['EndpointCreate'], options?: RequestOptions): Promise<EndpointWithSecret>;
  listWebhookEndpoints(query?: Query<'listWebhookEndpoints'>, options?: RequestOptions): Promise<Page<S['Endpoint']>>;
  getWebhookEndpoint(id: string, options?: RequestOptions): Promise<S['Endpoint']>;
  updateWebhookEndpoint(id: string, body: S['EndpointUpdate'], options?: RequestOptions): Promise<S['Endpoint']>;
  deleteWebhookEndpoint(id: string, options?: RequestOptions): Promise<{ id: string; deleted: true }>;
  revealWebhookSecret(id: string, options?: RequestOptions): Promise<Secret>;
  rotateWebhookSecret(id: string, options?: RequestOptions): Promise<Secret>;
  testWebhookEndpoint(id: string, options?: RequestOptions): Promise<S['Event']>;
  listDeliveries(id: string, query?: Query<'listDeliveries'>, options?: RequestOptions): Promise<Page<S['Attempt']>>;
  /** Re-sends every delivery to the endpoint that failed since `since` (RFC 3339). */
  recoverWebhookEndpoint(id: string, body: { since: string }, options?: RequestOptions): Promise<Data<'recoverWebhookEndpoint'>>;

  // Events.
  listEvents(query?: Query<'listEvents'>, options?: RequestOptions): Promise<Page<S['Event']>>;
  getEvent(id: string, options?: RequestOptions): Promise<EventWithAttempts>;
  /** No endpoint_id: every subscribed endpoint. */
  resendEvent(id: string, body?: S['ResendRequest'], options?: RequestOptions): Promise<{ event_id: string; queued: string[] }>;

  /** The OpenAPI document this server serves. */
  getOpenApi(options?: RequestOptions): Promise<Record<string, unknown>>;
}

export type OperationId = keyof Methods;

type ItemOf<K extends OperationId> = Awaited<ReturnType<Methods[K]>> extends Page<infer T> ? T : never;
type ListId = { [K in OperationId]: K extends `list${string}` ? K : never }[OperationId];
/** The arguments of a list method, less its cursor (the iterator follows it). */
type IterateArgs<K extends ListId> = Parameters<Methods[K]>;

/** Async iterators over every item of a list, page after page. */
export interface Iterators {
  iterateMerchants(...args: IterateArgs<'listMerchants'>): AsyncGenerator<ItemOf<'listMerchants'>, void>;
  iterateAuditLog(...args: IterateArgs<'listAuditLog'>): AsyncGenerator<ItemOf<'listAuditLog'>, void>;
  iterateKeys(...args: IterateArgs<'listKeys'>): AsyncGenerator<ItemOf<'listKeys'>, void>;
  iterateLogs(...args: IterateArgs<'listLogs'>): AsyncGenerator<ItemOf<'listLogs'>, void>;
  iterateTransactions(...args: IterateArgs<'listTransactions'>): AsyncGenerator<ItemOf<'listTransactions'>, void>;
  iterateRefunds(...args: IterateArgs<'listRefunds'>): AsyncGenerator<ItemOf<'listRefunds'>, void>;
  iteratePaymentLinks(...args: IterateArgs<'listPaymentLinks'>): AsyncGenerator<ItemOf<'listPaymentLinks'>, void>;
  iterateCustomers(...args: IterateArgs<'listCustomers'>): AsyncGenerator<ItemOf<'listCustomers'>, void>;
  iterateWebhookEndpoints(...args: IterateArgs<'listWebhookEndpoints'>): AsyncGenerator<ItemOf<'listWebhookEndpoints'>, void>;
  iterateDeliveries(...args: IterateArgs<'listDeliveries'>): AsyncGenerator<ItemOf<'listDeliveries'>, void>;
  iterateEvents(...args: IterateArgs<'listEvents'>): AsyncGenerator<ItemOf<'listEvents'>, void>;
}

export interface Payrail extends Methods, Iterators {}

export class Payrail {
  constructor(options?: ClientOptions);
  readonly baseUrl: string;
  /** Calls an operation with its method's arguments and answers the whole response. */
  send<K extends OperationId>(
    operationId: K,
    ...args: Parameters<Methods[K]>
  ): Promise<PayrailResponse<Awaited<ReturnType<Methods[K]>>>>;
  /** Every item of a list operation, following `next_cursor`. */
  iterate<K extends ListId>(operationId: K, ...args: IterateArgs<K>): AsyncGenerator<ItemOf<K>, void>;
}

/** How each operation is called: its method and path, and what its arguments carry. */
export interface OperationSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: boolean;
  query?: boolean;
  page?: boolean;
  merchantInBody?: boolean;
  compat?: boolean;
  bare?: boolean;
}
export const operations: Readonly<Record<OperationId, OperationSpec>>;
/** operationIds of docs/openapi.yaml the client leaves out (browser pages, Stripe's webhook). */
export const notClientOperations: readonly string[];

/** A webhook payload: a transaction event, a refund event or a test event. */
export type WebhookPayload =
  | S['WebhookPayload']
  | S['RefundWebhookPayload']
  | { type: 'webhook.test'; timestamp: string; data: Record<string, unknown> };

/** Headers as a Node request, a fetch Request or a plain object carries them. */
export type HeadersLike =
  | Headers
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

/**
 * Verifies a delivery's Standard Webhooks signature with the endpoint's `whsec_…` secret and
 * answers the parsed payload. `body` is the raw body as received. Throws
 * WebhookVerificationError when it does not verify.
 */
export function verifyWebhook(
  secret: string,
  body: string | Uint8Array | ArrayBuffer,
  headers: HeadersLike,
): WebhookPayload;

export { WebhookVerificationError } from 'standardwebhooks';
