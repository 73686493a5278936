// Payrail Developer Hub: a console over Payrail's own public API.
//
// Plain modern JavaScript, no framework and no build step. Every value that comes from the API
// is put on the page as text (never parsed as HTML), and the page's Content-Security-Policy
// allows scripts, styles and requests from this origin only.

const API = new URL("api/v1/", document.baseURI);
const PAGE_SIZE = 20;
const EVENT_TYPES = [
  "payment.created", "payment.succeeded", "payment.declined", "payment.expired",
  "payment.canceled", "payment.refunded", "payment.disputed", "payment.dispute_closed",
  "refund.succeeded", "refund.failed",
];
const STRIPE_EVENTS = [
  "payment_intent.succeeded", "payment_intent.payment_failed", "refund.created", "refund.updated",
  "refund.failed", "charge.refunded", "charge.dispute.created", "charge.dispute.closed",
];
const STORE = { credential: "payrail.credential", merchant: "payrail.merchant" };
const RESOURCES = ["payments", "refunds", "webhooks", "events", "logs", "keys", "processor"];
const LEVELS = { none: 0, read: 1, write: 2 };
const SCOPE_NAMES = { full: "Full access", read_only: "Read-only", restricted: "Restricted" };

/** Who is signed in. The credential lives in this tab's sessionStorage only. */
const session = {
  credential: null,
  kind: null, // "admin" | "full" | "read_only" | "restricted"
  keyId: null,
  permissions: null, // {payments: "write", …} of a key; the admin token may do everything
  merchant: null, // {id, name, rate_limit_per_minute} when the admin acts for a merchant
  merchantId: null, // a key's merchant
  rateLimit: null, // X-RateLimit-Limit of the last key-authenticated answer
  twoStep: "off", // the merchant's two-step verification: "off" | "pending" | "on"
  ready: false,
};

const $ = (selector, root = document) => root.querySelector(selector);

// ---------------------------------------------------------------- the API

/** A refused call: the HTTP status and the envelope's stable `code`, which the page branches on. */
class ApiError extends Error {
  constructor(status, message, fields = null, retryAfter = null, code = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }
}

/**
 * Calls the API with the signed-in credential and answers the envelope's `data`.
 * For the admin token, merchant-scoped calls name the chosen merchant with `merchant_id`.
 * Every call says it comes from the Hub; `otp` is a two-step code for the changes that need one.
 */
async function api(method, path, { query = {}, body, merchantScoped = true, otp } = {}) {
  const url = new URL(path, API);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  if (session.kind === "admin" && merchantScoped && session.merchant) {
    url.searchParams.set("merchant_id", session.merchant.id);
  }
  const init = {
    method,
    headers: { Authorization: `Bearer ${session.credential}`, Accept: "application/json", "X-Payrail-Client": "hub" },
    cache: "no-store",
    credentials: "omit",
  };
  if (otp) init.headers["X-Payrail-Otp"] = otp;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, "Could not reach the Payrail API. Check your connection and try again.");
  }
  const limit = res.headers.get("x-ratelimit-limit");
  if (limit) session.rateLimit = Number(limit);
  let payload = null;
  try {
    payload = await res.json();
  } catch {
    payload = null;
  }
  if (!res.ok || !payload || payload.success !== true) {
    const message = payload?.message || `The API answered ${res.status} ${res.statusText}.`;
    const err = new ApiError(res.status, message, payload?.errors ?? null, res.headers.get("retry-after"), payload?.code ?? null);
    if (res.status === 401 && session.ready) credentialRejected(err);
    throw err;
  }
  return payload.data;
}

/** An API failure in words, for people. */
function describe(err) {
  if (!(err instanceof ApiError)) return `Something went wrong in the page: ${err?.message ?? err}`;
  const lines = [sentence(err.message)];
  if (wantsCode(err)) {
    lines[0] = err.code === "two_step_code_invalid" ? sentence(err.message) : "Two-step verification is on: enter the code your authenticator app shows now, or a recovery code.";
  } else if (err.status === 429) {
    lines.push(`You reached the rate limit; try again in ${err.retryAfter ?? "a few"} seconds.`);
  } else if (err.status === 403) {
    lines.push("Your credential is not allowed to do this.");
  } else if (err.status >= 500) {
    lines.push("Payrail could not complete this right now; nothing was half-done. Try again in a moment.");
  }
  for (const [field, messages] of Object.entries(err.fields ?? {})) {
    lines.push(`${field.replaceAll("_", " ")}: ${[].concat(messages).join("; ")}`);
  }
  return lines.join("\n");
}

const sentence = (text) => {
  const t = String(text).trim();
  return t ? t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".") : "";
};

// ---------------------------------------------------------------- DOM helpers

/** Builds an element; `on…` props become listeners, children are nodes or text. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "value") el.value = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** A timestamp in the browser's time zone, the exact UTC value on hover. */
function time(ts) {
  if (!ts) return h("span", { class: "muted" }, "never");
  return h("time", { datetime: ts, title: ts }, dateFormat.format(new Date(ts)));
}

function badge(text, tone = text) {
  return h("span", { class: `badge ${String(tone).replaceAll(/[^a-z0-9_-]/gi, "")}` }, text);
}

function statusBadge(code) {
  if (code === null || code === undefined) return h("span", { class: "muted" }, "—");
  const tone = code >= 500 ? "failed" : code >= 400 ? "declined" : "paid";
  return badge(String(code), tone);
}

function alertBox() {
  const box = h("div", { class: "alert", role: "alert", hidden: true });
  box.show = (err) => {
    box.textContent = typeof err === "string" ? err : describe(err);
    box.hidden = false;
  };
  box.clear = () => {
    box.textContent = "";
    box.hidden = true;
  };
  return box;
}

function toast(text) {
  const el = $("#toast");
  el.textContent = text;
  el.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove("show"), 4000);
}

/** Whether the signed-in credential may `level` (read or write) the `resource`. */
const can = (resource, level = "write") =>
  session.kind === "admin" || LEVELS[session.permissions?.[resource] ?? "none"] >= LEVELS[level];
const lacks = (resource, level = "write") => `Your key lacks the permission ${resource}:${level}.`;

/** A button that changes `resource`: disabled, with the reason, for a key that may not. */
function writeButton(resource, label, props = {}) {
  const no = !can(resource);
  return h(
    "button",
    { type: "button", ...props, disabled: no || props.disabled, title: no ? lacks(resource) : props.title },
    label,
  );
}

/** A key's scope in words: "Full access", or what a restricted key may do. */
function scopeText(key) {
  if (key.scope !== "restricted") return SCOPE_NAMES[key.scope] ?? key.scope;
  const granted = RESOURCES.filter((r) => (key.permissions?.[r] ?? "none") !== "none").map((r) => `${r} ${key.permissions[r]}`);
  return `Restricted: ${granted.join(", ")}`;
}

// ---------------------------------------------------------------- two-step codes

/** Reads whether the merchant's Hub changes to webhooks need a two-step code. */
async function refreshTwoStep() {
  try {
    session.twoStep = (await api("GET", "two-step")).status;
  } catch {
    session.twoStep = "off";
  }
  return session.twoStep;
}

/** Whether an API failure asks for a (new) two-step code. */
const wantsCode = (err) => err instanceof ApiError && (err.code === "two_step_required" || err.code === "two_step_code_invalid");

/**
 * The authenticator-code field of a form or dialog whose change needs the second step (a
 * credential minted or shown, events or money sent elsewhere): shown when two-step
 * verification is on, or once the API asks for a code.
 */
function twoStepField(id = "two-step-code", { disabled = false, title } = {}) {
  const input = h("input", {
    id,
    disabled,
    title,
    name: "otp",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    maxlength: "19",
    placeholder: "123456",
    spellcheck: "false",
  });
  const wrap = h(
    "div",
    { class: "field two-step-field", hidden: session.twoStep !== "on" },
    h("label", { for: id }, "Authenticator code"),
    input,
    h("p", { class: "muted small" }, "Two-step verification is on: enter the 6-digit code your authenticator app shows now, or a recovery code."),
  );
  return {
    wrap,
    code: () => (wrap.hidden ? undefined : input.value.trim() || undefined),
    /** After a refusal that asks for a code: show the field, empty, ready for the next code. */
    ask(err) {
      if (!wantsCode(err)) return;
      session.twoStep = "on";
      wrap.hidden = false;
      input.value = "";
      input.focus();
    },
  };
}

/** Runs `action` with `button` busy, so a double click cannot send twice. */
async function busy(button, action) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function copyButton(input) {
  return h(
    "button",
    {
      type: "button",
      class: "secondary",
      onclick: async (e) => {
        input.select();
        try {
          await navigator.clipboard.writeText(input.value);
        } catch {
          document.execCommand("copy");
        }
        e.target.textContent = "Copied";
        setTimeout(() => (e.target.textContent = "Copy"), 2000);
      },
    },
    "Copy",
  );
}

// ---------------------------------------------------------------- dialogs

/** Opens the page's one modal dialog; answers the returned value when it closes. */
function openDialog(title, body, actions) {
  const dialog = $("#dialog");
  dialog.returnValue = "";
  const footer = h("div", { class: "actions" });
  for (const action of actions) {
    footer.append(
      h(
        "button",
        {
          type: "button",
          class: action.class ?? "secondary",
          id: action.id,
          onclick: action.onclick ?? (() => dialog.close(action.value ?? "")),
        },
        action.label,
      ),
    );
  }
  dialog.replaceChildren(h("h2", { id: "dialog-title" }, title), ...[].concat(body), footer);
  dialog.showModal();
  const focus = dialog.querySelector("[autofocus]") ?? footer.lastElementChild;
  focus?.focus();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue), { once: true }));
}

async function confirmDialog(title, text, confirmLabel, danger = true) {
  const answer = await openDialog(title, h("p", {}, text), [
    { label: "Cancel", value: "cancel" },
    { label: confirmLabel, value: "confirm", class: danger ? "danger" : "primary", id: "confirm" },
  ]);
  return answer === "confirm";
}

/**
 * Asks to confirm a change the second step guards and makes it with `action(otp)` from inside the
 * dialog: with the authenticator-code field when two-step verification is on, and the API's
 * refusal shown in the dialog. Answers whether the change was made.
 */
async function guardedConfirm(title, text, confirmLabel, action, danger = true) {
  const code = twoStepField();
  const alert = alertBox();
  let done = false;
  const confirm = async (e) => {
    alert.clear();
    await busy(e.target, async () => {
      try {
        await action(code.code());
        done = true;
        $("#dialog").close("confirm");
      } catch (err) {
        code.ask(err);
        alert.show(err);
      }
    });
  };
  await openDialog(title, [h("p", {}, text), code.wrap, alert], [
    { label: "Cancel", value: "cancel" },
    { label: confirmLabel, class: danger ? "danger" : "primary", id: "confirm", onclick: confirm },
  ]);
  return done;
}

/** Shows a secret (a whole API key, a signing secret) with a copy button. */
const WEBHOOK_FORMATS = [
  ["standard", "Standard Webhooks"],
  ["ovgc", "OVGC (payment outcomes only)"],
  ["onepay", "OnePay (signature and x-webhook-token headers)"],
  ["ownpay", "OwnPay (its body, X-OwnPay-Signature and event names)"],
];

/**
 * Custom header rows (name, value) for the endpoint dialog. Saved values are never shown back,
 * so an existing header's value box is empty, with its masked value as placeholder; the headers
 * are sent only when something here changed, and then every value must be entered.
 */
function headerRows(existing) {
  let changed = false;
  const rows = h("div", { class: "header-rows" });
  const add = (name = "", masked = "") => {
    const nameInput = h("input", { class: "header-name", "aria-label": "Header name", placeholder: "X-Api-Key", value: name, maxlength: "100" });
    const valueInput = h("input", { class: "header-value", "aria-label": "Header value", placeholder: masked || "value", maxlength: "1000" });
    const row = h(
      "div",
      { class: "copy-row header-row" },
      nameInput,
      valueInput,
      h("button", { type: "button", class: "secondary", onclick: () => { row.remove(); changed = true; } }, "Remove"),
    );
    for (const input of [nameInput, valueInput]) input.addEventListener("input", () => (changed = true));
    rows.append(row);
  };
  for (const [name, masked] of Object.entries(existing)) add(name, masked);
  const filled = () =>
    [...rows.querySelectorAll(".header-row")]
      .map((row) => [row.querySelector(".header-name").value.trim(), row.querySelector(".header-value").value])
      .filter(([name, value]) => name || value);
  return {
    fieldset: h(
      "fieldset",
      {},
      h("legend", {}, "Custom headers"),
      h("p", { class: "muted small" }, "Sent with every delivery, up to 10. Values are kept secret and never shown back."),
      rows,
      h("button", { type: "button", class: "secondary", id: "add-header", onclick: () => { add(); changed = true; } }, "Add header"),
    ),
    changed: () => changed,
    missingValue: () => filled().find(([, value]) => !value)?.[0],
    value: () => Object.fromEntries(filled()),
  };
}

function secretDialog(title, label, value, warning) {
  const input = h("input", { id: "secret-value", readonly: true, value, spellcheck: "false", autofocus: true });
  input.addEventListener("focus", () => input.select());
  return openDialog(
    title,
    [
      warning ? h("p", { class: "notice warning" }, warning) : null,
      h("label", { for: "secret-value" }, label),
      h("div", { class: "copy-row" }, input, copyButton(input)),
    ].filter(Boolean),
    [{ label: "Done", value: "done", class: "primary", id: "dialog-done" }],
  );
}

// ---------------------------------------------------------------- lists

/**
 * A table over one of the API's cursor lists: loading and empty states, errors in words,
 * and newer/older pages by cursor.
 */
function pagedTable({ columns, load, empty, id, rowProps }) {
  const tbody = h("tbody");
  const status = h("p", { class: "list-status", role: "status" });
  const alert = alertBox();
  const older = h("button", { type: "button", class: "secondary", onclick: () => show(state.next, true) }, "Older →");
  const newer = h("button", { type: "button", class: "secondary", onclick: () => show(state.stack.pop() ?? null, false, true) }, "← Newer");
  const state = { cursor: null, next: null, stack: [] };
  const table = h(
    "table",
    { id },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class }, c.title)))),
    tbody,
  );
  const pager = h("div", { class: "pager" }, newer, older);
  const wrap = h("div", { class: "list" }, alert, h("div", { class: "table-wrap" }, table), status, pager);

  async function show(cursor, forward = false, back = false) {
    if (forward) state.stack.push(state.cursor);
    if (!forward && !back && cursor === null) state.stack = [];
    wrap.setAttribute("aria-busy", "true");
    status.textContent = "Loading…";
    newer.disabled = older.disabled = true;
    alert.clear();
    try {
      const page = await load(cursor);
      state.cursor = cursor;
      state.next = page.next_cursor;
      tbody.replaceChildren(
        ...page.items.map((item) =>
          h("tr", rowProps ? rowProps(item) : {}, columns.map((c) => h("td", { class: c.class, "data-label": c.title }, c.cell(item)))),
        ),
      );
      status.textContent = page.items.length ? "" : empty;
      table.hidden = page.items.length === 0;
      newer.disabled = state.stack.length === 0 && cursor === null;
      older.disabled = !state.next;
      pager.hidden = newer.disabled && older.disabled;
    } catch (err) {
      status.textContent = "";
      alert.show(err);
      newer.disabled = state.stack.length === 0;
    } finally {
      wrap.removeAttribute("aria-busy");
    }
  }

  wrap.reload = () => show(state.cursor, false, true);
  wrap.reset = () => show(null);
  show(null);
  return wrap;
}

const heading = (title, text, ...extra) =>
  h("div", { class: "panel-head" }, h("div", {}, h("h2", {}, title), text ? h("p", { class: "muted" }, text) : null), ...extra);

// ---------------------------------------------------------------- tabs

function renderPayments(panel) {
  const detail = h("section", { id: "payment-detail", class: "detail", hidden: true });
  const filter = h(
    "select",
    { id: "payment-status", onchange: () => list.reset() },
    h("option", { value: "" }, "All statuses"),
    ["pending", "processing", "paid", "declined", "expired", "canceled", "refunded"].map((s) => h("option", { value: s }, s)),
  );
  const list = pagedTable({
    id: "payments-table",
    empty: "No payments here yet. Your server creates them with POST /api/v1/payment-requests.",
    load: (cursor) => api("GET", "transactions", { query: { limit: PAGE_SIZE, cursor, status: filter.value } }),
    rowProps: (t) => ({ "data-transaction-id": t.transaction_id }),
    columns: [
      { title: "Transaction", cell: (t) => h("code", {}, t.transaction_id) },
      { title: "Order", cell: (t) => t.order_uuid },
      { title: "Amount", class: "num", cell: (t) => `${t.total_amount} ${t.currency}` },
      { title: "Status", cell: (t) => badge(t.status) },
      { title: "Customer", cell: (t) => t.email },
      { title: "Created", cell: (t) => time(t.created_at) },
      {
        title: "Checkout",
        cell: (t) =>
          h("a", { href: t.url, target: "_blank", rel: "noopener noreferrer" }, t.status === "pending" ? "Open checkout" : "View page"),
      },
      { title: "", class: "actions-cell", cell: (t) => h("button", { type: "button", class: "secondary", onclick: () => showPayment(t.transaction_id) }, "Details") },
    ],
  });

  async function showPayment(id) {
    detail.hidden = false;
    detail.replaceChildren(h("p", { class: "list-status" }, "Loading…"));
    const alert = alertBox();
    const path = `transactions/${encodeURIComponent(id)}`;
    let txn, refunds;
    const seesRefunds = can("refunds", "read");
    try {
      [txn, refunds] = await Promise.all([
        api("GET", path),
        seesRefunds ? api("GET", `${path}/refunds`) : { items: [] },
      ]);
    } catch (err) {
      alert.show(err);
      detail.replaceChildren(alert);
      return;
    }
    const after = async (action, done) => {
      alert.clear();
      try {
        await action();
        toast(done);
        list.reload();
        await showPayment(id);
      } catch (err) {
        alert.show(err);
      }
    };
    const refundable = txn.status === "paid";
    const refund = writeButton("refunds", "Refund", {
      id: "refund-payment",
      class: "primary",
      disabled: !refundable,
      title: refundable ? undefined : "Only a paid payment can be refunded.",
      onclick: async (e) => {
        const body = await refundDialog(txn);
        if (!body) return;
        await busy(e.target, () => after(() => api("POST", `${path}/refunds`, { body }), "Refund made."));
      },
    });
    const cancel = writeButton("payments", "Cancel payment", {
      id: "cancel-payment",
      class: "danger",
      hidden: txn.status !== "pending",
      onclick: async (e) => {
        const ok = await confirmDialog("Cancel this payment?", "The customer will no longer be able to pay it on its checkout page.", "Cancel payment");
        if (!ok) return;
        await busy(e.target, () => after(() => api("POST", `${path}/cancel`), "Payment canceled."));
      },
    });
    const facts = [
      ["Status", badge(txn.status)],
      ["Amount", `${txn.total_amount} ${txn.currency}`],
      ["Refunded", h("span", { id: "amount-refunded" }, `${txn.amount_refunded} ${txn.currency}`)],
      ["Order", txn.order_uuid],
      ["Customer", txn.email],
      ["Card", txn.card ? `${txn.card.brand} ···· ${txn.card.last4}` : "—"],
      ["Paid", txn.paid_at ? time(txn.paid_at) : "—"],
    ];
    // A chargeback is answered in the processor's dashboard; the Hub shows where it stands.
    if (txn.dispute) {
      const d = txn.dispute;
      facts.push([
        "Dispute",
        h("span", { id: "dispute" }, badge(d.status), ` ${d.amount} ${d.currency}`, d.reason ? ` · ${d.reason}` : "", ` · opened ${time(d.created_at)}`),
      ]);
    }
    detail.replaceChildren(
      h(
        "div",
        { class: "panel-head" },
        h("div", {}, h("h3", {}, txn.product_title ?? "Payment"), h("p", { class: "muted" }, h("code", {}, txn.transaction_id))),
        h("div", { class: "row-actions" }, cancel, refund),
      ),
      alert,
      h("dl", { class: "facts" }, facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      h("h4", {}, seesRefunds ? `Refunds (${refunds.items.length})` : "Refunds"),
      !seesRefunds
        ? h("p", { class: "muted" }, lacks("refunds", "read"))
        : refunds.items.length
        ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { id: "refunds-table" },
              h("thead", {}, h("tr", {}, ["Refund", "Amount", "Status", "Reason", "Created"].map((t) => h("th", { scope: "col" }, t)))),
              h(
                "tbody",
                {},
                refunds.items.map((r) =>
                  h(
                    "tr",
                    {},
                    h("td", { "data-label": "Refund" }, h("code", {}, r.id)),
                    h("td", { "data-label": "Amount", class: "num" }, `${r.amount} ${r.currency}`),
                    h("td", { "data-label": "Status" }, badge(r.status), r.failure_reason ? ` ${r.failure_reason}` : ""),
                    h("td", { "data-label": "Reason" }, r.reason ?? ""),
                    h("td", { "data-label": "Created" }, time(r.created_at)),
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, "No refunds."),
    );
    detail.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  panel.append(
    heading("Payments", "Payment requests, newest first, with their hosted checkout pages.", h("label", { class: "filter" }, "Status ", filter)),
    list,
    detail,
  );
}

/** Asks how much to refund (empty: all that is left) and why; answers the request body. */
async function refundDialog(txn) {
  const amount = h("input", { id: "refund-amount", inputmode: "decimal", placeholder: "all that is left", autofocus: true });
  const reason = h("input", { id: "refund-reason", maxlength: 500 });
  const answer = await openDialog(
    "Refund payment",
    [
      h("p", {}, `Paid ${txn.total_amount} ${txn.currency}; refunded so far ${txn.amount_refunded} ${txn.currency}.`),
      h("label", { for: "refund-amount" }, `Amount (${txn.currency})`),
      amount,
      h("label", { for: "refund-reason" }, "Reason (optional)"),
      reason,
    ],
    [
      { label: "Cancel", value: "cancel" },
      { label: "Refund", value: "refund", class: "primary", id: "confirm-refund" },
    ],
  );
  if (answer !== "refund") return null;
  const body = {};
  if (amount.value.trim()) body.amount = amount.value.trim();
  if (reason.value.trim()) body.reason = reason.value.trim();
  return body;
}

// ---------------------------------------------------------------- payment links

/** A link's price in words: "49.00 EUR", or the customer's range. */
function linkPrice(link) {
  return link.amount_type === "fixed"
    ? `${link.total_amount} ${link.currency}`
    : `${link.min_amount}–${link.max_amount} ${link.currency}, customer chooses`;
}

function renderLinks(panel) {
  const add = writeButton("payments", "New link", { id: "add-link", class: "primary", onclick: () => linkDialog() });
  const list = pagedTable({
    id: "links-table",
    empty: "No payment links yet. Create one to share a page where customers pay you.",
    load: (cursor) => api("GET", "payment-links", { query: { limit: PAGE_SIZE, cursor } }),
    rowProps: (l) => ({ "data-link-id": l.id }),
    columns: [
      { title: "Title", cell: (l) => l.title },
      { title: "Price", class: "num", cell: (l) => linkPrice(l) },
      { title: "Paid", class: "num", cell: (l) => (l.quantity_limit ? `${l.paid_count} of ${l.quantity_limit}` : String(l.paid_count)) },
      { title: "Status", cell: (l) => badge(l.status, l.status === "active" ? "active" : l.status === "exhausted" ? "expired" : "disabled") },
      {
        title: "Link",
        cell: (l) => {
          const url = h("input", { class: "link-url", readonly: true, value: l.url, "aria-label": `Link to ${l.title}` });
          return h("div", { class: "copy-row" }, url, copyButton(url));
        },
      },
      { title: "Created", cell: (l) => time(l.created_at) },
      {
        title: "",
        class: "actions-cell",
        cell: (l) =>
          writeButton("payments", l.active ? "Deactivate" : "Activate", {
            class: l.active ? "danger" : "secondary",
            onclick: (e) => setActive(l, !l.active, e.target),
          }),
      },
    ],
  });

  async function setActive(link, active, button) {
    if (!active) {
      const ok = await confirmDialog("Deactivate this link?", "Customers who open it will read that it is no longer active. You can activate it again.", "Deactivate");
      if (!ok) return;
    }
    await busy(button, async () => {
      try {
        await api("PATCH", `payment-links/${encodeURIComponent(link.id)}`, { body: { active } });
        toast(active ? "Link activated." : "Link deactivated.");
        list.reload();
      } catch (err) {
        toast(describe(err));
      }
    });
  }

  async function linkDialog() {
    const formAlert = alertBox();
    const field = (id, props = {}) => h("input", { id, ...props });
    const title = field("link-title", { maxlength: "200", required: true, autofocus: true, placeholder: "Pottery workshop" });
    const currency = field("link-currency", { value: "USD", maxlength: "3", size: "4" });
    const chooses = h("input", { type: "checkbox", id: "link-chooses" });
    const amount = field("link-amount", { inputmode: "decimal", placeholder: "49.00" });
    const min = field("link-min", { inputmode: "decimal", placeholder: "5.00" });
    const max = field("link-max", { inputmode: "decimal", placeholder: "500.00" });
    const limit = field("link-limit", { inputmode: "numeric", placeholder: "no limit" });
    const success = field("link-success", { type: "url", placeholder: "https://shop.example.com/thanks" });
    const cancel = field("link-cancel", { type: "url", placeholder: "https://shop.example.com/" });
    const fixedRow = h("div", {}, h("label", { for: "link-amount" }, "Price"), amount);
    const rangeRow = h("div", { class: "range", hidden: true }, h("div", {}, h("label", { for: "link-min" }, "Least"), min), h("div", {}, h("label", { for: "link-max" }, "Most"), max));
    chooses.addEventListener("change", () => {
      fixedRow.hidden = chooses.checked;
      rangeRow.hidden = !chooses.checked;
    });
    const create = async (e) => {
      formAlert.clear();
      const body = {
        title: title.value.trim(),
        currency: currency.value.trim().toUpperCase(),
        success_url: success.value.trim(),
        cancel_url: cancel.value.trim(),
      };
      if (chooses.checked) {
        body.min_amount = min.value.trim();
        body.max_amount = max.value.trim();
      } else {
        body.total_amount = amount.value.trim();
      }
      const n = limit.value.trim();
      if (n) body.quantity_limit = /^\d+$/.test(n) ? Number(n) : n;
      await busy(e.target, async () => {
        try {
          const link = await api("POST", "payment-links", { body });
          $("#dialog").close("created");
          toast("Link created: copy it from the list.");
          list.reset();
          return link;
        } catch (err) {
          formAlert.show(err);
        }
      });
    };
    await openDialog(
      "New payment link",
      [
        h("label", { for: "link-title" }, "What is paid for"),
        title,
        h("label", { for: "link-currency" }, "Currency"),
        currency,
        h("label", { class: "check" }, chooses, "The customer chooses the amount"),
        fixedRow,
        rangeRow,
        h("label", { for: "link-limit" }, "Most payments (optional)"),
        limit,
        h("label", { for: "link-success" }, "After paying, customers go to"),
        success,
        h("label", { for: "link-cancel" }, "If they cancel, they go to"),
        cancel,
        formAlert,
      ],
      [
        { label: "Cancel", value: "cancel" },
        { label: "Create link", class: "primary", id: "confirm-link", onclick: create },
      ],
    );
  }

  panel.append(
    heading("Payment links", "Reusable pages to share by email or on a site: each customer who opens one starts a payment of their own.", add),
    list,
  );
}

// ---------------------------------------------------------------- customers

function renderCustomers(panel) {
  const add = writeButton("payments", "New customer", { id: "add-customer", class: "primary", onclick: () => customerDialog() });
  const found = h("section", { id: "customer-found", class: "detail", hidden: true });
  const lookup = h("input", { id: "customer-lookup", type: "search", placeholder: "ann@example.com or cus_…", "aria-label": "Find a customer by email or id" });
  const findAlert = alertBox();
  const find = h("form", {
    class: "inline-form",
    onsubmit: async (e) => {
      e.preventDefault();
      findAlert.clear();
      found.hidden = true;
      const wanted = lookup.value.trim();
      if (!wanted) return;
      try {
        const c = await api("GET", `customers/${encodeURIComponent(wanted)}`);
        found.replaceChildren(
          h("h3", {}, c.name ?? c.email ?? c.id),
          h(
            "dl",
            { class: "facts" },
            [
              ["Id", h("code", {}, c.id)],
              ["Email", c.email ?? "—"],
              ["Phone", c.phone ?? "—"],
              ["Since", time(c.created_at)],
            ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
          ),
        );
        found.hidden = false;
      } catch (err) {
        findAlert.show(err);
      }
    },
  }, h("div", { class: "field" }, h("label", { for: "customer-lookup" }, "Find a customer"), lookup), h("button", { type: "submit", class: "secondary", id: "find-customer" }, "Find"));
  const list = pagedTable({
    id: "customers-table",
    empty: "No customers yet. Each payment from a new email address adds one.",
    load: (cursor) => api("GET", "customers", { query: { limit: PAGE_SIZE, cursor } }),
    rowProps: (c) => ({ "data-customer-id": c.id }),
    columns: [
      { title: "Name", cell: (c) => c.name ?? "—" },
      { title: "Email", cell: (c) => c.email ?? "—" },
      { title: "Phone", cell: (c) => c.phone ?? "—" },
      { title: "Customer", cell: (c) => h("code", {}, c.id) },
      { title: "Since", cell: (c) => time(c.created_at) },
    ],
  });

  async function customerDialog() {
    const formAlert = alertBox();
    const email = h("input", { id: "customer-email", type: "email", maxlength: "254", autofocus: true, placeholder: "ann@example.com" });
    const name = h("input", { id: "customer-name", maxlength: "200", placeholder: "Ann Lee" });
    const phone = h("input", { id: "customer-phone", type: "tel", maxlength: "32", placeholder: "+1 555 0100" });
    const create = async (e) => {
      formAlert.clear();
      const body = {};
      for (const [field, input] of [["email", email], ["name", name], ["phone", phone]]) {
        if (input.value.trim()) body[field] = input.value.trim();
      }
      await busy(e.target, async () => {
        try {
          await api("POST", "customers", { body });
          $("#dialog").close("created");
          toast("Customer added.");
          list.reset();
        } catch (err) {
          formAlert.show(err);
        }
      });
    };
    await openDialog(
      "New customer",
      [
        h("p", {}, "An email address, a name, or both. One customer per email address."),
        h("label", { for: "customer-email" }, "Email"),
        email,
        h("label", { for: "customer-name" }, "Name"),
        name,
        h("label", { for: "customer-phone" }, "Phone (optional)"),
        phone,
        formAlert,
      ],
      [
        { label: "Cancel", value: "cancel" },
        { label: "Add customer", class: "primary", id: "confirm-customer", onclick: create },
      ],
    );
  }

  panel.append(
    heading("Customers", "The people who pay you, one per email address: a payment from a new address adds its customer.", add),
    find,
    findAlert,
    found,
    list,
  );
}

/** What each resource covers, for the restricted key's choices. */
const RESOURCE_HINTS = {
  payments: "payment requests, transactions, cancel, payment links, customers",
  refunds: "refunds of payments",
  webhooks: "endpoints, their secrets and deliveries",
  events: "the event log, resending",
  logs: "the API access log",
  keys: "API keys and two-step verification",
  processor: "the payment processor",
};

/** A restricted key's level per resource; a key cannot choose more than it has itself. */
function permissionGrid() {
  const selects = RESOURCES.map((resource) =>
    h(
      "select",
      { id: `perm-${resource}`, name: resource, "data-resource": resource },
      ["none", "read", "write"].map((level) =>
        h("option", { value: level, disabled: !can(resource, level === "none" ? "read" : level) && level !== "none" }, level),
      ),
    ),
  );
  const fieldset = h(
    "fieldset",
    { id: "key-permissions", class: "permissions", hidden: true },
    h("legend", {}, "Permissions"),
    h("p", { class: "muted small" }, "What the key may do with each part of the account. Write includes read."),
    selects.map((select) =>
      h(
        "div",
        { class: "perm-row" },
        h("label", { for: select.id }, h("strong", {}, select.dataset.resource), h("span", { class: "muted small" }, ` ${RESOURCE_HINTS[select.dataset.resource]}`)),
        select,
      ),
    ),
  );
  const grid = {
    fieldset,
    value: () => Object.fromEntries(selects.filter((s) => s.value !== "none").map((s) => [s.dataset.resource, s.value])),
    /** Marks the selects the API named in `errors`. */
    mark(err) {
      for (const select of selects) {
        const bad = err?.fields?.[`permissions.${select.dataset.resource}`] || err?.fields?.permissions;
        if (bad) select.setAttribute("aria-invalid", "true");
        else select.removeAttribute("aria-invalid");
      }
    },
    reset() {
      for (const select of selects) select.value = "none";
      this.mark(null);
    },
  };
  fieldset.addEventListener("change", () => grid.mark(null));
  return grid;
}

function renderKeys(panel) {
  if (!can("keys", "read")) {
    panel.append(
      heading("API keys"),
      h("p", { class: "notice" }, `Managing API keys needs a full key, a key with the keys permission, or the admin token. ${lacks("keys", "read")}`),
    );
    return;
  }
  const alert = alertBox();
  const label = h("input", { id: "key-label", name: "label", maxlength: "100", placeholder: "e.g. Production server", required: true });
  const scope = h(
    "select",
    { id: "key-scope", name: "scope" },
    h("option", { value: "full" }, "Full access"),
    h("option", { value: "read_only" }, "Read-only"),
    h("option", { value: "restricted" }, "Restricted"),
  );
  // OwnPay's own SDKs and plugins refuse a key that does not start `op_`.
  const format = h(
    "select",
    { id: "key-format", name: "format" },
    h("option", { value: "standard" }, "Payrail (prl_…)"),
    h("option", { value: "ownpay" }, "OwnPay clients (op_…)"),
  );
  const grid = permissionGrid();
  scope.addEventListener("change", () => (grid.fieldset.hidden = scope.value !== "restricted"));
  const submit = writeButton("keys", "Generate key", { type: "submit", id: "generate-key" });
  // A new key is a credential: with two-step verification on, it takes a current code.
  const keyCode = twoStepField("key-two-step-code");
  const form = h(
    "form",
    { class: "key-form", novalidate: true },
    h(
      "div",
      { class: "inline-form" },
      h("div", { class: "field" }, h("label", { for: "key-label" }, "Label"), label),
      h("div", { class: "field" }, h("label", { for: "key-scope" }, "Scope"), scope),
      h("div", { class: "field" }, h("label", { for: "key-format" }, "Format"), format),
      submit,
    ),
    grid.fieldset,
    keyCode.wrap,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    alert.clear();
    grid.mark(null);
    await busy(submit, async () => {
      try {
        const body = { label: label.value.trim(), scope: scope.value, format: format.value };
        if (scope.value === "restricted") body.permissions = grid.value();
        if (session.kind === "admin") body.merchant_id = session.merchant.id;
        const key = await api("POST", "keys", { body, otp: keyCode.code() });
        form.reset();
        grid.reset();
        grid.fieldset.hidden = true;
        list.reset();
        await showNewKey(key, "Your new API key");
      } catch (err) {
        grid.mark(err);
        keyCode.ask(err);
        alert.show(err);
      }
    });
  });

  const list = pagedTable({
    id: "keys-table",
    empty: "No API keys yet. Generate one above.",
    load: (cursor) => api("GET", "keys", { query: { limit: PAGE_SIZE, cursor } }),
    rowProps: (k) => ({ "data-key-id": k.id, "data-prefix": k.prefix }),
    columns: [
      { title: "Label", cell: (k) => k.label },
      { title: "Prefix", cell: (k) => h("code", {}, k.prefix) },
      { title: "Scope", cell: (k) => h("span", { class: "scope" }, scopeText(k)) },
      { title: "Status", cell: (k) => badge(k.status) },
      { title: "Created", cell: (k) => time(k.created_at) },
      { title: "Last used", cell: (k) => time(k.last_used_at) },
      {
        title: "Actions",
        class: "actions-cell",
        cell: (k) =>
          k.status === "revoked"
            ? h("span", { class: "muted" }, `revoked ${k.revoked_at ? dateFormat.format(new Date(k.revoked_at)) : ""}`)
            : [
                writeButton("keys", "Regenerate", { class: "secondary", onclick: () => regenerate(k) }),
                writeButton("keys", "Revoke", { class: "danger", onclick: () => revoke(k) }),
              ],
      },
    ],
  });

  async function revoke(key) {
    const ok = await guardedConfirm(
      "Revoke this key?",
      `“${key.label}” (${key.prefix}) stops working at once: every request with it gets 401. This cannot be undone.`,
      "Revoke key",
      (otp) => api("DELETE", `keys/${encodeURIComponent(key.id)}`, { otp }),
    );
    if (!ok) return;
    toast(`Key “${key.label}” revoked.`);
    if (key.id === session.keyId) return signOut("You revoked the key you were signed in with.");
    list.reload();
  }

  async function regenerate(key) {
    let fresh;
    const ok = await guardedConfirm(
      "Regenerate this key?",
      `A new key replaces “${key.label}” with the same scope and permissions, and ${key.prefix} is revoked at once. Update your servers with the new key.`,
      "Regenerate key",
      async (otp) => {
        fresh = await api("POST", `keys/${encodeURIComponent(key.id)}/rotate`, { otp });
      },
    );
    if (!ok) return;
    if (key.id === session.keyId) {
      // The Hub keeps working with the key that replaced the one it was signed in with.
      session.credential = fresh.key;
      session.keyId = fresh.id;
      sessionStorage.setItem(STORE.credential, fresh.key);
    }
    list.reload();
    await showNewKey(fresh, "Your regenerated API key");
  }

  panel.append(
    heading("API keys", "Keys your servers use to call Payrail. A key is shown once, when it is generated."),
    h("section", { class: "card" }, h("h3", {}, "Generate a key"), form, alert),
    list,
  );
}

function showNewKey(key, title) {
  return secretDialog(
    title,
    `${key.label} · ${scopeText(key)}`,
    key.key,
    "Copy this key now and keep it somewhere safe, such as your server's secret store. It will not be shown again: Payrail keeps only a hash of it.",
  );
}

function renderWebhooks(panel) {
  const alert = alertBox();
  const deliveries = h("section", { id: "deliveries", class: "detail", hidden: true });
  const add = writeButton("webhooks", "Add webhook", { id: "add-webhook", class: "primary", onclick: () => endpointDialog(null) });
  const twoStepNote = h("p", { class: "notice", id: "webhooks-two-step", hidden: true }, "Two-step verification is on: adding, changing, deleting an endpoint or rotating its secret here asks for a code from your authenticator app.");
  refreshTwoStep().then((state) => (twoStepNote.hidden = state !== "on"));

  const list = pagedTable({
    id: "webhooks-table",
    empty: "No webhook endpoints yet. Add one to be told when payments change.",
    load: (cursor) => api("GET", "webhook-endpoints", { query: { limit: PAGE_SIZE, cursor } }),
    rowProps: (ep) => ({ "data-endpoint-id": ep.id }),
    columns: [
      { title: "URL", cell: (ep) => h("code", { class: "url" }, ep.url) },
      { title: "Description", cell: (ep) => ep.description || h("span", { class: "muted" }, "—") },
      { title: "Events", cell: (ep) => h("span", { class: "events" }, ep.events.join(", ")) },
      {
        title: "Status",
        cell: (ep) => [
          badge(ep.enabled ? "enabled" : "disabled"),
          ep.disabled_reason ? h("div", { class: "muted small" }, ep.disabled_reason) : null,
        ],
      },
      { title: "Created", cell: (ep) => time(ep.created_at) },
      {
        title: "Actions",
        class: "actions-cell",
        cell: (ep) => [
          h("button", { type: "button", class: "secondary", onclick: () => showDeliveries(ep) }, "Deliveries"),
          writeButton("webhooks", "Send test", { class: "secondary", onclick: (e) => sendTest(ep, e.target) }),
          writeButton("webhooks", "Recover", { class: "secondary", onclick: () => recoverDialog(ep) }),
          writeButton("webhooks", "Secret", { class: "secondary", onclick: (e) => showSecret(ep, e.target) }),
          writeButton("webhooks", "Edit", { class: "secondary", onclick: () => endpointDialog(ep) }),
          writeButton("webhooks", ep.enabled ? "Disable" : "Enable", { class: "secondary", onclick: (e) => setEnabled(ep, !ep.enabled, e.target) }),
          writeButton("webhooks", "Delete", { class: "danger", onclick: (e) => remove(ep, e.target) }),
        ],
      },
    ],
  });

  async function endpointDialog(existing) {
    const formAlert = alertBox();
    const url = h("input", { id: "webhook-url", type: "url", required: true, placeholder: "https://example.com/payrail/webhooks", value: existing?.url ?? "", autofocus: true });
    const description = h("input", { id: "webhook-description", maxlength: "500", value: existing?.description ?? "" });
    const all = !existing || EVENT_TYPES.every((t) => existing.events.includes(t));
    const boxes = EVENT_TYPES.map((type) =>
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "events", value: type, checked: !all && existing.events.includes(type) }), h("code", {}, type)),
    );
    const enabled = h("input", { id: "webhook-enabled", type: "checkbox", checked: existing ? existing.enabled : true });
    const format = h(
      "select",
      { id: "webhook-format" },
      WEBHOOK_FORMATS.map(([value, label]) => h("option", { value, selected: (existing?.format ?? "standard") === value }, label)),
    );
    const headers = headerRows(existing?.headers ?? {});
    const code = twoStepField();
    const body = [
      h("label", { for: "webhook-url" }, "Endpoint URL"),
      url,
      h("label", { for: "webhook-description" }, "Description (optional)"),
      description,
      h("fieldset", {}, h("legend", {}, "Events to send"), h("p", { class: "muted small" }, "Leave all unchecked to receive every payment event."), boxes),
      h("label", { for: "webhook-format" }, "Format"),
      format,
      headers.fieldset,
      h("label", { class: "check" }, enabled, "Enabled"),
      code.wrap,
      formAlert,
    ];
    const save = async (e) => {
      const payload = {
        url: url.value.trim(),
        description: description.value.trim(),
        events: boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value),
        enabled: enabled.checked,
        format: format.value,
      };
      formAlert.clear();
      if (!existing || headers.changed()) {
        const missing = headers.missingValue();
        if (missing) return formAlert.show(new Error(`Enter the value of header ${missing} again: values are never shown back.`));
        payload.headers = headers.value();
      }
      await busy(e.target, async () => {
        try {
          if (existing) {
            await api("PATCH", `webhook-endpoints/${encodeURIComponent(existing.id)}`, { body: payload, otp: code.code() });
            $("#dialog").close("saved");
            toast("Webhook endpoint updated.");
          } else {
            const created = await api("POST", "webhook-endpoints", { body: payload, otp: code.code() });
            $("#dialog").close("saved");
            await secretDialog(
              "Webhook endpoint added",
              "Signing secret",
              created.secret,
              created.format === "onepay"
                ? `Use this secret to verify the signature header of every delivery. The x-webhook-token header carries the token ${created.token}. You can reveal or rotate both later under Secret.`
                : "Use this secret to verify the webhook-signature header of every delivery. You can reveal or rotate it later under Secret.",
            );
          }
          list.reload();
        } catch (err) {
          code.ask(err);
          formAlert.show(err);
        }
      });
    };
    await openDialog(existing ? "Edit webhook endpoint" : "Add webhook endpoint", body, [
      { label: "Cancel", value: "cancel" },
      { label: existing ? "Save changes" : "Add endpoint", class: "primary", id: "save-webhook", onclick: save },
    ]);
  }

  async function setEnabled(ep, value, button) {
    const change = (otp) => api("PATCH", `webhook-endpoints/${encodeURIComponent(ep.id)}`, { body: { enabled: value }, otp });
    const done = () => {
      toast(value ? "Endpoint enabled." : "Endpoint disabled: it receives nothing until enabled again.");
      list.reload();
    };
    if (session.twoStep === "on") {
      const title = value ? "Enable this endpoint?" : "Disable this endpoint?";
      if (await guardedConfirm(title, ep.url, value ? "Enable" : "Disable", change, false)) done();
      return;
    }
    await busy(button, async () => {
      try {
        await change();
        done();
      } catch (err) {
        if (wantsCode(err)) {
          session.twoStep = "on";
          return setEnabled(ep, value, button);
        }
        alert.show(err);
      }
    });
  }

  async function remove(ep, button) {
    const deleted = await guardedConfirm(
      "Delete this endpoint?",
      `${ep.url} will receive no more events. Its delivery log is kept for 30 days.`,
      "Delete endpoint",
      (otp) => busy(button, () => api("DELETE", `webhook-endpoints/${encodeURIComponent(ep.id)}`, { otp })),
    );
    if (!deleted) return;
    toast("Webhook endpoint deleted.");
    if (deliveries.dataset.endpointId === ep.id) deliveries.hidden = true;
    list.reload();
  }

  async function showSecret(ep, button) {
    let secret;
    const reveal = (otp) => api("GET", `webhook-endpoints/${encodeURIComponent(ep.id)}/secret`, { otp });
    // A signing secret is a credential: with two-step verification on, it takes a current code.
    const withCode = () =>
      guardedConfirm(
        "Reveal the signing secret?",
        "Anyone with this secret can sign webhooks your receiver will trust.",
        "Reveal secret",
        async (otp) => {
          secret = await reveal(otp);
        },
        false,
      );
    if (session.twoStep === "on") {
      if (!(await withCode())) return;
    } else {
      try {
        secret = await busy(button, () => reveal());
      } catch (err) {
        if (!wantsCode(err)) return alert.show(err);
        session.twoStep = "on";
        if (!(await withCode())) return;
      }
    }
    const input = h("input", { id: "secret-value", readonly: true, value: secret.secret, spellcheck: "false" });
    const token = h("input", { id: "token-value", readonly: true, value: secret.token, spellcheck: "false" });
    const note = h("p", { class: "muted small" }, secret.previous_secret_valid_until ? `The previous secret also signs until ${dateFormat.format(new Date(secret.previous_secret_valid_until))}.` : "");
    const rotateAlert = alertBox();
    const code = twoStepField();
    const rotate = async (e) => {
      rotateAlert.clear();
      await busy(e.target, async () => {
        try {
          const fresh = await api("POST", `webhook-endpoints/${encodeURIComponent(ep.id)}/rotate-secret`, { otp: code.code() });
          input.value = fresh.secret;
          token.value = fresh.token;
          note.textContent = `New secret. The previous one keeps signing beside it until ${dateFormat.format(new Date(fresh.previous_secret_valid_until))}, so receivers can switch over.`;
          toast("Signing secret rotated.");
        } catch (err) {
          code.ask(err);
          rotateAlert.show(err);
        }
      });
    };
    await openDialog(
      "Signing secret",
      [
        h("p", {}, h("code", { class: "url" }, ep.url)),
        h("label", { for: "secret-value" }, "Secret"),
        h("div", { class: "copy-row" }, input, copyButton(input)),
        h("label", { for: "token-value" }, "Token (the x-webhook-token header of the OnePay format)"),
        h("div", { class: "copy-row" }, token, copyButton(token)),
        note,
        code.wrap,
        rotateAlert,
      ],
      [
        { label: "Rotate secret", class: "secondary", id: "rotate-secret", onclick: rotate },
        { label: "Done", value: "done", class: "primary" },
      ],
    );
  }

  /** Re-sends what failed to the endpoint since a time the merchant picks (default: a day ago). */
  async function recoverDialog(ep) {
    const dayAgo = new Date(Date.now() - 24 * 3600 * 1000);
    const local = new Date(dayAgo.getTime() - dayAgo.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    const since = h("input", { id: "recover-since", type: "datetime-local", value: local, autofocus: true });
    const formAlert = alertBox();
    const recover = async (e) => {
      formAlert.clear();
      const at = new Date(since.value);
      if (Number.isNaN(at.getTime())) return formAlert.show("Pick a date and time.");
      await busy(e.target, async () => {
        try {
          const done = await api("POST", `webhook-endpoints/${encodeURIComponent(ep.id)}/recover`, { body: { since: at.toISOString().replace(/\.\d+Z$/, "Z") } });
          $("#dialog").close("recovered");
          toast(done.queued ? `${done.queued} failed deliveries queued again.${done.more ? " There are more: recover again from the last one." : ""}` : "No failed deliveries to recover since then.");
          showDeliveries(ep);
        } catch (err) {
          formAlert.show(err);
        }
      });
    };
    await openDialog(
      "Recover failed deliveries",
      [
        h("p", {}, `Every event whose delivery to ${ep.url} failed since this time is sent again, with its original webhook-id, so your receiver can recognise one it already has.`),
        h("label", { for: "recover-since" }, "Failed since (your time zone)"),
        since,
        formAlert,
      ],
      [
        { label: "Cancel", value: "cancel" },
        { label: "Recover", class: "primary", id: "confirm-recover", onclick: recover },
      ],
    );
  }

  async function sendTest(ep, button) {
    await busy(button, async () => {
      try {
        const event = await api("POST", `webhook-endpoints/${encodeURIComponent(ep.id)}/test`);
        toast(`Test event ${event.id} sent. Its delivery appears in the log below.`);
        showDeliveries(ep, event.id);
      } catch (err) {
        alert.show(err);
      }
    });
  }

  /** The endpoint's delivery attempts; after a test, watches for that event's attempt. */
  function showDeliveries(ep, awaitingEvent = null) {
    clearTimeout(deliveries.timer);
    deliveries.hidden = false;
    deliveries.dataset.endpointId = ep.id;
    const table = attemptsTable((cursor) =>
      api("GET", `webhook-endpoints/${encodeURIComponent(ep.id)}/deliveries`, { query: { limit: PAGE_SIZE, cursor } }).then((page) => {
        if (awaitingEvent && page.items.some((a) => a.event_id === awaitingEvent)) awaitingEvent = null;
        return page;
      }),
    );
    deliveries.replaceChildren(
      h(
        "div",
        { class: "panel-head" },
        h("div", {}, h("h3", {}, "Delivery attempts"), h("p", { class: "muted" }, h("code", { class: "url" }, ep.url))),
        h("button", { type: "button", class: "secondary", id: "refresh-deliveries", onclick: () => table.reload() }, "Refresh"),
      ),
      table,
    );
    let polls = 0;
    const poll = () => {
      if (!awaitingEvent || polls++ > 20 || deliveries.dataset.endpointId !== ep.id) return;
      table.reload();
      deliveries.timer = setTimeout(poll, 1500);
    };
    deliveries.timer = setTimeout(poll, 1000);
    deliveries.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  panel.append(heading("Webhooks", "Endpoints Payrail signs and sends events to, with every delivery attempt.", add), twoStepNote, alert, list, deliveries);
}

/** Delivery attempts, as the endpoint and event views both show them. */
function attemptsTable(load) {
  return pagedTable({
    id: "attempts-table",
    empty: "No delivery attempts yet.",
    load,
    columns: [
      { title: "Time", cell: (a) => time(a.created_at) },
      { title: "Event", cell: (a) => [h("code", {}, a.event_type), h("div", { class: "muted small" }, a.event_id)] },
      { title: "Attempt", class: "num", cell: (a) => String(a.attempt) },
      { title: "Outcome", cell: (a) => badge(a.outcome) },
      { title: "Status code", cell: (a) => statusBadge(a.status_code) },
      { title: "Duration", class: "num", cell: (a) => (a.duration_ms === null || a.duration_ms === undefined ? "—" : `${a.duration_ms} ms`) },
      {
        title: "Response",
        cell: (a) =>
          [
            a.response ? h("code", { class: "excerpt" }, a.response) : null,
            a.error ? h("div", { class: "error-text" }, a.error) : null,
            a.next_attempt_at ? h("div", { class: "muted small" }, "next try ", time(a.next_attempt_at)) : null,
          ].filter(Boolean),
      },
    ],
  });
}

function renderEvents(panel) {
  const detail = h("section", { id: "event-detail", class: "detail", hidden: true });
  const filter = h(
    "select",
    { id: "event-type", onchange: () => list.reset() },
    h("option", { value: "" }, "All types"),
    [...EVENT_TYPES, "webhook.test"].map((t) => h("option", { value: t }, t)),
  );
  const list = pagedTable({
    id: "events-table",
    empty: "No events yet. Events are recorded when payments are created, paid, declined or expire.",
    load: (cursor) => api("GET", "events", { query: { limit: PAGE_SIZE, cursor, type: filter.value } }),
    rowProps: (ev) => ({ "data-event-id": ev.id }),
    columns: [
      { title: "Event", cell: (ev) => h("code", {}, ev.id) },
      { title: "Type", cell: (ev) => badge(ev.type, "event") },
      { title: "Created", cell: (ev) => time(ev.created_at) },
      { title: "", class: "actions-cell", cell: (ev) => h("button", { type: "button", class: "secondary", onclick: () => showEvent(ev.id) }, "Details") },
    ],
  });

  async function showEvent(id) {
    detail.hidden = false;
    detail.replaceChildren(h("p", { class: "list-status" }, "Loading…"));
    const alert = alertBox();
    let event;
    try {
      event = await api("GET", `events/${encodeURIComponent(id)}`);
    } catch (err) {
      alert.show(err);
      detail.replaceChildren(alert);
      return;
    }
    const resend = writeButton("events", "Resend", {
      id: "resend-event",
      class: "primary",
      onclick: async (e) => {
        alert.clear();
        await busy(e.target, async () => {
          try {
            const queued = await api("POST", `events/${encodeURIComponent(id)}/resend`);
            toast(queued.queued.length ? `Queued for ${queued.queued.length} endpoint(s).` : "No enabled endpoint subscribes to this event.");
          } catch (err) {
            alert.show(err);
          }
        });
      },
    });
    const attempts = event.attempts ?? [];
    detail.replaceChildren(
      h(
        "div",
        { class: "panel-head" },
        h("div", {}, h("h3", {}, event.type), h("p", { class: "muted" }, h("code", {}, event.id), " · ", time(event.created_at))),
        resend,
      ),
      alert,
      h("h4", {}, "Payload"),
      h("pre", { class: "payload" }, JSON.stringify(event.payload, null, 2)),
      h("h4", {}, `Delivery attempts (${attempts.length})`),
      attemptsTable(async () => ({ items: attempts, next_cursor: null })),
    );
    detail.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  panel.append(
    heading("Events", "Everything Payrail has told (or will tell) your webhook endpoints, newest first.", h("label", { class: "filter" }, "Type ", filter)),
    list,
    detail,
  );
}

function renderLogs(panel) {
  panel.append(
    heading("API access log", "Every request made with your API keys over the last 30 days, newest first."),
    pagedTable({
      id: "logs-table",
      empty: "No requests logged yet.",
      load: (cursor) => api("GET", "logs", { query: { limit: PAGE_SIZE, cursor } }),
      columns: [
        { title: "Time", cell: (l) => time(l.created_at) },
        { title: "Method", cell: (l) => h("code", {}, l.method) },
        { title: "Path", cell: (l) => h("code", { class: "url" }, l.path) },
        { title: "Status", cell: (l) => statusBadge(l.status) },
        { title: "Key", cell: (l) => h("code", {}, l.key_id) },
      ],
    }),
  );
}

const PROCESSOR_NAMES = { sandbox: "Sandbox", stripe: "Stripe" };
const STRIPE_FIELDS = [
  { field: "secret_key", id: "stripe-secret-key", label: "Secret key", type: "password", placeholder: "sk_live_… or sk_test_…" },
  { field: "publishable_key", id: "stripe-publishable-key", label: "Publishable key", type: "text", placeholder: "pk_live_… or pk_test_…" },
  { field: "webhook_secret", id: "stripe-webhook-secret", label: "Webhook signing secret", type: "password", placeholder: "whsec_…" },
];

/** The URL Stripe sends this merchant's events to, on this origin; null when the Hub cannot know the merchant. */
function stripeWebhookUrl() {
  const merchant = session.kind === "admin" ? session.merchant?.id : session.merchantId;
  return merchant ? new URL(`hooks/stripe/${encodeURIComponent(merchant)}`, document.baseURI).href : null;
}

/** The merchant's payment processor: what is connected, connecting Stripe, or going back to the sandbox. */
function processorSection() {
  const alert = alertBox();
  const formAlert = alertBox();
  const facts = h("dl", { class: "facts", id: "processor-facts" });
  const mode = h("p", { class: "notice", id: "processor-mode-note", hidden: true });
  const current = h("div", { class: "card", id: "processor-current" }, h("p", { class: "list-status" }, "Loading…"));
  const section = h("section", { id: "processor", "aria-busy": "true" });
  let state = null;

  const inputs = STRIPE_FIELDS.map((f) => {
    const input = h("input", {
      id: f.id,
      name: f.field,
      type: f.type,
      placeholder: f.placeholder,
      autocomplete: "off",
      spellcheck: "false",
      required: true,
      "aria-describedby": `${f.id}-error`,
      disabled: !can("processor"),
      title: can("processor") ? undefined : lacks("processor"),
    });
    const error = h("p", { class: "field-error", id: `${f.id}-error`, hidden: true });
    return { ...f, input, error };
  });
  const connect = writeButton("processor", "Connect Stripe", { type: "submit", id: "connect-stripe", class: "primary" });
  // Where the money goes: with two-step verification on, a change takes a current code.
  const processorCode = twoStepField("processor-two-step-code", {
    disabled: !can("processor"),
    title: can("processor") ? undefined : lacks("processor"),
  });
  const form = h(
    "form",
    { id: "stripe-form", novalidate: true },
    inputs.map((f) => h("div", { class: "field" }, h("label", { for: f.id }, f.label), f.input, f.error)),
    processorCode.wrap,
    h("div", { class: "row-actions form-actions" }, connect),
  );
  const useSandbox = writeButton("processor", "Use the sandbox", { id: "use-sandbox", class: "danger", onclick: () => toSandbox() });

  /** Clears the field messages; with `err`, puts each field's message next to its field. */
  function fieldErrors(err = null) {
    for (const f of inputs) {
      const messages = err?.fields?.[f.field];
      f.error.textContent = messages ? sentence([].concat(messages).join("; ")) : "";
      f.error.hidden = !messages;
      if (messages) f.input.setAttribute("aria-invalid", "true");
      else f.input.removeAttribute("aria-invalid");
    }
  }

  function show(data) {
    state = data;
    const kind = data.type;
    const rows = [["Processor", h("strong", { id: "processor-type" }, kind ? PROCESSOR_NAMES[kind] ?? kind : "None connected")]];
    if (kind) {
      rows.push([
        "Mode",
        h("span", { id: "processor-mode" }, data.livemode ? badge("live mode", "live") : badge("test mode", "test")),
      ]);
    }
    if (kind === "stripe") {
      rows.push(["Publishable key", h("code", { id: "processor-publishable-key", class: "url" }, data.publishable_key ?? "—")]);
      rows.push(["Secret key", h("code", { id: "processor-secret-key" }, data.secret_key_last4 ? `sk_…••••${data.secret_key_last4}` : "—")]);
      if (data.account_id) rows.push(["Account", h("code", { id: "processor-account" }, data.account_id)]);
    }
    rows.push(["Updated", time(data.updated_at)]);
    facts.replaceChildren(...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
    if (data.livemode) {
      mode.className = "notice warning";
      mode.textContent = "Live mode: payments charge real cards and move real money.";
    } else if (kind === "stripe") {
      mode.className = "notice";
      mode.textContent = "Test mode: payments go through Stripe with test cards only; no money moves.";
    } else if (kind === "sandbox") {
      mode.className = "notice";
      mode.textContent = "The sandbox decides payments by card number; no card is charged and no money moves.";
    } else {
      mode.className = "notice warning";
      mode.textContent = "This deployment collects real money only: connect Stripe before customers can pay.";
    }
    mode.hidden = false;
    connect.textContent = kind === "stripe" ? "Replace Stripe keys" : "Connect Stripe";
    const onSandbox = kind === "sandbox";
    useSandbox.disabled = !can("processor") || onSandbox;
    useSandbox.title = !can("processor") ? lacks("processor") : onSandbox ? "Payments already go to the sandbox." : "";
    current.replaceChildren(h("div", { class: "panel-head" }, h("h3", {}, "Connected now"), useSandbox), facts, mode);
  }

  async function load() {
    if (!can("processor", "read")) {
      current.replaceChildren(h("p", { class: "muted" }, lacks("processor", "read")));
      section.removeAttribute("aria-busy");
      return;
    }
    try {
      show(await api("GET", "processor"));
    } catch (err) {
      current.replaceChildren(h("p", { class: "muted" }, "The current processor could not be read."));
      alert.show(err);
    } finally {
      section.removeAttribute("aria-busy");
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!can("processor")) return;
    alert.clear();
    formAlert.clear();
    fieldErrors();
    await busy(connect, async () => {
      try {
        // The secrets go from the form into this one request and are never kept or shown again.
        const data = await api("PUT", "processor", {
          otp: processorCode.code(),
          body: {
            type: "stripe",
            secret_key: inputs[0].input.value.trim(),
            publishable_key: inputs[1].input.value.trim(),
            webhook_secret: inputs[2].input.value.trim(),
          },
        });
        form.reset();
        show(data);
        current.scrollIntoView({ block: "nearest" });
        toast(data.livemode ? "Stripe connected in live mode: payments now collect real money." : "Stripe connected in test mode.");
      } catch (err) {
        processorCode.ask(err);
        fieldErrors(err);
        const shown = new Set(inputs.filter((f) => err?.fields?.[f.field]).map((f) => f.field));
        const rest = Object.fromEntries(Object.entries(err?.fields ?? {}).filter(([field]) => !shown.has(field)));
        formAlert.show(
          err instanceof ApiError && shown.size
            ? `${describe(new ApiError(err.status, err.message, rest, err.retryAfter, err.code))}\nSee the messages under the fields.`
            : err,
        );
      } finally {
        for (const f of inputs) if (f.type === "password") f.input.value = "";
      }
    });
  });

  async function toSandbox() {
    const onStripe = state?.type === "stripe";
    alert.clear();
    formAlert.clear();
    fieldErrors();
    let data;
    const ok = await guardedConfirm(
      "Use the sandbox?",
      onStripe
        ? "Payments stop going through Stripe at once: no card is charged and no money is collected until Stripe is connected again, with its keys entered again."
        : "Payments will be decided by the sandbox: no card is charged and no money is collected.",
      "Use the sandbox",
      async (otp) => {
        data = await api("PUT", "processor", { body: { type: "sandbox" }, otp });
      },
    );
    if (ok) {
      show(data);
      toast("Payments now go to the sandbox.");
    } else if (state) show(state);
  }

  const webhookUrl = stripeWebhookUrl();
  const urlInput = webhookUrl ? h("input", { id: "stripe-webhook-url", readonly: true, value: webhookUrl, spellcheck: "false" }) : null;
  section.append(
    heading("Payment processor", "Where this merchant's payments are collected: the sandbox for trying things out, or your Stripe account."),
    alert,
    current,
    h(
      "div",
      { class: "card", id: "stripe-connect" },
      h("h3", {}, "Connect Stripe"),
      can("processor") ? null : h("p", { class: "notice" }, lacks("processor")),
      h(
        "ol",
        { class: "steps" },
        h(
          "li",
          {},
          "In Stripe's dashboard, add a webhook endpoint with this URL, sending ",
          // Payments settling late, refunds however they were made, and disputes.
          STRIPE_EVENTS.flatMap((name, i) => [i ? (i === STRIPE_EVENTS.length - 1 ? " and " : ", ") : "", h("code", {}, name)]),
          ":",
          urlInput
            ? h("div", { class: "copy-row" }, urlInput, copyButton(urlInput))
            : h(
                "p",
                { class: "muted small", id: "stripe-webhook-url-unknown" },
                h("code", {}, new URL("hooks/stripe/", document.baseURI).href),
                " followed by this merchant's id.",
              ),
        ),
        h("li", {}, "Paste the endpoint's signing secret and your account's API keys here. Test keys (sk_test_…) take test cards only; live keys (sk_live_…) collect real money."),
      ),
      h("p", { class: "muted small" }, "Payrail checks the secret key with Stripe once and keeps the secrets in its secret store; they are never shown again, only the key's last four characters."),
      form,
      formAlert,
    ),
  );
  load();
  return section;
}

/**
 * Two-step verification: enrolling an authenticator app (QR code, secret and recovery codes shown
 * once, then a first code), its state, and turning it off with a code. Once on, this console asks
 * for a code before it changes a webhook endpoint.
 */
function twoStepSection() {
  const section = h("section", { id: "two-step", "aria-busy": "true" });
  const alert = alertBox();
  const card = h("div", { class: "card", id: "two-step-card" }, h("p", { class: "list-status" }, "Loading…"));
  const mayChange = session.kind !== "admin" && can("keys");

  function show(state) {
    session.twoStep = state.status;
    const words = {
      off: "Off. Anyone signed in to this console can change webhook endpoints without a code.",
      pending: "Set-up started but not finished: no code is asked for yet.",
      on: `On: webhook endpoint changes in this console need a code from the authenticator app. ${state.recovery_codes_left} recovery code(s) left.`,
    };
    const status = h("p", { id: "two-step-status" }, badge(state.status === "on" ? "on" : state.status, state.status === "on" ? "paid" : "pending"), " ", words[state.status] ?? state.status);
    const actions = h("div", { class: "row-actions" });
    if (state.status !== "on" && mayChange) {
      actions.append(h("button", { type: "button", class: "primary", id: "two-step-start", onclick: (e) => begin(e.target) }, state.status === "pending" ? "Start again" : "Set up two-step verification"));
    }
    if (state.status === "on" && session.kind === "admin") {
      actions.append(h("button", { type: "button", class: "danger", id: "two-step-disable", onclick: () => turnOff() }, "Turn off for this merchant"));
    } else if (state.status === "on" && mayChange) {
      actions.append(h("button", { type: "button", class: "danger", id: "two-step-disable", onclick: () => turnOff() }, "Turn off"));
    }
    const note = session.kind === "admin"
      ? h("p", { class: "muted small" }, "The merchant enrols an authenticator with its own API key. As the operator you can turn it off for a merchant who lost the app and its recovery codes.")
      : mayChange
        ? null
        : h("p", { class: "notice" }, lacks("keys"));
    card.replaceChildren(status, note, actions);
  }

  async function load() {
    try {
      show(await api("GET", "two-step"));
    } catch (err) {
      card.replaceChildren();
      alert.show(err);
    } finally {
      section.removeAttribute("aria-busy");
    }
  }

  async function begin(button) {
    alert.clear();
    let enrolment;
    try {
      enrolment = await busy(button, () => api("POST", "two-step"));
    } catch (err) {
      return alert.show(err);
    }
    session.twoStep = "pending";
    const secret = h("input", { id: "two-step-secret", readonly: true, value: enrolment.secret, spellcheck: "false" });
    const code = h("input", { id: "two-step-confirm-code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6", placeholder: "123456", required: true });
    const confirm = h("button", { type: "submit", id: "two-step-confirm", class: "primary" }, "Turn on");
    const formAlert = alertBox();
    const form = h(
      "form",
      { class: "inline-form", id: "two-step-form", novalidate: true },
      h("div", { class: "field" }, h("label", { for: "two-step-confirm-code" }, "Code from the app"), code),
      confirm,
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      formAlert.clear();
      await busy(confirm, async () => {
        try {
          show(await api("POST", "two-step/confirm", { body: { code: code.value.trim() } }));
          toast("Two-step verification is on.");
        } catch (err) {
          code.value = "";
          code.setAttribute("aria-invalid", "true");
          formAlert.show(err);
        }
      });
    });
    card.replaceChildren(
      h(
        "ol",
        { class: "steps" },
        h(
          "li",
          {},
          "Scan this QR code with your authenticator app, or type the secret into it.",
          h("div", { class: "qr" }, h("img", { id: "two-step-qr", src: enrolment.qr_code, alt: "QR code of the authenticator secret", width: "220", height: "220" })),
          h("label", { for: "two-step-secret" }, "Secret"),
          h("div", { class: "copy-row" }, secret, copyButton(secret)),
        ),
        h(
          "li",
          {},
          "Keep these recovery codes somewhere safe, apart from the app. Each works once, instead of a code, if you lose the app. They are not shown again.",
          h("ul", { id: "two-step-recovery", class: "codes" }, enrolment.recovery_codes.map((c) => h("li", {}, h("code", {}, c)))),
        ),
        h("li", {}, "Enter the code the app shows now to turn two-step verification on.", form, formAlert),
      ),
    );
    code.focus();
  }

  async function turnOff() {
    const admin = session.kind === "admin";
    const done = await guardedConfirm(
      "Turn off two-step verification?",
      admin
        ? "Webhook endpoint changes in the console will no longer need a code. The merchant can enrol again."
        : "Webhook endpoint changes in the console will no longer need a code. Enter a code from the app, or a recovery code.",
      "Turn off",
      async (otp) => show(await api("DELETE", "two-step", { otp })),
    );
    if (done) toast("Two-step verification is off.");
  }

  section.append(
    heading("Two-step verification", "An authenticator app's code before this console changes where payment notifications go."),
    alert,
    card,
  );
  load();
  return section;
}

async function renderSettings(panel) {
  panel.append(processorSection());
  panel.append(twoStepSection());
  panel.append(heading("Rate limit", "How many requests per minute each of this merchant's API keys may make. Requests over it get 429 with Retry-After."));
  const alert = alertBox();
  if (session.kind !== "admin") {
    if (session.rateLimit === null) {
      try {
        await api("GET", "transactions", { query: { limit: 1 } });
      } catch (err) {
        alert.show(err);
      }
    }
    panel.append(
      alert,
      h(
        "div",
        { class: "card" },
        h("p", { class: "big", id: "rate-limit" }, session.rateLimit === null ? "unknown" : `${session.rateLimit} requests per minute per key`),
        h("p", { class: "muted" }, "Only your Payrail operator can change it."),
        h("p", { class: "muted small" }, `Signed in with a key of scope ${SCOPE_NAMES[session.kind] ?? session.kind}, `, h("code", {}, session.keyId), "."),
      ),
    );
    return;
  }
  const input = h("input", { id: "rate-limit", type: "number", min: "1", step: "1", inputmode: "numeric", value: String(session.merchant.rate_limit_per_minute) });
  const save = h("button", { type: "submit", id: "save-rate-limit" }, "Save");
  const form = h(
    "form",
    { class: "inline-form card", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "rate-limit" }, `Requests per minute per key for ${session.merchant.name}`), input),
    save,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    alert.clear();
    const raw = input.value.trim();
    await busy(save, async () => {
      try {
        const merchant = await api("PATCH", `merchants/${encodeURIComponent(session.merchant.id)}`, {
          body: { rate_limit_per_minute: /^\d+$/.test(raw) ? Number(raw) : raw },
          merchantScoped: false,
        });
        session.merchant = merchant;
        sessionStorage.setItem(STORE.merchant, JSON.stringify(merchant));
        toast(`Rate limit set to ${merchant.rate_limit_per_minute} requests per minute.`);
      } catch (err) {
        alert.show(err);
      }
    });
  });
  panel.append(form, alert);
}

// ---------------------------------------------------------------- API reference

const HTTP_METHODS = ["get", "post", "put", "patch", "delete"];

/** What a caller needs for an operation, from its `x-payrail-permission`, in words. */
function permissionCell(op) {
  const permission = op["x-payrail-permission"];
  if (!permission) return h("span", { class: "muted" }, "none (public)");
  if (permission === "admin") return "admin token";
  if (permission === "any") return "any API key";
  return h("code", {}, permission);
}

/** The document's operations grouped by their first tag, in the order the document lists tags. */
function operationsByTag(doc) {
  const groups = new Map((doc.tags ?? []).map((t) => [t.name, { tag: t.name, description: t.description, operations: [] }]));
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item?.[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "other";
      if (!groups.has(tag)) groups.set(tag, { tag, operations: [] });
      groups.get(tag).operations.push({ method, path, op });
    }
  }
  return [...groups.values()].filter((g) => g.operations.length);
}

/** The link that opens an operation in the full reference (Swagger UI's deep link). */
const referenceLink = (tag, operationId) => `docs#/${encodeURIComponent(tag)}/${encodeURIComponent(operationId)}`;

function renderReference(panel) {
  const status = h("p", { class: "list-status", role: "status" }, "Loading the API reference…");
  const alert = alertBox();
  const groups = h("div", { id: "reference-groups", class: "list", "aria-busy": "true" }, status);
  panel.append(
    heading(
      "API reference",
      "Every endpoint of this API by area, with the permission an API key needs for it.",
      h("a", { href: "docs", class: "button-link", id: "open-reference" }, "Open full reference"),
    ),
    alert,
    groups,
  );

  (async () => {
    let doc;
    try {
      const res = await fetch(new URL("openapi.json", API), { headers: { Accept: "application/json" }, cache: "no-store", credentials: "omit" });
      if (!res.ok) throw new Error(`the server answered ${res.status} ${res.statusText}`);
      doc = await res.json();
    } catch (err) {
      status.textContent = "";
      const reason = err instanceof TypeError ? "Payrail could not be reached" : err.message;
      alert.show(`Could not load the API reference: ${reason}. Open the tab again to retry.`);
      return;
    } finally {
      groups.removeAttribute("aria-busy");
    }
    const found = operationsByTag(doc);
    if (!found.length) {
      status.textContent = "The API document lists no endpoints.";
      return;
    }
    groups.replaceChildren(
      ...found.map(({ tag, description, operations }) =>
        h(
          "section",
          { class: "reference-group", "data-tag": tag },
          h("h3", {}, tag),
          description ? h("p", { class: "muted" }, description) : null,
          h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              {},
              h("thead", {}, h("tr", {}, ["Method", "Path", "Summary", "Permission"].map((t) => h("th", { scope: "col" }, t)))),
              h(
                "tbody",
                {},
                operations.map(({ method, path, op }) =>
                  h(
                    "tr",
                    { "data-operation-id": op.operationId },
                    h("td", { "data-label": "Method" }, badge(method.toUpperCase(), `method-${method}`)),
                    h("td", { "data-label": "Path" }, h("a", { href: referenceLink(tag, op.operationId), title: `${op.operationId} in the full reference` }, h("code", {}, path))),
                    h("td", { "data-label": "Summary" }, op.summary ?? ""),
                    h("td", { "data-label": "Permission" }, permissionCell(op)),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  })();
}

const TABS = {
  payments: renderPayments,
  links: renderLinks,
  customers: renderCustomers,
  keys: renderKeys,
  webhooks: renderWebhooks,
  events: renderEvents,
  logs: renderLogs,
  settings: renderSettings,
  reference: renderReference,
};

/** The resource a tab shows; a key that cannot read it sees why instead. */
const TAB_RESOURCES = { payments: "payments", links: "payments", customers: "payments", keys: "keys", webhooks: "webhooks", events: "events", logs: "logs" };
const TAB_TITLES = { payments: "Payments", links: "Payment links", customers: "Customers", webhooks: "Webhooks", events: "Events", logs: "API access log" };

function openTab(name, focus = false) {
  if (!TABS[name]) name = "payments";
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) tab.focus();
  }
  const panel = $("#panel");
  panel.setAttribute("aria-labelledby", `tab-${name}`);
  panel.replaceChildren();
  history.replaceState(null, "", `#${name}`);
  const resource = TAB_RESOURCES[name];
  if (resource && name !== "keys" && !can(resource, "read")) {
    panel.append(heading(TAB_TITLES[name]), h("p", { class: "notice", id: "tab-locked" }, `Your key cannot see this: it lacks the permission ${resource}:read.`));
    return;
  }
  TABS[name](panel);
}

// ---------------------------------------------------------------- screens

function showScreen(id) {
  for (const screen of ["signin", "merchants", "console"]) $(`#${screen}`).hidden = screen !== id;
  $("#identity").hidden = id === "signin";
}

function showSignIn(message = "") {
  session.ready = false;
  showScreen("signin");
  const alert = $("#signin-form .alert");
  alert.textContent = message;
  alert.hidden = !message;
  $("#credential").focus();
}

function showMerchants() {
  showScreen("merchants");
  $("#who").textContent = "Admin";
  $("#switch-merchant").hidden = true;
  showDeadLetters();
  showAuditLog();
  $("#merchant-list").replaceChildren(
    pagedTable({
      id: "merchants-table",
      empty: "No merchants yet. Create the first one below.",
      load: (cursor) => api("GET", "merchants", { query: { limit: PAGE_SIZE, cursor }, merchantScoped: false }),
      columns: [
        { title: "Name", cell: (m) => m.name },
        { title: "Merchant", cell: (m) => h("code", {}, m.id) },
        { title: "Rate limit", class: "num", cell: (m) => `${m.rate_limit_per_minute}/min` },
        { title: "Created", cell: (m) => time(m.created_at) },
        { title: "", class: "actions-cell", cell: (m) => h("button", { type: "button", class: "primary", onclick: () => actFor(m) }, "Manage") },
      ],
    }),
  );
}

/** The operator's view of webhook jobs given up on, with the button that delivers them again. */
async function showDeadLetters() {
  const box = $("#dead-letters");
  const alert = alertBox();
  const render = (count) => {
    const redrive = h("button", { type: "button", id: "redrive", class: "primary", disabled: count === 0 }, "Deliver them again");
    redrive.addEventListener("click", () =>
      busy(redrive, async () => {
        alert.clear();
        try {
          const done = await api("POST", "dead-letters/redrive", { body: {}, merchantScoped: false });
          toast(`${done.moved} deliveries queued again${done.unreadable ? `; ${done.unreadable} unreadable messages left on the queue` : ""}.`);
          render(done.approximate_remaining);
        } catch (err) {
          alert.show(err);
        }
      }),
    );
    box.replaceChildren(
      h("h2", {}, "Webhook dead-letter queue"),
      h("p", { id: "dead-letter-count" }, count === 0 ? "Empty: every delivery was made or is still being retried." : `About ${count} deliveries were given up on (their attempts ran out). Once the receivers are back, deliver them again.`),
      redrive,
      alert,
    );
  };
  try {
    render((await api("GET", "dead-letters", { merchantScoped: false })).approximate_messages);
  } catch (err) {
    box.replaceChildren(alert);
    alert.show(err);
  }
}

/** Every change made with the admin token, newest first. */
function showAuditLog() {
  $("#audit-log").replaceChildren(
    h("h2", {}, "Audit log"),
    h("p", { class: "muted" }, "Every change made with the admin token, refused ones included, newest first."),
    pagedTable({
      id: "audit-table",
      empty: "No changes made with the admin token yet.",
      load: (cursor) => api("GET", "audit-log", { query: { limit: PAGE_SIZE, cursor }, merchantScoped: false }),
      columns: [
        { title: "When", cell: (e) => time(e.created_at) },
        { title: "Action", cell: (e) => h("code", {}, e.action) },
        { title: "Target", cell: (e) => (e.target ? h("code", {}, e.target) : h("span", { class: "muted" }, "—")) },
        { title: "Merchant", cell: (e) => (e.merchant_id ? h("code", {}, e.merchant_id) : h("span", { class: "muted" }, "—")) },
        { title: "Status", cell: (e) => statusBadge(e.status) },
        { title: "Request", cell: (e) => h("code", { class: "small" }, e.request_id) },
      ],
    }),
  );
}

function actFor(merchant) {
  session.merchant = merchant;
  sessionStorage.setItem(STORE.merchant, JSON.stringify(merchant));
  showConsole();
}

function showConsole() {
  session.ready = true;
  showScreen("console");
  const who = $("#who");
  if (session.kind === "admin") {
    who.replaceChildren("Admin for ", h("strong", {}, session.merchant.name), " ", h("code", {}, session.merchant.id));
    $("#switch-merchant").hidden = false;
  } else {
    const names = { full: "full access", read_only: "read-only", restricted: "restricted" };
    who.replaceChildren(h("code", {}, session.keyId), " ", badge(names[session.kind] ?? session.kind, session.kind));
    $("#switch-merchant").hidden = true;
  }
  openTab(location.hash.slice(1));
}

/** Works out what the credential is, from what the API lets it do. */
async function signIn(credential) {
  if (!/^[\x21-\x7e]+$/.test(credential)) {
    throw new ApiError(401, "That is not an API key or an admin token: it has spaces or characters a key never has.");
  }
  Object.assign(session, { credential, kind: null, keyId: null, permissions: null, merchant: null, merchantId: null, rateLimit: null, twoStep: "off", ready: false });
  if (credential.startsWith("prl_")) {
    const key = await api("GET", "keys/current");
    Object.assign(session, { keyId: key.id, merchantId: key.merchant_id, kind: key.scope, permissions: key.permissions });
  } else {
    await api("GET", "merchants", { query: { limit: 1 }, merchantScoped: false });
    session.kind = "admin";
  }
  sessionStorage.setItem(STORE.credential, credential);
}

function signOut(message = "") {
  sessionStorage.removeItem(STORE.credential);
  sessionStorage.removeItem(STORE.merchant);
  Object.assign(session, { credential: null, kind: null, keyId: null, permissions: null, merchant: null, merchantId: null, rateLimit: null, twoStep: "off", ready: false });
  $("#panel").replaceChildren();
  if ($("#dialog").open) $("#dialog").close();
  showSignIn(message);
}

function credentialRejected(err) {
  signOut(`Your credential was refused (${err.message}). Sign in again.`);
}

async function start() {
  $("#signin-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("#credential");
    const button = e.target.querySelector("button");
    const alert = e.target.querySelector(".alert");
    alert.hidden = true;
    await busy(button, async () => {
      try {
        await signIn(input.value.trim());
        input.value = "";
        session.kind === "admin" ? showMerchants() : showConsole();
      } catch (err) {
        session.credential = null;
        alert.textContent = err.status === 401 ? `Sign-in failed: ${sentence(err.message)}` : describe(err);
        alert.hidden = false;
      }
    });
  });
  $("#merchant-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const alert = e.target.querySelector(".alert");
    alert.hidden = true;
    await busy(e.target.querySelector("button"), async () => {
      try {
        const merchant = await api("POST", "merchants", { body: { name: $("#merchant-name").value.trim() }, merchantScoped: false });
        e.target.reset();
        actFor(merchant);
      } catch (err) {
        alert.textContent = describe(err);
        alert.hidden = false;
      }
    });
  });
  $("#sign-out").addEventListener("click", () => signOut("You are signed out."));
  $("#switch-merchant").addEventListener("click", () => showMerchants());
  const tablist = $("[role=tablist]");
  tablist.addEventListener("click", (e) => {
    const tab = e.target.closest("[role=tab]");
    if (tab) openTab(tab.dataset.tab);
  });
  tablist.addEventListener("keydown", (e) => {
    const tabs = [...tablist.querySelectorAll("[role=tab]")];
    const at = tabs.indexOf(document.activeElement);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (at < 0 || !step) return;
    e.preventDefault();
    openTab(tabs[(at + step + tabs.length) % tabs.length].dataset.tab, true);
  });

  const saved = sessionStorage.getItem(STORE.credential);
  if (!saved) return showSignIn();
  try {
    await signIn(saved);
  } catch (err) {
    return signOut(err.status === 401 ? "Your saved credential no longer works. Sign in again." : describe(err));
  }
  const merchant = JSON.parse(sessionStorage.getItem(STORE.merchant) ?? "null");
  if (session.kind !== "admin") return showConsole();
  if (!merchant) return showMerchants();
  session.merchant = merchant;
  showConsole();
}

start();
