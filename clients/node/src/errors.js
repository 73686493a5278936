// A refused request: the HTTP status with the API's envelope (`code`, `message`, and `errors`
// naming each invalid field with its messages), so callers branch on data rather than on text.
export class PayrailError extends Error {
  constructor({ status, code, message, errors, requestId, retryAfter, body }) {
    super(message || `HTTP ${status}`);
    this.name = 'PayrailError';
    this.status = status;
    this.code = code ?? null;
    this.errors = errors ?? {};
    this.requestId = requestId ?? null;
    this.retryAfter = retryAfter ?? null;
    this.body = body;
  }

  // Builds the error from a response whose body was already read.
  static from(response, body) {
    const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
    const envelope = body !== null && typeof body === 'object' ? body : {};
    return new PayrailError({
      status: response.status,
      code: typeof envelope.code === 'string' ? envelope.code : null,
      // The compatibility route answers `{status: false, error}` instead of the envelope.
      message: envelope.message ?? envelope.error ?? (typeof body === 'string' ? body : ''),
      errors: envelope.errors,
      requestId: response.headers.get('x-request-id'),
      retryAfter: Number.isNaN(retryAfter) ? null : retryAfter,
      body,
    });
  }
}
