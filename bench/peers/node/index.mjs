// POST /api/v1/payment-requests, written as a Node.js Lambda function would be.
//
// The same DynamoDB work per request as Payrail's create-payment, against the same tables and
// answering the same envelope: the API key is looked up and counted against its per-minute
// window in one conditional UpdateItem (a second one when the key enters a new minute); the
// transaction, its order guard (and Idempotency-Key guard) and its payment.created event are
// written in one TransactWriteItems; the access-log entry is written before answering (a Node.js
// function has no extension to write it after the response).

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { ulid } from "ulid";

// Built once per execution environment, as Lambda's guidance has it.
const dynamodb = new DynamoDBClient({});

const env = process.env;
const KEYS_TABLE = env.PAYRAIL_KEYS_TABLE;
const TRANSACTIONS_TABLE = env.PAYRAIL_TRANSACTIONS_TABLE;
const EVENTS_TABLE = env.PAYRAIL_EVENTS_TABLE;
const ACCESS_LOG_TABLE = env.PAYRAIL_ACCESS_LOG_TABLE;
const CHECKOUT_TTL = Number(env.PAYRAIL_CHECKOUT_TTL_SECONDS || 1800);
const PUBLIC_BASE_URL = env.PAYRAIL_PUBLIC_BASE_URL || null;

const IDEMPOTENCY_WINDOW = 24 * 3600;
const ACCESS_LOG_RETENTION = 30 * 24 * 3600;
const PENDING_SHARDS = 8;
// Partitions of the sparse `undispatched` index, the outbox (payrail::store::events).
const DISPATCH_SHARDS = 4;
const TOKEN = /^prl_(key_[0-9A-Za-z]{26})\.([A-Za-z0-9_-]{43})$/;
const HOST = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;
const EMAIL = /^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/;
// ISO 4217 minor-unit exponents of the currencies taken; any other code is refused.
const EXPONENTS = Object.fromEntries([
  ..."USD EUR GBP CHF CAD AUD NZD SEK NOK DKK PLN CZK HUF RON BGN TRY ZAR BRL MXN INR SGD HKD CNY THB MYR PHP IDR ILS AED SAR"
    .split(" ")
    .map((c) => [c, 2]),
  ..."JPY KRW VND CLP ISK UGX XOF XAF".split(" ").map((c) => [c, 0]),
  ..."BHD KWD OMR JOD TND".split(" ").map((c) => [c, 3]),
]);
const MAX_MINOR = 9007199254740991n;

/** An answer other than success: its status, message, and field errors or rate window. */
class ApiError extends Error {
  constructor(status, message, { errors, rate } = {}) {
    super(message);
    Object.assign(this, { status, errors, rate });
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const rfc3339 = (unix) => new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const newId = (prefix) => prefix + ulid().toLowerCase();
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
/** JSON with sorted keys and no spaces: the fingerprint's canonical form. */
const canonical = (value) =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

export const handler = async (event) => {
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const requestId = event.requestContext?.requestId || newId("req_");
  let caller = null;
  let rate = null;
  let status;
  let body;
  try {
    ({ caller, rate } = await authenticate(bearer(headers)));
    if (caller.scope === "read_only") {
      throw new ApiError(403, "this API key is read_only and cannot make changes");
    }
    const payment = parsePayment(jsonBody(event, headers));
    let data;
    ({ status, data } = await create(caller, payment, idempotencyKey(headers), origin(event, headers)));
    const message =
      status === 201
        ? "payment request created"
        : "payment request already exists; returning the original";
    body = { success: true, data, message };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    status = err.status;
    body = { success: false, data: null, message: err.message };
    if (err.errors) body.errors = err.errors;
    rate = rate ?? err.rate ?? null;
  }
  if (caller) await writeAccessLog(caller, event, status);
  const answerHeaders = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-request-id": requestId,
  };
  if (rate) {
    for (const [k, v] of Object.entries(rate)) answerHeaders[`x-ratelimit-${k}`] = String(v);
  }
  if (status === 429) answerHeaders["retry-after"] = String(retryAfter(rate));
  return { statusCode: status, headers: answerHeaders, body: JSON.stringify(body), isBase64Encoded: false };
};

const retryAfter = (rate) => Math.max(rate.reset - nowSeconds(), 1);

function bearer(headers) {
  const raw = headers.authorization;
  if (raw === undefined) throw new ApiError(401, "missing Authorization header");
  const [scheme, ...rest] = raw.trim().split(" ");
  const token = rest.join(" ").trim();
  if (scheme.toLowerCase() !== "bearer" || !token) {
    throw new ApiError(401, "Authorization header must be 'Bearer <credential>'");
  }
  return token;
}

/** Checks the key, counts the request in its minute and stamps last_used_at: one conditional
 * UpdateItem, a second one when the key enters a new minute. */
async function authenticate(token) {
  const match = TOKEN.exec(token);
  if (!match) throw new ApiError(401, "malformed API key");
  const keyId = "key_" + match[1].slice(4).toLowerCase();
  const secretHash = sha256(match[2]);
  const now = nowSeconds();
  let window = Math.floor(now / 60);
  for (let i = 0; i < 3; i++) {
    let old;
    try {
      return allowed(await count(keyId, secretHash, now, window, false), window);
    } catch (err) {
      if (err.name !== "ConditionalCheckFailedException") throw err;
      old = err.Item;
    }
    const stored = old?.secret_hash?.S ?? "";
    if (!old || stored.length !== secretHash.length || !timingSafeEqual(Buffer.from(stored), Buffer.from(secretHash))) {
      throw new ApiError(401, "invalid API key");
    }
    if (old.status?.S !== "active") throw new ApiError(401, "this API key has been revoked");
    if (old.merchant_inactive) throw new ApiError(403, "this merchant account is deactivated");
    const storedWindow = Number(old.rl_window?.N ?? 0);
    if (storedWindow > window) {
      // Another instance's clock is ahead: count in its window.
      window = storedWindow;
      continue;
    }
    if (storedWindow === window) {
      const rate = { limit: Number(old.rate_limit_per_minute?.N ?? 0), remaining: 0, reset: (window + 1) * 60 };
      throw new ApiError(429, `rate limit exceeded; retry in ${retryAfter(rate)} s`, { rate });
    }
    try {
      return allowed(await count(keyId, secretHash, now, window, true), window);
    } catch (err) {
      if (err.name !== "ConditionalCheckFailedException") throw err;
    }
  }
  throw new ApiError(503, "service temporarily unavailable, retry shortly");
}

async function count(keyId, secretHash, now, window, newWindow) {
  const [update, condition] = newWindow
    ? [
        "SET rl_window = :w, rl_count = :one, last_used_at = :now",
        "secret_hash = :h AND #st = :active AND rl_window < :w AND attribute_not_exists(merchant_inactive)",
      ]
    : [
        "SET rl_count = rl_count + :one, last_used_at = :now",
        "secret_hash = :h AND #st = :active AND rl_window = :w AND rl_count < rate_limit_per_minute AND attribute_not_exists(merchant_inactive)",
      ];
  const out = await dynamodb.send(
    new UpdateItemCommand({
      TableName: KEYS_TABLE,
      Key: { id: { S: keyId } },
      UpdateExpression: update,
      ConditionExpression: condition,
      ExpressionAttributeNames: { "#st": "status" },
      ExpressionAttributeValues: {
        ":h": { S: secretHash },
        ":active": { S: "active" },
        ":w": { N: String(window) },
        ":one": { N: "1" },
        ":now": { S: rfc3339(now) },
      },
      ReturnValues: "ALL_NEW",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    }),
  );
  return out.Attributes;
}

function allowed(item, window) {
  const limit = Number(item.rate_limit_per_minute.N);
  const used = Number(item.rl_count.N);
  return {
    caller: { merchantId: item.merchant_id.S, keyId: item.id.S, scope: item.scope.S },
    rate: { limit, remaining: Math.max(limit - used, 0), reset: (window + 1) * 60 },
  };
}

function jsonBody(event, headers) {
  const media = (headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (media !== "application/json" && !(media.startsWith("application/") && media.endsWith("+json"))) {
    throw new ApiError(400, "Content-Type must be application/json");
  }
  let raw = event.body ?? "";
  if (event.isBase64Encoded) raw = Buffer.from(raw, "base64").toString("utf8");
  if (Buffer.byteLength(raw) > 64 * 1024) throw new ApiError(413, "request body is larger than 65536 bytes");
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new ApiError(400, "request body is not valid JSON");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError(400, "request body must be a JSON object");
  }
  return body;
}

function idempotencyKey(headers) {
  const raw = headers["idempotency-key"];
  if (raw === undefined) return null;
  if (raw.length < 1 || raw.length > 255 || !/^[\x21-\x7e]+$/.test(raw)) {
    throw new ApiError(400, "Idempotency-Key must be 1 to 255 visible ASCII characters");
  }
  return raw;
}

function origin(event, headers) {
  if (PUBLIC_BASE_URL) return PUBLIC_BASE_URL.replace(/\/+$/, "");
  const host = event.requestContext?.domainName || headers.host;
  if (!host || !HOST.test(host)) {
    throw new ApiError(400, "the Host header must be a host name or IP address, with an optional port");
  }
  const proto = (headers["x-forwarded-proto"] ?? "").toLowerCase() === "http" ? "http" : "https";
  return `${proto}://${host.toLowerCase()}`;
}

/** Every field checked, every problem reported at once (422 with errors). */
function parsePayment(body) {
  const errors = {};
  const text = (field, { required = false, limit = 200, trim = true } = {}) => {
    let value = body[field];
    if (value === undefined || value === null) {
      if (required) errors[field] = ["is required"];
      return null;
    }
    if (typeof value !== "string") {
      errors[field] = ["must be a string"];
      return null;
    }
    if (trim) value = value.trim();
    if (required && !value.trim()) {
      errors[field] = ["is required"];
      return null;
    }
    if (!value) return null;
    if ([...value].length > limit) errors[field] = [`must be at most ${limit} characters`];
    else if (/[\x00-\x1f\x7f]/.test(value)) errors[field] = ["must not contain control characters"];
    return value;
  };
  const url = (field) => {
    const value = text(field, { required: true, limit: 2048 });
    if (value && !errors[field]) {
      let parsed = null;
      try {
        parsed = new URL(value);
      } catch {}
      if (!parsed || !["http:", "https:"].includes(parsed.protocol) || !parsed.hostname) {
        errors[field] = ["must be an absolute http(s) URL"];
      } else if (parsed.username || parsed.password) {
        errors[field] = ["must not contain credentials"];
      }
    }
    return value;
  };

  const orderUuid = text("order_uuid", { required: true, limit: 128, trim: false });
  const email = text("email", { required: true, limit: 254 });
  if (email && !errors.email && !EMAIL.test(email)) errors.email = ["must be a valid e-mail address"];
  const successUrl = url("success_url");
  const cancelUrl = url("cancel_url");
  const currency = (text("currency", { limit: 3 }) ?? "USD").toUpperCase();
  if (!errors.currency && !(currency in EXPONENTS)) errors.currency = [`unknown currency '${currency}'`];
  let minor = null;
  const amount = body.total_amount;
  if (amount === undefined || amount === null) {
    errors.total_amount = ["is required"];
  } else if (typeof amount !== "string" && typeof amount !== "number") {
    errors.total_amount = ["must be a decimal number"];
  } else if (currency in EXPONENTS) {
    // Minor units from the digits, in integers: money is never computed in floating point.
    const m = /^\s*(\d+)(?:\.(\d+))?\s*$/.exec(String(amount));
    const exponent = EXPONENTS[currency];
    if (!m) {
      errors.total_amount = ["must be a decimal number"];
    } else {
      const frac = (m[2] ?? "").replace(/0+$/, "");
      const value = BigInt(m[1] + frac.padEnd(exponent, "0"));
      if (frac.length > exponent) errors.total_amount = [`must have at most ${exponent} decimals for ${currency}`];
      else if (value <= 0n) errors.total_amount = ["must be greater than zero"];
      else if (value > MAX_MINOR) errors.total_amount = ["is too large"];
      else minor = Number(value);
    }
  }
  const metadata = body.metadata ?? {};
  if (typeof metadata !== "object" || Array.isArray(metadata) || Object.keys(metadata).length > 20) {
    errors.metadata = ["must be an object of at most 20 string values"];
  } else if (
    Object.entries(metadata).some(([k, v]) => k.length < 1 || k.length > 40 || typeof v !== "string" || v.length > 500)
  ) {
    errors.metadata = ["keys must be 1 to 40 characters, values strings of at most 500"];
  }
  const optional = Object.fromEntries(["product_title", "first_name", "last_name"].map((f) => [f, text(f)]));
  if (Object.keys(errors).length) throw new ApiError(422, "validation failed", { errors });
  const payment = {
    order_uuid: orderUuid,
    amount_minor: minor,
    currency,
    email,
    success_url: successUrl,
    cancel_url: cancelUrl,
    metadata,
    ...optional,
  };
  // What the merchant asked for, so a repeat can be told from a different request.
  payment.fingerprint = sha256(canonical(payment));
  return payment;
}

function majorText(minor, currency) {
  const exponent = EXPONENTS[currency];
  if (!exponent) return String(minor);
  const digits = String(minor).padStart(exponent + 1, "0");
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

function transactionJson(txn, now) {
  const status = txn.status === "pending" && now >= Number(txn.expires_at_epoch) ? "expired" : txn.status;
  const minor = Number(txn.amount_minor);
  return {
    transaction_id: txn.pk,
    order_uuid: txn.order_uuid,
    status,
    total_amount: majorText(minor, txn.currency),
    amount_minor: minor,
    currency: txn.currency,
    email: txn.email,
    product_title: txn.product_title ?? null,
    first_name: txn.first_name ?? null,
    last_name: txn.last_name ?? null,
    metadata: txn.metadata ?? {},
    url: txn.url,
    success_url: txn.success_url,
    cancel_url: txn.cancel_url,
    created_at: txn.created_at,
    expires_at: txn.expires_at,
    paid_at: txn.paid_at ?? null,
    card: txn.card ?? null,
    decline_reason: txn.decline_reason ?? null,
    amount_refunded: majorText(Number(txn.refunded_minor ?? 0), txn.currency),
    processor: txn.processor ?? null,
    processor_payment_id: txn.processor_payment_id ?? null,
    livemode: txn.livemode ?? null,
    payment_link_id: txn.payment_link_id ?? null,
  };
}

/** Writes the transaction, its guards and its payment.created event in one transaction; a
 * repeat of the same request answers the original (200), a different one 409. */
async function create(caller, payment, idemKey, baseUrl) {
  const merchant = caller.merchantId;
  const now = nowSeconds();
  const txnId = newId("txn_");
  const txn = {
    pk: txnId,
    merchant_id: merchant,
    status: "pending",
    ...Object.fromEntries(Object.entries(payment).filter(([, v]) => v !== null)),
    url: `${baseUrl}/checkout/${txnId}`,
    created_at: rfc3339(now),
    expires_at: rfc3339(now + CHECKOUT_TTL),
    expires_at_epoch: now + CHECKOUT_TTL,
    checkout_token: randomBytes(32).toString("base64url"),
    refunded_minor: 0,
    refund_held_minor: 0,
    pending_shard: `p${txnId.charCodeAt(txnId.length - 1) % PENDING_SHARDS}`,
  };
  const guard = { transaction_id: txnId, fingerprint: payment.fingerprint };
  const guards = [["order", { pk: `order#${merchant}#${payment.order_uuid}`, attempts: [txnId], ...guard }]];
  if (idemKey) guards.push(["idempotency", { pk: `idem#${merchant}#${idemKey}`, ttl: now + IDEMPOTENCY_WINDOW, ...guard }]);
  const eventId = newId("evt_");
  const event = {
    id: eventId,
    merchant_id: merchant,
    type: "payment.created",
    created_at: rfc3339(now),
    body: canonical({ type: "payment.created", timestamp: rfc3339(now), data: transactionJson(txn, now) }),
    // The outbox marker: in the sparse index the reconciler reads until its deliveries are queued.
    undispatched: `u${eventId.charCodeAt(eventId.length - 1) % DISPATCH_SHARDS}`,
  };
  const put = (table, item, condition = "attribute_not_exists(pk)", extra = {}) => ({
    Put: { TableName: table, Item: marshall(item), ConditionExpression: condition, ...extra },
  });
  const items = [
    put(TRANSACTIONS_TABLE, txn),
    ...guards.map(([kind, item]) =>
      kind === "order"
        ? put(TRANSACTIONS_TABLE, item)
        : put(TRANSACTIONS_TABLE, item, "attribute_not_exists(pk) OR #ttl < :now", {
            ExpressionAttributeNames: { "#ttl": "ttl" },
            ExpressionAttributeValues: { ":now": { N: String(now) } },
          }),
    ),
    put(EVENTS_TABLE, event, "attribute_not_exists(id)"),
  ];

  for (let attempt = 1; attempt <= 5; attempt++) {
    let codes;
    try {
      await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return { status: 201, data: transactionJson(txn, now) };
    } catch (err) {
      if (err.name !== "TransactionCanceledException") throw err;
      codes = (err.CancellationReasons ?? []).map((r) => r.Code);
    }
    const held = guards.filter((_, i) => codes[i + 1] === "ConditionalCheckFailed");
    // The Idempotency-Key answers what it answered first, whatever became of it.
    held.sort(([a]) => (a === "idempotency" ? -1 : 1));
    for (const [kind, item] of held) {
      const found = await readItem(TRANSACTIONS_TABLE, item.pk);
      if (!found || (kind === "idempotency" && Number(found.ttl ?? now) < now)) continue;
      if (found.fingerprint !== payment.fingerprint) {
        const what = kind === "idempotency" ? "Idempotency-Key" : `order_uuid '${payment.order_uuid}'`;
        throw new ApiError(409, `${what} was already used with different parameters`);
      }
      const original = await readItem(TRANSACTIONS_TABLE, found.transaction_id);
      if (!original || original.merchant_id !== merchant) throw new ApiError(500, "internal error");
      return { status: 200, data: transactionJson(original, now) };
    }
    // A concurrent transaction held a guard: try again shortly.
    await new Promise((r) => setTimeout(r, 15 * attempt));
  }
  throw new ApiError(503, "service temporarily unavailable, retry shortly");
}

async function readItem(table, pk) {
  const out = await dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return out.Item ? unmarshall(out.Item) : null;
}

async function writeAccessLog(caller, event, status) {
  const now = nowSeconds();
  const http = event.requestContext?.http ?? {};
  const entry = {
    id: newId("log_"),
    merchant_id: caller.merchantId,
    method: http.method ?? "POST",
    path: (event.rawPath ?? http.path ?? "").slice(0, 512),
    status,
    key_id: caller.keyId,
    created_at: rfc3339(now),
    ttl: now + ACCESS_LOG_RETENTION,
  };
  try {
    await dynamodb.send(new PutItemCommand({ TableName: ACCESS_LOG_TABLE, Item: marshall(entry) }));
  } catch (err) {
    // The answer stands; the entry is lost, as Payrail's is when its write fails.
    console.error(JSON.stringify({ level: "ERROR", message: "access log write failed", error: String(err) }));
  }
}
