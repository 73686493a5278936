"""Runs localstripe (a stand-in for Stripe's API and Stripe.js) on 127.0.0.1 only, from an
empty store kept in memory: its own command line listens on every interface and reloads its
last state from disk.

Added to it, for what the tests check of Stripe and localstripe does not do; state is kept
per secret key, as tests run side by side, each with its own:
- Stripe's idempotency: a POST with an Idempotency-Key runs once; the same key again replays
  its answer (`Idempotent-Replayed: true`), or is refused with other parameters (400) or while
  the first one still runs (409). Answers 409 and 429 are not kept.
- Faults (POST /_standin/faults): a key's next requests to a path lose their connection before
  or after running, hang, get a chosen answer, or leave their refund pending.
- Stripe's states localstripe never reaches: a pending refund settling
  (POST /_standin/refunds/{id}), disputes (POST /_standin/disputes, GET /v1/disputes/{id}),
  signed events sent on request (POST /_standin/events).
- The API requests a key made, in order (GET /_standin/calls?secret_key=…).
- GET /v1/account: an account of its own for each key, the same for its `sk_` and `rk_` forms.
- GET /v1/payment_intents/search by one metadata value; `use_stripe_sdk` accepted; a declined
  PaymentIntent's 402 carrying the PaymentIntent; Stripe.js's `handleNextAction`.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import re
import time
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import (
    Charge,
    PaymentIntent,
    PaymentMethod,
    Refund,
    StripeObject,
    random_id,
    store,
)
from localstripe.server import app, get_api_key, json_response, unflatten_data

# Its store is written to one file in /tmp after every change: slow as it grows, and shared by
# every instance on the machine. Ours lives in memory only.
store.dump_to_disk = lambda: None

API_VERSION = "2024-06-20"
DEFAULT_FAULT_BODY = {
    "error": {
        "type": "api_error",
        "message": "An error occurred with our connection to Stripe.",
    }
}
FAULT_MODES = (
    "lost_before",
    "lost_after",
    "hang_before",
    "hang_after",
    "answer",
    "refund_pending",
)
REFUND_STATUSES = ("pending", "requires_action", "succeeded", "failed", "canceled")
DISPUTE_STATUSES = (
    "warning_needs_response",
    "warning_under_review",
    "warning_closed",
    "needs_response",
    "under_review",
    "won",
    "lost",
)

# (secret key, Idempotency-Key) -> {"params": ..., "answer": (status, body, headers) or None
# while the first request runs}.
idempotency = {}
# secret key -> faults still to apply, in the order they were set.
faults = {}
# PaymentIntent id -> the secret key that made it: search and disputes see a key's own only.
owners = {}
# Dispute id -> the dispute.
disputes = {}
# secret key -> every API request it made, in order.
calls = {}


def dumps(doc):
    """A body as localstripe writes its own."""
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


def error(status, message, type="invalid_request_error", **fields):
    e = UserError(status, message, fields or None)
    e.body["error"]["type"] = type
    return e


# Stripe takes restricted keys (`rk_…`) where it takes secret keys; localstripe only `sk_…`.
# A restricted key here may do everything: its permissions are Stripe's to hold.
def get_api_key_or_restricted(request):
    key = get_api_key(request)
    if key is None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme == "Bearer" and token.startswith("rk_") and len(token) > 5:
            return token
    return key


server.get_api_key = get_api_key_or_restricted


def secret_key(request):
    try:
        return get_api_key_or_restricted(request)
    except (UnboundLocalError, ValueError):  # an Authorization scheme localstripe cannot read
        return None


# localstripe refuses parameters it does not know. Stripe.js and Stripe's libraries send
# `use_stripe_sdk` when confirming; it changes nothing here, so it is dropped before
# localstripe reads the form (the idempotency check still compares the body as sent).
USE_STRIPE_SDK_PATHS = re.compile(r"^/v1/payment_intents(/[^/]+/confirm)?$")
localstripe_post_data = server.get_post_data


async def get_post_data(request, remove_auth=True):
    data = await localstripe_post_data(request, remove_auth)
    if isinstance(data, dict) and USE_STRIPE_SDK_PATHS.match(request.path):
        data.pop("use_stripe_sdk", None)
    return data


server.get_post_data = get_post_data

# Stripe declines the cards localstripe refuses to attach (4000000000000002 and the like) when
# they are charged too; localstripe declines them only when attached.
localstripe_charging_is_declined = PaymentMethod._charging_is_declined


def charging_is_declined(self):
    return localstripe_charging_is_declined(self) or (
        self.type == "card" and PaymentMethod._attaching_is_declined(self)
    )


PaymentMethod._charging_is_declined = charging_is_declined

# At Stripe a refund that fails or is canceled gives its amount back to the charge.
Charge.amount_refunded = property(
    lambda self: sum(
        r.amount for r in self.refunds._list if r.status not in ("failed", "canceled")
    )
)


# Idempotency.


async def params_of(request):
    """A request's method, path and parameters, the body's pairs in any order."""
    pairs = parse_qsl(request.query_string, keep_blank_values=True)
    if request.content_type != "multipart/form-data":
        body = (await request.read()).decode("utf-8", "replace")
        try:
            pairs.append(("", json.dumps(json.loads(body), sort_keys=True)))
        except ValueError:
            pairs += parse_qsl(body, keep_blank_values=True)
    return request.method, request.path, sorted(pairs)


def keeps(answer):
    return answer[0] not in (409, 429)


def respond(answer, replayed=False):
    status, body, headers = answer
    response = web.Response(status=status, body=body, headers=headers)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def drop(request):
    """Closes the connection with no answer: the client sees a connection error, no status."""
    if request.transport is not None:
        request.transport.close()
    # Writing it fails on the closed connection, which aiohttp takes as the client gone.
    return web.Response(status=503)


# Faults.


def take_fault(key, request):
    queue = faults.get(key) or []
    for fault in queue:
        path = fault["path"]
        if fault["method"] in (None, request.method) and (
            request.path == path or request.path.startswith(path.rstrip("/") + "/")
        ):
            fault["times"] -= 1
            if fault["times"] == 0:
                queue.remove(fault)
            return fault
    return None


def fault_answer(fault):
    headers = {"Content-Type": "application/json; charset=utf-8", **fault["headers"]}
    return fault["status"], dumps(fault["body"]), headers


async def execute(request, handler, fault):
    """Runs the request through localstripe; answers (status, body, headers), or localstripe's
    own response when it is not one to keep."""
    if fault and fault["mode"] == "hang_before":
        await asyncio.sleep(fault["seconds"])
    response = await handler(request)
    if type(response) is not web.Response or not isinstance(response.body, bytes):
        return response
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    status, body = response.status, response.body
    try:
        doc = json.loads(body)
    except ValueError:
        return status, body, headers
    if not isinstance(doc, dict):
        return status, body, headers
    if status == 402 and request.path.startswith("/v1/payment_intents"):
        doc = with_payment_intent(doc)
    pending = fault and fault["mode"] == "refund_pending"
    if status == 200 and pending and doc.get("object") == "refund":
        refund = store.get("refund:" + doc["id"])
        if refund is not None:
            refund.status = doc["status"] = "pending"
    key = secret_key(request)
    if key is not None and request.method == "POST":
        made = doc.get("error", {}).get("payment_intent") if status == 402 else doc
        if isinstance(made, dict) and made.get("object") == "payment_intent":
            owners.setdefault(made["id"], key)
    return status, dumps(doc), headers


def with_payment_intent(doc):
    """A card declined while confirming a PaymentIntent: Stripe's error carries the
    PaymentIntent, and is a card_error."""
    err = doc.get("error")
    if not isinstance(err, dict) or "payment_intent" in err or not err.get("charge"):
        return doc
    charge = store.get("charge:" + err["charge"])
    pi_id = charge and charge.payment_intent
    pi = pi_id and store.get("payment_intent:" + pi_id)
    if pi:
        err["payment_intent"] = pi._export()
        err["type"] = "card_error"
    return doc


@web.middleware
async def standin_middleware(request, handler):
    path = request.path
    try:
        if path.startswith("/_standin/"):
            return await control(request)
        if request.method == "GET" and path == "/js.stripe.com/v3/":
            script = await handler(request)
            text = script.text + HANDLE_NEXT_ACTION_JS
            return web.Response(text=text, content_type="application/javascript")
        key = secret_key(request)
        if request.method == "GET" and path == "/v1/account":
            if key is None:
                raise UserError(401, "Unauthorized")
            return json_response(account_of(key))
        if request.method == "GET" and (
            path == "/v1/payment_intents/search" or path.startswith("/v1/disputes/")
        ):
            if key is None:
                raise UserError(401, "Unauthorized")
            if path == "/v1/payment_intents/search":
                # A chosen answer stands for Stripe's search index lagging behind.
                fault = take_fault(key, request)
                if fault and fault["mode"] == "answer":
                    return respond(fault_answer(fault))
                return search(request, key)
            return get_dispute(path[len("/v1/disputes/"):], key)
        return await with_faults_and_idempotency(request, handler, key)
    except UserError as e:
        return e.to_response()


def account_of(key):
    """The account a key belongs to: one per key, the same for its `sk_` and `rk_` forms."""
    digest = hashlib.sha256(key[3:].encode()).hexdigest()[:16]
    return {"id": f"acct_{digest}", "object": "account", "charges_enabled": True}


async def with_faults_and_idempotency(request, handler, key):
    if key:
        # What a key asked of Stripe, as "METHOD /path", for tests that count calls.
        calls.setdefault(key, []).append(f"{request.method} {request.path}")
    fault = take_fault(key, request) if key else None
    mode = fault and fault["mode"]
    if mode == "lost_before":
        return drop(request)
    idem = request.headers.get("Idempotency-Key") if request.method == "POST" else None
    scope = (key, idem)
    if mode == "answer":
        answer = fault_answer(fault)
        if idem and fault["saved"] and keeps(answer):
            idempotency[scope] = {"params": await params_of(request), "answer": answer}
        return respond(answer)

    replayed = False
    if not idem:
        answer = await execute(request, handler, fault)
    else:
        params = await params_of(request)
        entry = idempotency.get(scope)
        if entry is not None and entry["params"] != params:
            raise error(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{idem}' if you meant to "
                "execute a different request.",
                type="idempotency_error",
            )
        if entry is not None and entry["answer"] is None:
            raise error(
                409,
                "There is currently another in-progress request using this Idempotent Key "
                "(that probably means you submitted twice, and the other request is still "
                f"going through): {idem}. Please try again later.",
                type="idempotency_error",
                code="idempotency_key_in_use",
            )
        if entry is not None:
            answer, replayed = entry["answer"], True
        else:
            entry = idempotency[scope] = {"params": params, "answer": None}
            answer = None
            try:
                answer = await execute(request, handler, fault)
            finally:
                if isinstance(answer, tuple) and keeps(answer):
                    entry["answer"] = answer
                elif idempotency.get(scope) is entry:
                    del idempotency[scope]
    if mode == "lost_after":
        return drop(request)
    if mode == "hang_after":
        await asyncio.sleep(fault["seconds"])
    return respond(answer, replayed) if isinstance(answer, tuple) else answer


# Search and disputes, as Stripe answers them.

SEARCH_QUERY = re.compile(
    r"""\s*metadata\[(?P<q1>['"])(?P<key>[^'"]+)(?P=q1)\]\s*:\s*"""
    r"""(?P<q2>['"])(?P<value>[^'"]*)(?P=q2)\s*"""
)


def search(request, key):
    query = unflatten_data(request.query)
    match = SEARCH_QUERY.fullmatch(str(query.get("query", "")))
    if not match:
        raise error(
            400,
            "This stand-in searches PaymentIntents by one metadata value only: "
            "metadata['key']:'value'.",
            param="query",
        )
    expand = query.get("expand") or []
    if not isinstance(expand, list):
        raise error(400, "Bad request", param="expand")
    expand = [e[5:] for e in expand if isinstance(e, str) and e.startswith("data.")]
    found = [
        pi
        for k, pi in list(store.items())
        if k.startswith("payment_intent:")
        and owners.get(pi.id) == key
        and (pi.metadata or {}).get(match["key"]) == match["value"]
    ]
    found.sort(key=lambda pi: pi.created, reverse=True)
    return json_response(
        {
            "object": "search_result",
            "url": "/v1/payment_intents/search",
            "has_more": False,
            "next_page": None,
            "data": [pi._export(expand=expand) for pi in found],
        }
    )


def dispute_of(id, key=None):
    dispute = disputes.get(id)
    if dispute is None or (key and owners.get(dispute["payment_intent"], key) != key):
        raise error(404, f"No such dispute: '{id}'", code="resource_missing", param="id")
    return dispute


def get_dispute(id, key):
    return json_response(dispute_of(id, key))


# Control routes: no key, as they stand for Stripe's side, not a merchant's.


async def control(request):
    routes = (
        ("POST", r"/_standin/faults", set_fault),
        ("GET", r"/_standin/faults", list_faults),
        ("DELETE", r"/_standin/faults", clear_faults),
        ("POST", r"/_standin/refunds/(?P<id>[^/]+)", settle_refund),
        ("POST", r"/_standin/disputes", create_dispute),
        ("POST", r"/_standin/disputes/(?P<id>[^/]+)", update_dispute),
        ("POST", r"/_standin/events", send_event),
        ("GET", r"/_standin/calls", list_calls),
    )
    for method, pattern, route in routes:
        match = re.fullmatch(pattern, request.path)
        if match and request.method == method:
            if method != "POST":
                return route(request)
            try:
                data = await request.json()
            except ValueError:
                data = None
            if not isinstance(data, dict):
                raise error(400, "The body must be a JSON object")
            return await route(data, **match.groupdict())
    raise UserError(404, "Not Found")


def field(data, name, kind, default=None, required=False, check=None):
    value = data.get(name, default)
    if value is None and not required:
        return None
    if (
        not isinstance(value, kind)
        or (isinstance(value, bool) and kind is not bool)
        or (check and not check(value))
    ):
        raise error(400, f"Invalid {name}", param=name)
    return value


def key_field(data):
    return field(data, "secret_key", str, required=True, check=lambda k: k.startswith("sk_"))


async def set_fault(data):
    mode = field(data, "mode", str, required=True, check=lambda m: m in FAULT_MODES)
    method = field(data, "method", str)
    fault = {
        "secret_key": key_field(data),
        "method": method and method.upper(),
        "path": field(data, "path", str, required=True, check=lambda p: p.startswith("/")),
        "mode": mode,
        "times": field(data, "times", int, 1, check=lambda n: n >= 1),
    }
    if mode in ("hang_before", "hang_after"):
        seconds = field(data, "seconds", (int, float), 30, check=lambda s: s >= 0)
        fault["seconds"] = float(seconds)
    if mode == "answer":
        fault["status"] = field(data, "status", int, 500, check=lambda s: 100 <= s <= 599)
        fault["body"] = data.get("body", DEFAULT_FAULT_BODY)
        fault["headers"] = field(
            data, "headers", dict, {}, check=lambda h: all(type(v) is str for v in h.values())
        )
        fault["saved"] = field(data, "saved", bool, False)
    faults.setdefault(fault["secret_key"], []).append(fault)
    return json_response(fault)


def list_faults(request):
    return json_response({"data": faults.get(request.query.get("secret_key"), [])})


def list_calls(request):
    return json_response({"data": calls.get(request.query.get("secret_key"), [])})


def clear_faults(request):
    key = request.query.get("secret_key")
    if not key or not key.startswith("sk_"):
        raise error(400, "Invalid secret_key", param="secret_key")
    return json_response({"deleted": len(faults.pop(key, []))})


async def settle_refund(data, id):
    """A pending refund ending, as Stripe ends it later."""
    refund = Refund._api_retrieve(id)
    status = field(data, "status", str, required=True, check=lambda s: s in REFUND_STATUSES)
    reason = field(data, "failure_reason", str)
    refund.status = status
    if status == "failed":
        refund.failure_reason = reason or "unknown"
    elif hasattr(refund, "failure_reason"):
        del refund.failure_reason
    return json_response(refund._export())


async def create_dispute(data):
    pi = PaymentIntent._api_retrieve(
        field(data, "payment_intent", str, required=True, check=lambda p: p.startswith("pi_"))
    )
    if pi.latest_charge is None:
        raise error(400, f"PaymentIntent {pi.id} has no charge to dispute")
    dispute = {
        "id": "dp_" + random_id(24),
        "object": "dispute",
        "amount": pi.amount,
        "currency": pi.currency,
        "charge": pi.latest_charge.id,
        "payment_intent": pi.id,
        "reason": field(data, "reason", str, "general"),
        "status": field(
            data, "status", str, "needs_response", check=lambda s: s in DISPUTE_STATUSES
        ),
        "created": int(time.time()),
        "livemode": False,
        "metadata": {},
    }
    disputes[dispute["id"]] = dispute
    return json_response(dispute)


async def update_dispute(data, id):
    dispute = dispute_of(id)
    changes = {
        "status": field(data, "status", str, check=lambda s: s in DISPUTE_STATUSES),
        "reason": field(data, "reason", str),
        "metadata": field(data, "metadata", dict),
    }
    dispute.update({k: v for k, v in changes.items() if v is not None})
    return json_response(dispute)


def current_object(id):
    """An object's state now, as its GET route answers it."""
    if id.startswith("dp_"):
        return dict(dispute_of(id))
    kind = {"re_": Refund, "pi_": PaymentIntent, "ch_": Charge}.get(id[:3])
    kind = kind or StripeObject._get_class_for_id(id)
    if kind is None:
        raise error(400, f"No object kind for {id}", param="object_id")
    return kind._api_retrieve(id)._export()


async def send_event(data):
    """An event signed as Stripe signs its webhooks, posted to `url`."""
    url = field(data, "url", str, required=True, check=lambda u: re.match(r"https?://", u))
    secret = field(data, "secret", str, required=True, check=bool)
    kind = field(data, "type", str, required=True, check=bool)
    obj = field(data, "object", dict)
    if obj is None:
        obj = current_object(field(data, "object_id", str, required=True))
    at = int(time.time())
    event = {
        "id": "evt_" + random_id(24),
        "object": "event",
        "api_version": API_VERSION,
        "created": at,
        "livemode": False,
        "type": kind,
        "data": {"object": obj},
    }
    payload = json.dumps(event, indent=2).encode("utf-8")
    signature = hmac.new(secret.encode("utf-8"), b"%d.%s" % (at, payload), hashlib.sha256)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": f"t={at},v1={signature.hexdigest()}",
    }
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            async with session.post(url, data=payload, headers=headers) as r:
                status, body = r.status, await r.text(errors="replace")
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        reason = str(e) or type(e).__name__
        message = f"The event could not be delivered to {url}: {reason}"
        raise error(502, message, type="api_error")
    return json_response({"status": status, "body": body, "event": event})


# Stripe.js's handleNextAction({clientSecret}): the bank step of a PaymentIntent confirmed on
# the server, through the modal and `_authenticate` call of localstripe's confirmCardPayment.
HANDLE_NEXT_ACTION_JS = """
Stripe = (function (makeStripe) {
  return function (apiKey, options) {
    const stripe = makeStripe(apiKey, options);
    stripe.handleNextAction = async (options) => {
      console.log('localstripe: Stripe().handleNextAction()');
      const clientSecret = options && options.clientSecret;
      if (typeof clientSecret !== 'string' || !/^pi_\\w+_secret_/.test(clientSecret)) {
        return {error: {type: 'invalid_request_error',
                        message: 'handleNextAction needs a PaymentIntent clientSecret.'}};
      }
      const result = await stripe.confirmCardPayment(clientSecret);
      const pi = result.paymentIntent;
      if (pi && pi.status === 'requires_payment_method' && pi.last_payment_error) {
        // A failed bank step: Stripe.js answers an error carrying the PaymentIntent.
        return {error: Object.assign({type: 'invalid_request_error'},
                                     pi.last_payment_error, {payment_intent: pi})};
      }
      return result;
    };
    return stripe;
  };
})(Stripe);
"""

# First, so faults, idempotency and the routes above come before localstripe's own handling.
app.middlewares.insert(0, standin_middleware)

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
args = parser.parse_args()
web.run_app(app, host="127.0.0.1", port=args.port, print=None)
