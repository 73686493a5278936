import { PayrailError } from './errors.js';
import { iteratorName, operations } from './operations.js';

const DEFAULT_TIMEOUT_MS = 30_000;

// A Payrail API client. Every operation of `operations` is a method of the same name answering
// the envelope's `data`; `send` answers the whole response, `iterate…` walks a list's pages.
export class Payrail {
  constructor({
    baseUrl = 'http://127.0.0.1:3000',
    apiKey,
    merchantId,
    fetch: fetchImpl = globalThis.fetch,
    timeout = DEFAULT_TIMEOUT_MS,
    headers = {},
  } = {}) {
    if (typeof fetchImpl !== 'function') {
      throw new TypeError('no fetch implementation: pass one as `fetch` (Node 18+ has one built in)');
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.apiKey = apiKey;
    this.merchantId = merchantId;
    this.timeout = timeout;
    this.headers = headers;
    this.fetch = fetchImpl;
  }

  // Calls an operation by its operationId with the arguments its method takes, and answers
  // `{status, data, message, requestId, headers}`; throws PayrailError for a refusal.
  async send(operationId, ...args) {
    const op = operations[operationId];
    if (!op) throw new TypeError(`unknown operation ${operationId}`);
    const { path, input, options } = bindArguments(operationId, op, args);
    const merchantId = options.merchantId ?? this.merchantId;

    const url = new URL(this.baseUrl + path);
    if (op.query) appendQuery(url, input);
    let body = op.body ? input : undefined;
    if (merchantId !== undefined) {
      if (op.merchantInBody) body = { merchant_id: merchantId, ...body };
      else if (!url.searchParams.has('merchant_id')) url.searchParams.set('merchant_id', merchantId);
    }
    // The compatibility route carries the key in its body, as the gateways it stands in for.
    if (op.compat) body = { api_key: this.apiKey, ...body };

    const headers = { accept: 'application/json', ...this.headers, ...options.headers };
    if (this.apiKey && !op.compat) headers.authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    if (options.otp !== undefined) headers['x-payrail-otp'] = options.otp;

    const response = await this.fetch(url, {
      method: op.method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: deadline(options.signal, options.timeout ?? this.timeout),
    });
    const parsed = await readBody(response);
    const accepted = op.bare
      ? response.ok
      : op.compat
        ? response.ok && parsed?.status === true
        : response.ok && parsed?.success === true;
    if (!accepted) throw PayrailError.from(response, parsed);
    return {
      status: response.status,
      data: op.bare || op.compat ? parsed : parsed.data,
      message: op.bare || op.compat ? undefined : parsed.message,
      requestId: response.headers.get('x-request-id'),
      headers: response.headers,
    };
  }

  // Every item of a list operation, page after page, following `next_cursor`.
  async *iterate(operationId, ...args) {
    const op = operations[operationId];
    if (!op?.page) throw new TypeError(`${operationId} is not a list operation`);
    const ids = op.path.includes('{id}') ? [args.shift()] : [];
    const [query = {}, options] = args;
    let cursor = query.cursor;
    do {
      const page = await this[operationId](...ids, { ...query, cursor }, options);
      yield* page.items;
      cursor = page.next_cursor;
    } while (cursor);
  }
}

for (const [operationId, op] of Object.entries(operations)) {
  Payrail.prototype[operationId] = async function (...args) {
    return (await this.send(operationId, ...args)).data;
  };
  if (op.page) {
    Payrail.prototype[iteratorName(operationId)] = function (...args) {
      return this.iterate(operationId, ...args);
    };
  }
}

// Splits a method's arguments: `(id?, bodyOrQuery?, options?)`.
function bindArguments(operationId, op, args) {
  const rest = [...args];
  let path = op.path;
  if (path.includes('{id}')) {
    const id = rest.shift();
    if (typeof id !== 'string' || id === '') throw new TypeError(`${operationId} needs an id`);
    path = path.replace('{id}', encodeURIComponent(id));
  }
  const input = op.body || op.query ? rest.shift() : undefined;
  return { path, input, options: rest.shift() ?? {} };
}

function appendQuery(url, query = {}) {
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
  }
}

async function readBody(response) {
  const text = await response.text();
  if (!(response.headers.get('content-type') ?? '').includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// The caller's signal, cut short by the timeout (0 or null: none).
function deadline(signal, timeout) {
  const signals = [signal, timeout ? AbortSignal.timeout(timeout) : undefined].filter(Boolean);
  if (signals.length < 2) return signals[0];
  if (AbortSignal.any) return AbortSignal.any(signals);
  // Node 18 has no AbortSignal.any.
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}
