<?php

declare(strict_types=1);

namespace Payrail;

/**
 * A whole accepted answer, as Client::send() gives it: the HTTP status (201 for a new payment or
 * refund, 200 for a repeat under the same Idempotency-Key), the envelope's `data` and `message`,
 * the `X-Request-Id`, and every header (names in lower case).
 */
final class Response
{
    /**
     * @param array<string, list<string>> $headers
     */
    public function __construct(
        public readonly int $status,
        public readonly mixed $data,
        public readonly ?string $message,
        public readonly ?string $requestId,
        public readonly array $headers,
    ) {
    }

    /** A header's values joined by ", ", or null when absent. */
    public function header(string $name): ?string
    {
        $values = $this->headers[strtolower($name)] ?? null;
        return $values === null ? null : implode(', ', $values);
    }
}
