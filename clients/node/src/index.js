export { Payrail } from './client.js';
export { PayrailError } from './errors.js';
export { notClientOperations, operations } from './operations.js';
export { verifyWebhook, WebhookVerificationError } from './webhooks.js';
