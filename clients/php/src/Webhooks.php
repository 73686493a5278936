<?php

declare(strict_types=1);

namespace Payrail;

/**
 * Checks that a webhook delivery is Payrail's, in each of an endpoint's formats, and answers its
 * decoded body. Each check needs the raw body as received (`file_get_contents('php://input')`,
 * or a PSR-7 request's `(string) $request->getBody()`): a body decoded and encoded again no
 * longer matches its signature.
 *
 * Headers may be given as `getallheaders()`, a PSR-7 message, `$request->getHeaders()`
 * (name => list of values), or `$_SERVER` (HTTP_WEBHOOK_ID, …); names in any case.
 *
 * Every format also carries Standard Webhooks' headers over the bytes sent, so verify() checks a
 * delivery of any format; the `ovgc` and `onepay` checks sign no time, and `ovgc`'s covers
 * nothing but the secret it carries.
 */
final class Webhooks
{
    /** How far a timestamp may be from now, either way (Standard Webhooks and OwnPay's Laravel). */
    public const TOLERANCE_SECONDS = 300;

    public const FORMATS = ['standard', 'ovgc', 'onepay', 'ownpay'];

    private const SECRET_PREFIX = 'whsec_';

    /**
     * A Standard Webhooks delivery: `webhook-signature` holds, space-separated, `v1,<base64
     * HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` keyed with the base64-decoded
     * part of the `whsec_…` secret, one per valid secret (two during a rotation: either secret
     * verifies), and `webhook-timestamp` is within five minutes of now.
     *
     * @param array<string, mixed>|object $headers
     * @return mixed the decoded body (null for an empty one)
     * @throws WebhookVerificationError
     */
    public static function verify(#[\SensitiveParameter] string $secret, string $body, array|object $headers, ?int $now = null): mixed
    {
        $key = self::standardKey($secret);
        $id = self::header($headers, 'webhook-id');
        $signatures = self::header($headers, 'webhook-signature');
        $timestampHeader = self::header($headers, 'webhook-timestamp');
        if ($id === null || $id === '' || $signatures === null || $signatures === ''
            || $timestampHeader === null || $timestampHeader === '') {
            throw new WebhookVerificationError('Missing required headers');
        }
        // Read as JavaScript's parseInt(…, 10) reads it, as the reference implementation does.
        if (preg_match('/^\s*([+-]?\d+)/', $timestampHeader, $m) !== 1) {
            throw new WebhookVerificationError('Invalid Signature Headers');
        }
        $timestamp = (int) $m[1];
        $now ??= time();
        if ($now - $timestamp > self::TOLERANCE_SECONDS) {
            throw new WebhookVerificationError('Message timestamp too old');
        }
        if ($timestamp > $now + self::TOLERANCE_SECONDS) {
            throw new WebhookVerificationError('Message timestamp too new');
        }
        $expected = base64_encode(hash_hmac('sha256', "{$id}.{$timestamp}.{$body}", $key, true));
        foreach (explode(' ', $signatures) as $versioned) {
            $parts = explode(',', $versioned);
            if ($parts[0] !== 'v1') {
                continue;
            }
            if (hash_equals($expected, $parts[1] ?? '')) {
                return $body === '' ? null : self::decode($body);
            }
        }
        throw new WebhookVerificationError('No matching signature found');
    }

    /**
     * An `ovgc` delivery: its body's `webhook_secret` is the endpoint's current secret. The body
     * is `{webhook_secret, success, transaction_id, customer_email, payment_status}`.
     *
     * @return array<string, mixed>
     * @throws WebhookVerificationError
     */
    public static function verifyOvgc(#[\SensitiveParameter] string $secret, string $body): array
    {
        $payload = self::decodeObject($body);
        $given = $payload['webhook_secret'] ?? null;
        if (!is_string($given) || !hash_equals($secret, $given)) {
            throw new WebhookVerificationError('webhook_secret is not the endpoint\'s secret');
        }
        return $payload;
    }

    /**
     * An `onepay` delivery: the `signature` header is the lowercase hex HMAC-SHA256 of the body
     * keyed with the whole secret text (`whsec_…`), and, when `$token` is given, the
     * `x-webhook-token` header is the endpoint's token (`whtok_…`).
     *
     * @param array<string, mixed>|object $headers
     * @return mixed the decoded body, the standard event
     * @throws WebhookVerificationError
     */
    public static function verifyOnepay(
        #[\SensitiveParameter] string $secret,
        string $body,
        array|object $headers,
        #[\SensitiveParameter] ?string $token = null,
    ): mixed {
        self::checkHexSignature($secret, $body, self::header($headers, 'signature'), 'signature');
        if ($token !== null) {
            $given = self::header($headers, 'x-webhook-token');
            if ($given === null || !hash_equals($token, $given)) {
                throw new WebhookVerificationError('x-webhook-token is not the endpoint\'s token');
            }
        }
        return self::decode($body);
    }

    /**
     * An `ownpay` delivery: `X-OwnPay-Signature` is the same hex HMAC as onepay's `signature`,
     * and `X-OwnPay-Timestamp` (the time of the attempt) is within 300 seconds of now. The event's
     * name is in `X-OwnPay-Event` and the body's `event`.
     *
     * @param array<string, mixed>|object $headers
     * @return array<string, mixed> OwnPay's flat body
     * @throws WebhookVerificationError
     */
    public static function verifyOwnpay(#[\SensitiveParameter] string $secret, string $body, array|object $headers, ?int $now = null): array
    {
        $timestamp = self::header($headers, 'x-ownpay-timestamp');
        if ($timestamp === null || preg_match('/^\d{1,18}$/', $timestamp) !== 1) {
            throw new WebhookVerificationError('Missing or invalid X-OwnPay-Timestamp');
        }
        if (abs(($now ?? time()) - (int) $timestamp) > self::TOLERANCE_SECONDS) {
            throw new WebhookVerificationError('X-OwnPay-Timestamp is not within 300 seconds of now');
        }
        self::checkHexSignature($secret, $body, self::header($headers, 'x-ownpay-signature'), 'X-OwnPay-Signature');
        return self::decodeObject($body);
    }

    /**
     * The check of an endpoint's `format` (standard, ovgc, onepay, ownpay); `$token` is onepay's.
     *
     * @param array<string, mixed>|object $headers
     * @throws WebhookVerificationError
     */
    public static function verifyFormat(
        string $format,
        #[\SensitiveParameter] string $secret,
        string $body,
        array|object $headers,
        #[\SensitiveParameter] ?string $token = null,
    ): mixed {
        return match ($format) {
            'standard' => self::verify($secret, $body, $headers),
            'ovgc' => self::verifyOvgc($secret, $body),
            'onepay' => self::verifyOnepay($secret, $body, $headers, $token),
            'ownpay' => self::verifyOwnpay($secret, $body, $headers),
            default => throw new \InvalidArgumentException(
                "unknown webhook format '{$format}' (one of " . implode(', ', self::FORMATS) . ')'
            ),
        };
    }

    /**
     * A header's value, its name in any case: from a PSR-7 message, from name => value or
     * name => list of values (the first), or from `$_SERVER`'s HTTP_… keys.
     *
     * @param array<string, mixed>|object $headers
     */
    public static function header(array|object $headers, string $name): ?string
    {
        if (is_object($headers)) {
            if (method_exists($headers, 'hasHeader') && method_exists($headers, 'getHeaderLine')) {
                return $headers->hasHeader($name) ? $headers->getHeaderLine($name) : null;
            }
            $headers = get_object_vars($headers);
        }
        $server = 'HTTP_' . strtoupper(str_replace('-', '_', $name));
        foreach ($headers as $key => $value) {
            $key = (string) $key;
            if (strcasecmp($key, $name) === 0 || $key === $server) {
                if (is_array($value)) {
                    $value = reset($value);
                }
                return is_scalar($value) ? (string) $value : null;
            }
        }
        return null;
    }

    /** The HMAC key of a `whsec_…` secret: its base64 part, decoded. */
    private static function standardKey(string $secret): string
    {
        if (str_starts_with($secret, self::SECRET_PREFIX)) {
            $secret = substr($secret, strlen(self::SECRET_PREFIX));
        }
        $key = base64_decode($secret, true);
        if ($key === false || $key === '') {
            throw new \InvalidArgumentException('the secret is not a whsec_… signing secret');
        }
        return $key;
    }

    private static function checkHexSignature(string $secret, string $body, ?string $given, string $name): void
    {
        if ($given === null || $given === '') {
            throw new WebhookVerificationError("Missing {$name} header");
        }
        if (!hash_equals(hash_hmac('sha256', $body, $secret), $given)) {
            throw new WebhookVerificationError("{$name} does not match the body");
        }
    }

    private static function decode(string $body): mixed
    {
        try {
            return json_decode($body, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        } catch (\JsonException $e) {
            throw new WebhookVerificationError('The body is not JSON', 0, $e);
        }
    }

    /** @return array<string, mixed> */
    private static function decodeObject(string $body): array
    {
        $payload = self::decode($body);
        if (!is_array($payload)) {
            throw new WebhookVerificationError('The body is not a JSON object');
        }
        return $payload;
    }
}
