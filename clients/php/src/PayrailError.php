<?php

declare(strict_types=1);

namespace Payrail;

use Psr\Http\Message\ResponseInterface;

/**
 * A refused request: the HTTP status with the API's envelope (`code`, `message`, and `errors`
 * naming each invalid field with its messages), so callers branch on data rather than on text.
 *
 * `$code` (and getCode()) is the envelope's string code, `validation_failed`, `not_found`, …,
 * as PDOException's is its SQLSTATE; null when the answer had none (not JSON, or the
 * compatibility route's `{status: false, error}`).
 */
final class PayrailError extends \RuntimeException
{
    /** @var string|null The envelope's `code`; stable, unlike the message. */
    public $code;

    /**
     * @param array<string, list<string>> $errors each invalid field with its messages (422)
     */
    public function __construct(
        public readonly int $status,
        ?string $code,
        string $message,
        public readonly array $errors = [],
        public readonly ?string $requestId = null,
        public readonly ?int $retryAfter = null,
        public readonly mixed $body = null,
    ) {
        parent::__construct($message !== '' ? $message : "HTTP {$status}");
        $this->code = $code;
    }

    /** Builds the error from a response and its body, decoded when it was JSON. */
    public static function fromResponse(ResponseInterface $response, mixed $body): self
    {
        $envelope = is_array($body) ? $body : [];
        $message = $envelope['message'] ?? $envelope['error'] ?? (is_string($body) ? $body : '');
        $retryAfter = trim($response->getHeaderLine('Retry-After'));
        $requestId = $response->getHeaderLine('X-Request-Id');
        return new self(
            status: $response->getStatusCode(),
            code: isset($envelope['code']) && is_string($envelope['code']) ? $envelope['code'] : null,
            message: is_string($message) ? $message : '',
            errors: isset($envelope['errors']) && is_array($envelope['errors']) ? $envelope['errors'] : [],
            requestId: $requestId !== '' ? $requestId : null,
            retryAfter: ctype_digit($retryAfter) ? (int) $retryAfter : null,
            body: $body,
        );
    }
}
