// The API operations the client calls, by their operationId in docs/openapi.yaml. Each gives
// its HTTP method and path; a path's `{id}` is the method's first argument. `body`: the next
// argument is a JSON body; `query`: it is query parameters; `page`: the answer is a page of
// `items` with `next_cursor`, so the client also has an `iterate…` method for it.
// A new route is one line here and one signature in index.d.ts; test/unit/coverage.test.js
// fails while docs/openapi.yaml has an operation this table lacks.

export const operations = {
  // Merchants (the admin token).
  createMerchant: { method: 'POST', path: '/api/v1/merchants', body: true },
  listMerchants: { method: 'GET', path: '/api/v1/merchants', query: true, page: true },
  getMerchant: { method: 'GET', path: '/api/v1/merchants/{id}' },
  updateMerchant: { method: 'PATCH', path: '/api/v1/merchants/{id}', body: true },
  getDeadLetters: { method: 'GET', path: '/api/v1/dead-letters' },
  listAuditLog: { method: 'GET', path: '/api/v1/audit-log', query: true, page: true },
  redriveDeadLetters: { method: 'POST', path: '/api/v1/dead-letters/redrive', body: true },

  // API keys, two-step verification and the access log.
  createKey: { method: 'POST', path: '/api/v1/keys', body: true, merchantInBody: true },
  listKeys: { method: 'GET', path: '/api/v1/keys', query: true, page: true },
  revokeKey: { method: 'DELETE', path: '/api/v1/keys/{id}' },
  rotateKey: { method: 'POST', path: '/api/v1/keys/{id}/rotate' },
  currentKey: { method: 'GET', path: '/api/v1/keys/current' },
  getTwoStep: { method: 'GET', path: '/api/v1/two-step' },
  startTwoStep: { method: 'POST', path: '/api/v1/two-step' },
  disableTwoStep: { method: 'DELETE', path: '/api/v1/two-step' },
  confirmTwoStep: { method: 'POST', path: '/api/v1/two-step/confirm', body: true },
  listLogs: { method: 'GET', path: '/api/v1/logs', query: true, page: true },

  // Payments.
  createPaymentRequest: { method: 'POST', path: '/api/v1/payment-requests', body: true },
  createPaymentRequestCompat: { method: 'POST', path: '/payment-request-api', body: true, compat: true },
  listTransactions: { method: 'GET', path: '/api/v1/transactions', query: true, page: true },
  getTransaction: { method: 'GET', path: '/api/v1/transactions/{id}' },
  createRefund: { method: 'POST', path: '/api/v1/transactions/{id}/refunds', body: true },
  listRefunds: { method: 'GET', path: '/api/v1/transactions/{id}/refunds', query: true, page: true },
  cancelTransaction: { method: 'POST', path: '/api/v1/transactions/{id}/cancel' },

  // Payment links.
  createPaymentLink: { method: 'POST', path: '/api/v1/payment-links', body: true },
  listPaymentLinks: { method: 'GET', path: '/api/v1/payment-links', query: true, page: true },
  getPaymentLink: { method: 'GET', path: '/api/v1/payment-links/{id}' },
  updatePaymentLink: { method: 'PATCH', path: '/api/v1/payment-links/{id}', body: true },

  // Customers.
  createCustomer: { method: 'POST', path: '/api/v1/customers', body: true },
  listCustomers: { method: 'GET', path: '/api/v1/customers', query: true, page: true },
  getCustomer: { method: 'GET', path: '/api/v1/customers/{id}' },

  // The payment processor.
  getProcessor: { method: 'GET', path: '/api/v1/processor' },
  putProcessor: { method: 'PUT', path: '/api/v1/processor', body: true },

  // Webhook endpoints.
  createWebhookEndpoint: { method: 'POST', path: '/api/v1/webhook-endpoints', body: true },
  listWebhookEndpoints: { method: 'GET', path: '/api/v1/webhook-endpoints', query: true, page: true },
  getWebhookEndpoint: { method: 'GET', path: '/api/v1/webhook-endpoints/{id}' },
  updateWebhookEndpoint: { method: 'PATCH', path: '/api/v1/webhook-endpoints/{id}', body: true },
  deleteWebhookEndpoint: { method: 'DELETE', path: '/api/v1/webhook-endpoints/{id}' },
  revealWebhookSecret: { method: 'GET', path: '/api/v1/webhook-endpoints/{id}/secret' },
  rotateWebhookSecret: { method: 'POST', path: '/api/v1/webhook-endpoints/{id}/rotate-secret' },
  testWebhookEndpoint: { method: 'POST', path: '/api/v1/webhook-endpoints/{id}/test' },
  listDeliveries: { method: 'GET', path: '/api/v1/webhook-endpoints/{id}/deliveries', query: true, page: true },
  recoverWebhookEndpoint: { method: 'POST', path: '/api/v1/webhook-endpoints/{id}/recover', body: true },

  // Events.
  listEvents: { method: 'GET', path: '/api/v1/events', query: true, page: true },
  getEvent: { method: 'GET', path: '/api/v1/events/{id}' },
  resendEvent: { method: 'POST', path: '/api/v1/events/{id}/resend', body: true },

  // The OpenAPI document itself (not an envelope).
  getOpenApi: { method: 'GET', path: '/api/v1/openapi.json', bare: true },
};

// Operations in docs/openapi.yaml the client leaves out: pages and assets for browsers,
// Stripe's inbound webhook, and OwnPay's dialect (for OwnPay's own clients).
export const notClientOperations = [
  'showCheckout',
  'payCheckout',
  'checkoutAsset',
  'receiveStripeEvent',
  'showHub',
  'getHubAsset',
  'showPaymentLink',
  'startPaymentLink',
  'showDocs',
  'getDocsAsset',
  // OwnPay's dialect, for OwnPay's own clients.
  'ownpayCreatePayment',
  'ownpayCreatePaymentIntent',
  'ownpayGetPayment',
  'ownpayGetTransaction',
  'ownpayHealth',
  'ownpayCreateRefund',
  'ownpayGetRefund',
  'ownpayListTransactions',
  'ownpayListRefunds',
  'ownpayCreateCustomer',
  'ownpayListCustomers',
  'ownpayGetCustomer',
  'ownpayListKeys',
  'ownpayCreateKey',
  'ownpayRevokeKey',
  'ownpayTestWebhook',
  'ownpayListDeliveries',
];

// The name of a list operation's iterator: listTransactions → iterateTransactions.
export function iteratorName(operationId) {
  return `iterate${operationId.replace(/^list/, '')}`;
}
