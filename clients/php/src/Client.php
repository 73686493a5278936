<?php

declare(strict_types=1);

namespace Payrail;

use GuzzleHttp\Client as Guzzle;
use GuzzleHttp\ClientInterface;
use GuzzleHttp\RequestOptions;
use Psr\Http\Message\ResponseInterface;

/**
 * A Payrail API client. Each method is one operation of docs/openapi.yaml, named by its
 * operationId, and answers the envelope's `data` as a decoded array; a refusal throws
 * PayrailError. A list method answers one page, `['items' => […], 'next_cursor' => …]`, and its
 * `iterate…` twin yields every item, following `next_cursor`.
 *
 * Bodies are arrays encoded as JSON: give amounts as decimal strings ("49.99"), and an empty
 * JSON object as `(object) []` (PHP's `[]` is a JSON list).
 *
 * Connection failures and timeouts are Guzzle's exceptions (GuzzleHttp\Exception\GuzzleException).
 */
final class Client
{
    public const VERSION = '1.0.0';

    private const DEFAULTS = [
        RequestOptions::TIMEOUT => 30,
        RequestOptions::CONNECT_TIMEOUT => 10,
    ];

    private readonly string $baseUrl;
    private readonly ClientInterface $http;

    /**
     * @param string $baseUrl where Payrail answers, e.g. https://pay.example.com (make dev:
     *     http://127.0.0.1:3000)
     * @param string $apiKey a merchant key (`prl_key_….…` or `op_key_….…`) or the admin token
     * @param ClientInterface|array<string, mixed> $http a Guzzle client, or options for the one
     *     made here (defaults: timeout 30 s, connect_timeout 10 s)
     * @param string|null $merchantId with the admin token, the merchant to act for
     */
    public function __construct(
        string $baseUrl,
        #[\SensitiveParameter] private readonly string $apiKey,
        ClientInterface|array $http = [],
        private readonly ?string $merchantId = null,
    ) {
        if (!$http instanceof ClientInterface && !class_exists(Guzzle::class)) {
            throw new \LogicException(
                'Payrail\Client needs Guzzle 7: composer require guzzlehttp/guzzle, '
                . 'or apt-get install php-guzzlehttp-guzzle and require clients/php/autoload.php'
            );
        }
        $this->baseUrl = rtrim($baseUrl, '/');
        $this->http = $http instanceof ClientInterface ? $http : new Guzzle($http + self::DEFAULTS);
    }

    /** The same client acting for another merchant (with the admin token). */
    public function withMerchant(string $merchantId): self
    {
        return new self($this->baseUrl, $this->apiKey, $this->http, $merchantId);
    }

    // Merchants (the admin token).

    /** @param array<string, mixed> $merchant `name`, `rate_limit_per_minute` */
    public function createMerchant(array $merchant): array
    {
        return $this->send('POST', '/api/v1/merchants', body: $merchant)->data;
    }

    /** @param array<string, mixed> $query `limit`, `cursor` */
    public function listMerchants(array $query = []): array
    {
        return $this->send('GET', '/api/v1/merchants', $query)->data;
    }

    public function iterateMerchants(array $query = []): \Generator
    {
        return $this->pages('/api/v1/merchants', $query);
    }

    public function getMerchant(string $id): array
    {
        return $this->send('GET', $this->path('/api/v1/merchants/{id}', $id))->data;
    }

    /** @param array<string, mixed> $changes `name`, `rate_limit_per_minute`, `active` */
    public function updateMerchant(string $id, array $changes): array
    {
        return $this->send('PATCH', $this->path('/api/v1/merchants/{id}', $id), body: $changes)->data;
    }

    // API keys.

    /**
     * A new key; its whole text (`key`) is in this answer only.
     *
     * @param array<string, mixed> $key `label`; `scope` (full, read_only, restricted);
     *     `permissions` (restricted only); `format`: standard (`prl_…`) or ownpay (`op_…`, for
     *     OwnPay's own clients); `merchant_id` with the admin token (the client's merchant if
     *     left out)
     */
    public function createKey(array $key): array
    {
        if ($this->merchantId !== null && !array_key_exists('merchant_id', $key)) {
            $key = ['merchant_id' => $this->merchantId] + $key;
        }
        // The admin token names the merchant in this body, not in the query.
        return $this->request('POST', '/api/v1/keys', [], $key, null, [], false)->data;
    }

    /** @param array<string, mixed> $query `limit`, `cursor` */
    public function listKeys(array $query = []): array
    {
        return $this->send('GET', '/api/v1/keys', $query)->data;
    }

    public function iterateKeys(array $query = []): \Generator
    {
        return $this->pages('/api/v1/keys', $query);
    }

    /** Revokes a key: its next request is 401. Answers the key. */
    public function revokeKey(string $id): array
    {
        return $this->send('DELETE', $this->path('/api/v1/keys/{id}', $id))->data;
    }

    /** A new key with the same label, scope, permissions and format; the old one is revoked. */
    public function rotateKey(string $id): array
    {
        return $this->send('POST', $this->path('/api/v1/keys/{id}/rotate', $id))->data;
    }

    /** The key making the request, with its scope and permissions. */
    public function currentKey(): array
    {
        return $this->send('GET', '/api/v1/keys/current')->data;
    }

    // Payments.

    /**
     * A payment request: the transaction, with the hosted checkout's `url` to send the customer
     * to. The same Idempotency-Key (or order_uuid) with the same fields answers the same
     * transaction; with other fields, 409.
     *
     * @param array<string, mixed> $payment `order_uuid`, `total_amount`, `currency`, `email`,
     *     `success_url`, `cancel_url`, `product_title`, `first_name`, `last_name`, `metadata`
     */
    public function createPaymentRequest(array $payment, ?string $idempotencyKey = null): array
    {
        return $this->send('POST', '/api/v1/payment-requests', body: $payment, idempotencyKey: $idempotencyKey)->data;
    }

    /** @param array<string, mixed> $query `status`, `order_uuid`, `limit`, `cursor` */
    public function listTransactions(array $query = []): array
    {
        return $this->send('GET', '/api/v1/transactions', $query)->data;
    }

    /** Every transaction the query selects, newest first, page after page. */
    public function iterateTransactions(array $query = []): \Generator
    {
        return $this->pages('/api/v1/transactions', $query);
    }

    public function getTransaction(string $id): array
    {
        return $this->send('GET', $this->path('/api/v1/transactions/{id}', $id))->data;
    }

    /** Cancels a pending transaction (a canceled one answers again; others are 409). */
    public function cancelTransaction(string $id): array
    {
        return $this->send('POST', $this->path('/api/v1/transactions/{id}/cancel', $id))->data;
    }

    /**
     * Refunds a paid transaction, in part (`amount`) or all that is left (no amount). The same
     * Idempotency-Key and body answer the original refund; another body is 409.
     *
     * @param array<string, mixed> $refund `amount`, `reason`
     */
    public function createRefund(string $transactionId, array $refund = [], ?string $idempotencyKey = null): array
    {
        $path = $this->path('/api/v1/transactions/{id}/refunds', $transactionId);
        return $this->send('POST', $path, body: $refund, idempotencyKey: $idempotencyKey)->data;
    }

    /** A transaction's refunds, newest first. @param array<string, mixed> $query `limit`, `cursor` */
    public function listRefunds(string $transactionId, array $query = []): array
    {
        return $this->send('GET', $this->path('/api/v1/transactions/{id}/refunds', $transactionId), $query)->data;
    }

    public function iterateRefunds(string $transactionId, array $query = []): \Generator
    {
        return $this->pages($this->path('/api/v1/transactions/{id}/refunds', $transactionId), $query);
    }

    // Payment links.

    /**
     * @param array<string, mixed> $link `title`, `total_amount` (or `min_amount`/`max_amount`),
     *     `currency`, `quantity_limit`, `success_url`, `cancel_url`, …
     */
    public function createPaymentLink(array $link): array
    {
        return $this->send('POST', '/api/v1/payment-links', body: $link)->data;
    }

    /** @param array<string, mixed> $query `limit`, `cursor` */
    public function listPaymentLinks(array $query = []): array
    {
        return $this->send('GET', '/api/v1/payment-links', $query)->data;
    }

    public function iteratePaymentLinks(array $query = []): \Generator
    {
        return $this->pages('/api/v1/payment-links', $query);
    }

    public function getPaymentLink(string $id): array
    {
        return $this->send('GET', $this->path('/api/v1/payment-links/{id}', $id))->data;
    }

    /** @param array<string, mixed> $changes e.g. `active`, `quantity_limit` (null: no limit) */
    public function updatePaymentLink(string $id, array $changes): array
    {
        return $this->send('PATCH', $this->path('/api/v1/payment-links/{id}', $id), body: $changes)->data;
    }

    // Customers: one per email address; a payment from a new address makes its customer.

    /** @param array<string, mixed> $customer `email` and/or `name`; `phone`, `metadata` */
    public function createCustomer(array $customer): array
    {
        return $this->send('POST', '/api/v1/customers', body: $customer)->data;
    }

    /** @param array<string, mixed> $query `limit`, `cursor` */
    public function listCustomers(array $query = []): array
    {
        return $this->send('GET', '/api/v1/customers', $query)->data;
    }

    public function iterateCustomers(array $query = []): \Generator
    {
        return $this->pages('/api/v1/customers', $query);
    }

    /** @param string $idOrEmail a customer id (`cus_…`) or an email address */
    public function getCustomer(string $idOrEmail): array
    {
        return $this->send('GET', $this->path('/api/v1/customers/{id}', $idOrEmail))->data;
    }

    // The payment processor.

    public function getProcessor(): array
    {
        return $this->send('GET', '/api/v1/processor')->data;
    }

    /** @param array<string, mixed> $processor see "Going live" in Payrail's README */
    public function putProcessor(array $processor): array
    {
        return $this->send('PUT', '/api/v1/processor', body: $processor)->data;
    }

    // Webhook endpoints.

    /**
     * A new endpoint, with its signing `secret` (`whsec_…`) and `token` (`whtok_…`).
     *
     * @param array<string, mixed> $endpoint `url`, `description`, `events`, `enabled`,
     *     `format` (standard, ovgc, onepay, ownpay), `headers`
     */
    public function createWebhookEndpoint(array $endpoint): array
    {
        return $this->send('POST', '/api/v1/webhook-endpoints', body: $endpoint)->data;
    }

    /** @param array<string, mixed> $query `limit`, `cursor` */
    public function listWebhookEndpoints(array $query = []): array
    {
        return $this->send('GET', '/api/v1/webhook-endpoints', $query)->data;
    }

    public function iterateWebhookEndpoints(array $query = []): \Generator
    {
        return $this->pages('/api/v1/webhook-endpoints', $query);
    }

    public function getWebhookEndpoint(string $id): array
    {
        return $this->send('GET', $this->path('/api/v1/webhook-endpoints/{id}', $id))->data;
    }

    /** @param array<string, mixed> $changes any field of createWebhookEndpoint's */
    public function updateWebhookEndpoint(string $id, array $changes): array
    {
        return $this->send('PATCH', $this->path('/api/v1/webhook-endpoints/{id}', $id), body: $changes)->data;
    }

    /** Answers `['id' => …, 'deleted' => true]`. */
    public function deleteWebhookEndpoint(string $id): array
    {
        return $this->send('DELETE', $this->path('/api/v1/webhook-endpoints/{id}', $id))->data;
    }

    /** The current `secret` and `token`, and until when the previous secret still signs. */
    public function revealWebhookSecret(string $id): array
    {
        return $this->send('GET', $this->path('/api/v1/webhook-endpoints/{id}/secret', $id))->data;
    }

    /** A new secret and token; the old secret keeps signing webhook-signature for 24 hours. */
    public function rotateWebhookSecret(string $id): array
    {
        return $this->send('POST', $this->path('/api/v1/webhook-endpoints/{id}/rotate-secret', $id))->data;
    }

    /** Sends a webhook.test event to the endpoint; answers the event. */
    public function testWebhookEndpoint(string $id): array
    {
        return $this->send('POST', $this->path('/api/v1/webhook-endpoints/{id}/test', $id))->data;
    }

    /** Delivery attempts to the endpoint, newest first. */
    public function listDeliveries(string $id, array $query = []): array
    {
        return $this->send('GET', $this->path('/api/v1/webhook-endpoints/{id}/deliveries', $id), $query)->data;
    }

    public function iterateDeliveries(string $id, array $query = []): \Generator
    {
        return $this->pages($this->path('/api/v1/webhook-endpoints/{id}/deliveries', $id), $query);
    }

    /** Queues again every delivery to the endpoint that failed since `['since' => RFC 3339]`. */
    public function recoverWebhookEndpoint(string $id, array $recover): array
    {
        return $this->send('POST', $this->path('/api/v1/webhook-endpoints/{id}/recover', $id), body: $recover)->data;
    }

    // Events.

    /** @param array<string, mixed> $query `type`, `limit`, `cursor` */
    public function listEvents(array $query = []): array
    {
        return $this->send('GET', '/api/v1/events', $query)->data;
    }

    public function iterateEvents(array $query = []): \Generator
    {
        return $this->pages('/api/v1/events', $query);
    }

    /** One event with every delivery attempt. */
    public function getEvent(string $id): array
    {
        return $this->send('GET', $this->path('/api/v1/events/{id}', $id))->data;
    }

    /**
     * Delivers an event again, under the same webhook-id, to `['endpoint_id' => …]` or to every
     * endpoint subscribed to it; answers the endpoints it was `queued` for.
     */
    public function resendEvent(string $id, array $target = []): array
    {
        return $this->send('POST', $this->path('/api/v1/events/{id}/resend', $id), body: $target)->data;
    }

    /**
     * Any route, answering the whole Response (status, data, message, request id, headers):
     * e.g. to tell a new payment (201) from a repeat (200). With the admin token and a
     * merchant, `merchant_id` is added to the query unless it is there.
     *
     * @param array<string, mixed> $query null values are left out
     * @param array<string, mixed>|object|null $body JSON; null: none
     * @param array<string, string> $headers more request headers
     * @throws PayrailError for anything but a success envelope
     */
    public function send(
        string $method,
        string $path,
        array $query = [],
        array|object|null $body = null,
        ?string $idempotencyKey = null,
        array $headers = [],
    ): Response {
        return $this->request($method, $path, $query, $body, $idempotencyKey, $headers, true);
    }

    private function request(
        string $method,
        string $path,
        array $query,
        array|object|null $body,
        ?string $idempotencyKey,
        array $headers,
        bool $merchantInQuery,
    ): Response {
        if ($merchantInQuery && $this->merchantId !== null && !isset($query['merchant_id'])) {
            $query['merchant_id'] = $this->merchantId;
        }
        $headers = array_change_key_case($headers, CASE_LOWER) + [
            'accept' => 'application/json',
            'user-agent' => 'payrail-php/' . self::VERSION,
        ];
        $headers['authorization'] = 'Bearer ' . $this->apiKey;
        $options = [
            RequestOptions::HTTP_ERRORS => false,
            // An API answer is never a redirect; following one could carry the key elsewhere.
            RequestOptions::ALLOW_REDIRECTS => false,
        ];
        if ($body !== null) {
            $headers['content-type'] = 'application/json';
            $options[RequestOptions::BODY] = json_encode(
                $body === [] ? new \stdClass() : $body,
                JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION,
            );
        }
        if ($idempotencyKey !== null) {
            $headers['idempotency-key'] = $idempotencyKey;
        }
        $options[RequestOptions::HEADERS] = $headers;

        $url = $this->baseUrl . $path;
        $queryString = self::queryString($query);
        if ($queryString !== '') {
            $url .= '?' . $queryString;
        }
        $response = $this->http->request($method, $url, $options);
        $parsed = self::readBody($response);
        $status = $response->getStatusCode();
        if ($status < 200 || $status > 299 || !is_array($parsed) || ($parsed['success'] ?? null) !== true) {
            throw PayrailError::fromResponse($response, $parsed);
        }
        $requestId = $response->getHeaderLine('X-Request-Id');
        return new Response(
            status: $status,
            data: $parsed['data'] ?? null,
            message: isset($parsed['message']) && is_string($parsed['message']) ? $parsed['message'] : null,
            requestId: $requestId !== '' ? $requestId : null,
            headers: array_change_key_case($response->getHeaders(), CASE_LOWER),
        );
    }

    /** Every item of a list route, following `next_cursor` from `$query['cursor']` on. */
    private function pages(string $path, array $query): \Generator
    {
        do {
            $page = $this->send('GET', $path, $query)->data;
            yield from $page['items'] ?? [];
            $query['cursor'] = $page['next_cursor'] ?? null;
        } while ($query['cursor'] !== null && $query['cursor'] !== '');
    }

    private function path(string $template, string $id): string
    {
        if ($id === '') {
            throw new \InvalidArgumentException("{$template} needs an id");
        }
        return str_replace('{id}', rawurlencode($id), $template);
    }

    private static function queryString(array $query): string
    {
        $pairs = [];
        foreach ($query as $name => $value) {
            if ($value === null) {
                continue;
            }
            $text = is_bool($value) ? ($value ? 'true' : 'false') : (string) $value;
            $pairs[] = rawurlencode((string) $name) . '=' . rawurlencode($text);
        }
        return implode('&', $pairs);
    }

    /** The body decoded when it is JSON, else its text. */
    private static function readBody(ResponseInterface $response): mixed
    {
        $text = (string) $response->getBody();
        if (!str_contains(strtolower($response->getHeaderLine('Content-Type')), 'json')) {
            return $text;
        }
        try {
            return json_decode($text, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        } catch (\JsonException) {
            return $text;
        }
    }
}
