"""POST /api/v1/payment-requests, written as a Python Lambda function would be.

The same DynamoDB work per request as Payrail's create-payment, against the same tables and
answering the same envelope: the API key is looked up and counted against its per-minute window
in one conditional UpdateItem (a second one when the key enters a new minute); the transaction,
its order guard (and Idempotency-Key guard) and its payment.created event are written in one
TransactWriteItems; the access-log entry is written before answering (a Python function has no
extension to write it after the response).
"""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from ulid import ULID

# Built once per execution environment, as Lambda's guidance has it.
dynamodb = boto3.client("dynamodb")
to_attr = TypeSerializer().serialize
from_attr = TypeDeserializer().deserialize

KEYS_TABLE = os.environ["PAYRAIL_KEYS_TABLE"]
TRANSACTIONS_TABLE = os.environ["PAYRAIL_TRANSACTIONS_TABLE"]
EVENTS_TABLE = os.environ["PAYRAIL_EVENTS_TABLE"]
ACCESS_LOG_TABLE = os.environ["PAYRAIL_ACCESS_LOG_TABLE"]
CHECKOUT_TTL = int(os.environ.get("PAYRAIL_CHECKOUT_TTL_SECONDS") or 1800)
PUBLIC_BASE_URL = os.environ.get("PAYRAIL_PUBLIC_BASE_URL") or None

IDEMPOTENCY_WINDOW = 24 * 3600
ACCESS_LOG_RETENTION = 30 * 24 * 3600
PENDING_SHARDS = 8
# Partitions of the sparse `undispatched` index, the outbox (payrail::store::events).
DISPATCH_SHARDS = 4
TOKEN = re.compile(r"prl_(key_[0-9A-Za-z]{26})\.([A-Za-z0-9_-]{43})")
HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
# ISO 4217 minor-unit exponents of the currencies taken; any other code is refused.
EXPONENTS = {
    **dict.fromkeys(
        "USD EUR GBP CHF CAD AUD NZD SEK NOK DKK PLN CZK HUF RON BGN TRY ZAR BRL MXN INR SGD "
        "HKD CNY THB MYR PHP IDR ILS AED SAR".split(),
        2,
    ),
    **dict.fromkeys("JPY KRW VND CLP ISK UGX XOF XAF".split(), 0),
    **dict.fromkeys("BHD KWD OMR JOD TND".split(), 3),
}


class ApiError(Exception):
    """An answer other than success: its status, message, and field errors or rate window."""

    def __init__(self, status, message, errors=None, rate=None):
        super().__init__(message)
        self.status, self.message, self.errors, self.rate = status, message, errors, rate


def rfc3339(unix):
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id(prefix):
    return prefix + str(ULID()).lower()


def compact(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    request_id = (event.get("requestContext") or {}).get("requestId") or new_id("req_")
    caller = rate = None
    try:
        caller, rate = authenticate(bearer(headers))
        if caller["scope"] == "read_only":
            raise ApiError(403, "this API key is read_only and cannot make changes")
        payment = parse_payment(json_body(event, headers))
        status, data = create(caller, payment, idempotency_key(headers), origin(event, headers))
        message = "payment request created" if status == 201 else (
            "payment request already exists; returning the original"
        )
        body = {"success": True, "data": data, "message": message}
    except ApiError as err:
        status = err.status
        body = {"success": False, "data": None, "message": err.message}
        if err.errors:
            body["errors"] = err.errors
        rate = rate or err.rate
    if caller:
        write_access_log(caller, event, status)
    answer_headers = {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "x-request-id": request_id,
    }
    if rate:
        answer_headers.update({f"x-ratelimit-{k}": str(v) for k, v in rate.items()})
    if status == 429:
        answer_headers["retry-after"] = str(retry_after(rate))
    return {
        "statusCode": status,
        "headers": answer_headers,
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        "isBase64Encoded": False,
    }


def retry_after(rate):
    return max(rate["reset"] - int(time.time()), 1)


def bearer(headers):
    raw = headers.get("authorization")
    if raw is None:
        raise ApiError(401, "missing Authorization header")
    scheme, _, token = raw.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Authorization header must be 'Bearer <credential>'")
    return token.strip()


def authenticate(token):
    """Checks the key, counts the request in its minute and stamps last_used_at: one
    conditional UpdateItem, a second one when the key enters a new minute."""
    match = TOKEN.fullmatch(token)
    if not match:
        raise ApiError(401, "malformed API key")
    key_id = "key_" + match.group(1)[4:].lower()
    secret_hash = hashlib.sha256(match.group(2).encode()).hexdigest()
    now = int(time.time())
    window = now // 60
    for _ in range(3):
        try:
            return allowed(count(key_id, secret_hash, now, window, False), window)
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = err.response.get("Item")
        if not old or not hmac.compare_digest(
            old.get("secret_hash", {}).get("S", ""), secret_hash
        ):
            raise ApiError(401, "invalid API key")
        if old.get("status", {}).get("S") != "active":
            raise ApiError(401, "this API key has been revoked")
        if "merchant_inactive" in old:
            raise ApiError(403, "this merchant account is deactivated")
        stored = int(old.get("rl_window", {}).get("N", "0"))
        if stored > window:
            # Another instance's clock is ahead: count in its window.
            window = stored
            continue
        if stored == window:
            limit = int(old.get("rate_limit_per_minute", {}).get("N", "0"))
            rate = {"limit": limit, "remaining": 0, "reset": (window + 1) * 60}
            raise ApiError(
                429,
                f"rate limit exceeded; retry in {retry_after(rate)} s",
                rate=rate,
            )
        try:
            return allowed(count(key_id, secret_hash, now, window, True), window)
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    raise ApiError(503, "service temporarily unavailable, retry shortly")


def count(key_id, secret_hash, now, window, new_window):
    if new_window:
        update = "SET rl_window = :w, rl_count = :one, last_used_at = :now"
        condition = (
            "secret_hash = :h AND #st = :active AND rl_window < :w "
            "AND attribute_not_exists(merchant_inactive)"
        )
    else:
        update = "SET rl_count = rl_count + :one, last_used_at = :now"
        condition = (
            "secret_hash = :h AND #st = :active AND rl_window = :w "
            "AND rl_count < rate_limit_per_minute AND attribute_not_exists(merchant_inactive)"
        )
    out = dynamodb.update_item(
        TableName=KEYS_TABLE,
        Key={"id": {"S": key_id}},
        UpdateExpression=update,
        ConditionExpression=condition,
        ExpressionAttributeNames={"#st": "status"},
        ExpressionAttributeValues={
            ":h": {"S": secret_hash},
            ":active": {"S": "active"},
            ":w": {"N": str(window)},
            ":one": {"N": "1"},
            ":now": {"S": rfc3339(now)},
        },
        ReturnValues="ALL_NEW",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    return out["Attributes"]


def allowed(item, window):
    limit = int(item["rate_limit_per_minute"]["N"])
    used = int(item["rl_count"]["N"])
    caller = {
        "merchant_id": item["merchant_id"]["S"],
        "key_id": item["id"]["S"],
        "scope": item["scope"]["S"],
    }
    return caller, {"limit": limit, "remaining": max(limit - used, 0), "reset": (window + 1) * 60}


def json_body(event, headers):
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        raise ApiError(400, "Content-Type must be application/json")
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8", "replace")
    if len(raw.encode()) > 64 * 1024:
        raise ApiError(413, "request body is larger than 65536 bytes")
    try:
        body = json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise ApiError(400, "request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "request body must be a JSON object")
    return body


def idempotency_key(headers):
    raw = headers.get("idempotency-key")
    if raw is None:
        return None
    if not 1 <= len(raw) <= 255 or not all(33 <= ord(c) <= 126 for c in raw):
        raise ApiError(400, "Idempotency-Key must be 1 to 255 visible ASCII characters")
    return raw


def origin(event, headers):
    if PUBLIC_BASE_URL:
        return PUBLIC_BASE_URL.rstrip("/")
    host = (event.get("requestContext") or {}).get("domainName") or headers.get("host")
    if not host or not HOST.fullmatch(host):
        raise ApiError(
            400, "the Host header must be a host name or IP address, with an optional port"
        )
    proto = "http" if headers.get("x-forwarded-proto", "").lower() == "http" else "https"
    return f"{proto}://{host.lower()}"


def parse_payment(body):
    """Every field checked, every problem reported at once (422 with errors)."""
    errors = {}

    def text(field, required=False, limit=200, trim=True):
        value = body.get(field)
        if value is None:
            if required:
                errors[field] = ["is required"]
            return None
        if not isinstance(value, str):
            errors[field] = ["must be a string"]
            return None
        value = value.strip() if trim else value
        if required and not value.strip():
            errors[field] = ["is required"]
            return None
        if not value:
            return None
        if len(value) > limit:
            errors[field] = [f"must be at most {limit} characters"]
        elif any(ord(c) < 32 or ord(c) == 127 for c in value):
            errors[field] = ["must not contain control characters"]
        return value

    def url(field):
        value = text(field, required=True, limit=2048)
        if value and field not in errors:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                errors[field] = ["must be an absolute http(s) URL"]
            elif parts.username or parts.password:
                errors[field] = ["must not contain credentials"]
        return value

    order_uuid = text("order_uuid", required=True, limit=128, trim=False)
    email = text("email", required=True, limit=254)
    if email and "email" not in errors and not EMAIL.fullmatch(email):
        errors["email"] = ["must be a valid e-mail address"]
    success_url, cancel_url = url("success_url"), url("cancel_url")
    currency = (text("currency", limit=3) or "USD").upper()
    if "currency" not in errors and currency not in EXPONENTS:
        errors["currency"] = [f"unknown currency '{currency}'"]
    minor = None
    amount = body.get("total_amount")
    if amount is None:
        errors["total_amount"] = ["is required"]
    elif isinstance(amount, bool) or not isinstance(amount, (str, int, Decimal)):
        errors["total_amount"] = ["must be a decimal number"]
    elif currency in EXPONENTS:
        try:
            major = Decimal(str(amount).strip())
            scaled = major.scaleb(EXPONENTS[currency])
            if not major.is_finite() or major <= 0:
                errors["total_amount"] = ["must be greater than zero"]
            elif scaled != scaled.to_integral_value():
                errors["total_amount"] = [
                    f"must have at most {EXPONENTS[currency]} decimals for {currency}"
                ]
            elif scaled > 9_007_199_254_740_991:
                errors["total_amount"] = ["is too large"]
            else:
                minor = int(scaled)
        except InvalidOperation:
            errors["total_amount"] = ["must be a decimal number"]
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict) or len(metadata) > 20:
        errors["metadata"] = ["must be an object of at most 20 string values"]
    elif any(
        not 1 <= len(k) <= 40 or not isinstance(v, str) or len(v) > 500
        for k, v in metadata.items()
    ):
        errors["metadata"] = ["keys must be 1 to 40 characters, values strings of at most 500"]
    optional = {f: text(f) for f in ("product_title", "first_name", "last_name")}
    if errors:
        raise ApiError(422, "validation failed", errors=errors)
    payment = {
        "order_uuid": order_uuid,
        "amount_minor": minor,
        "currency": currency,
        "email": email,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
        **optional,
    }
    # What the merchant asked for, so a repeat can be told from a different request.
    payment["fingerprint"] = hashlib.sha256(compact(payment).encode()).hexdigest()
    return payment


def major_text(minor, currency):
    exponent = EXPONENTS[currency]
    return f"{Decimal(minor).scaleb(-exponent):.{exponent}f}"


def transaction_json(txn, now):
    status = txn["status"]
    if status == "pending" and now >= int(txn["expires_at_epoch"]):
        status = "expired"
    minor, currency = int(txn["amount_minor"]), txn["currency"]
    return {
        "transaction_id": txn["pk"],
        "order_uuid": txn["order_uuid"],
        "status": status,
        "total_amount": major_text(minor, currency),
        "amount_minor": minor,
        "currency": currency,
        "email": txn["email"],
        "product_title": txn.get("product_title"),
        "first_name": txn.get("first_name"),
        "last_name": txn.get("last_name"),
        "metadata": txn.get("metadata", {}),
        "url": txn["url"],
        "success_url": txn["success_url"],
        "cancel_url": txn["cancel_url"],
        "created_at": txn["created_at"],
        "expires_at": txn["expires_at"],
        "paid_at": txn.get("paid_at"),
        "card": txn.get("card"),
        "decline_reason": txn.get("decline_reason"),
        "amount_refunded": major_text(int(txn.get("refunded_minor", 0)), currency),
        "processor": txn.get("processor"),
        "processor_payment_id": txn.get("processor_payment_id"),
        "livemode": txn.get("livemode"),
        "payment_link_id": txn.get("payment_link_id"),
    }


def create(caller, payment, idem_key, base_url):
    """Writes the transaction, its guards and its payment.created event in one transaction;
    a repeat of the same request answers the original (200), a different one 409."""
    merchant = caller["merchant_id"]
    now = int(time.time())
    txn_id = new_id("txn_")
    txn = {
        "pk": txn_id,
        "merchant_id": merchant,
        "status": "pending",
        **{k: v for k, v in payment.items() if v is not None},
        "url": f"{base_url}/checkout/{txn_id}",
        "created_at": rfc3339(now),
        "expires_at": rfc3339(now + CHECKOUT_TTL),
        "expires_at_epoch": now + CHECKOUT_TTL,
        "checkout_token": secrets.token_urlsafe(32),
        "refunded_minor": 0,
        "refund_held_minor": 0,
        "pending_shard": f"p{ord(txn_id[-1]) % PENDING_SHARDS}",
    }
    guard = {"transaction_id": txn_id, "fingerprint": payment["fingerprint"]}
    guards = [
        ("order", {"pk": f"order#{merchant}#{payment['order_uuid']}", "attempts": [txn_id]}),
    ]
    if idem_key:
        guards.append(
            ("idempotency", {"pk": f"idem#{merchant}#{idem_key}", "ttl": now + IDEMPOTENCY_WINDOW})
        )
    event = {
        "id": new_id("evt_"),
        "merchant_id": merchant,
        "type": "payment.created",
        "created_at": rfc3339(now),
        "body": compact(
            {"type": "payment.created", "timestamp": rfc3339(now), "data": transaction_json(txn, now)}
        ),
    }
    # The outbox marker: in the sparse index the reconciler reads until its deliveries are queued.
    event["undispatched"] = f"u{ord(event['id'][-1]) % DISPATCH_SHARDS}"

    def put(table, item, condition="attribute_not_exists(pk)", **extra):
        return {
            "Put": {
                "TableName": table,
                "Item": {k: to_attr(v) for k, v in item.items()},
                "ConditionExpression": condition,
                **extra,
            }
        }

    items = [put(TRANSACTIONS_TABLE, txn)]
    for kind, fields in guards:
        if kind == "order":
            items.append(put(TRANSACTIONS_TABLE, {**fields, **guard}))
        else:
            items.append(
                put(
                    TRANSACTIONS_TABLE,
                    {**fields, **guard},
                    "attribute_not_exists(pk) OR #ttl < :now",
                    ExpressionAttributeNames={"#ttl": "ttl"},
                    ExpressionAttributeValues={":now": {"N": str(now)}},
                )
            )
    items.append(put(EVENTS_TABLE, event, "attribute_not_exists(id)"))

    for attempt in range(1, 6):
        try:
            dynamodb.transact_write_items(TransactItems=items)
            return 201, transaction_json(txn, now)
        except ClientError as err:
            if err.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = [r.get("Code") for r in err.response.get("CancellationReasons", [])]
        held = [g for g, code in zip(guards, codes[1:]) if code == "ConditionalCheckFailed"]
        # The Idempotency-Key answers what it answered first, whatever became of it.
        held.sort(key=lambda g: g[0] != "idempotency")
        for kind, fields in held:
            found = read_item(TRANSACTIONS_TABLE, fields["pk"])
            if not found or (kind == "idempotency" and int(found.get("ttl", now)) < now):
                continue
            if found["fingerprint"] != payment["fingerprint"]:
                what = "Idempotency-Key" if kind == "idempotency" else (
                    f"order_uuid '{payment['order_uuid']}'"
                )
                raise ApiError(409, f"{what} was already used with different parameters")
            original = read_item(TRANSACTIONS_TABLE, found["transaction_id"])
            if not original or original["merchant_id"] != merchant:
                raise ApiError(500, "internal error")
            return 200, transaction_json(original, now)
        # A concurrent transaction held a guard: try again shortly.
        time.sleep(0.015 * attempt)
    raise ApiError(503, "service temporarily unavailable, retry shortly")


def read_item(table, pk):
    out = dynamodb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True)
    item = out.get("Item")
    return {k: from_attr(v) for k, v in item.items()} if item else None


def write_access_log(caller, event, status):
    now = int(time.time())
    http = (event.get("requestContext") or {}).get("http") or {}
    entry = {
        "id": new_id("log_"),
        "merchant_id": caller["merchant_id"],
        "method": http.get("method", "POST"),
        "path": (event.get("rawPath") or http.get("path") or "")[:512],
        "status": status,
        "key_id": caller["key_id"],
        "created_at": rfc3339(now),
        "ttl": now + ACCESS_LOG_RETENTION,
    }
    try:
        dynamodb.put_item(
            TableName=ACCESS_LOG_TABLE, Item={k: to_attr(v) for k, v in entry.items()}
        )
    except ClientError as err:
        # The answer stands; the entry is lost, as Payrail's is when its write fails.
        print(json.dumps({"level": "ERROR", "message": "access log write failed", "error": str(err)}))
