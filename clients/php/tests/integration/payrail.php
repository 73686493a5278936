<?php

// The client against a running Payrail (target/debug/payrail-local over the AWS emulator, as
// scripts/php-client.sh starts it in `make test`), named by PAYRAIL_BASE_URL and
// PAYRAIL_ADMIN_TOKEN. Each run makes its own merchant, so runs never see each other's data.
// Webhooks go to a receiver run here with `php -S` (tests/receiver.php), one endpoint per format.

declare(strict_types=1);

namespace Payrail\Tests;

use GuzzleHttp\Client as Guzzle;
use Payrail\Client;
use Payrail\PayrailError;
use Payrail\WebhookVerificationError;
use Payrail\Webhooks;

/** `php -S` on a free port with tests/receiver.php, and what it received. */
final class Receiver
{
    /** @var resource */
    private $process;

    private function __construct(public readonly string $url, private readonly string $log, private readonly string $dir, $process)
    {
        $this->process = $process;
    }

    public static function start(): self
    {
        $dir = sys_get_temp_dir() . '/payrail-php-receiver-' . bin2hex(random_bytes(4));
        mkdir($dir);
        $log = "{$dir}/deliveries.jsonl";
        touch($log);
        // A port the system just gave out and took back: free, barring a race nobody here runs.
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($socket, false), ':'), 1);
        fclose($socket);
        $process = proc_open(
            [PHP_BINARY, '-S', "127.0.0.1:{$port}", dirname(__DIR__) . '/receiver.php'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', "{$dir}/server.log", 'a'], 2 => ['file', "{$dir}/server.log", 'a']],
            $pipes,
            null,
            getenv() + ['PAYRAIL_RECEIVER_LOG' => $log],
        );
        ok(is_resource($process), 'php -S started');
        $receiver = new self("http://127.0.0.1:{$port}", $log, $dir, $process);
        for ($i = 0; $i < 100; $i++) {
            $connection = @fsockopen('127.0.0.1', $port, $errno, $errstr, 0.2);
            if ($connection !== false) {
                fclose($connection);
                return $receiver;
            }
            usleep(100_000);
        }
        $receiver->stop();
        throw new AssertionFailed('the receiver did not listen within 10 s: ' . @file_get_contents("{$dir}/server.log"));
    }

    /**
     * Every request received so far: path, headers and the raw body.
     *
     * @return list<array{path: string, headers: array<string, string>, body: string}>
     */
    public function received(): array
    {
        $out = [];
        foreach (file($this->log, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $line) {
            $record = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
            $record['body'] = base64_decode($record['body'], true);
            $out[] = $record;
        }
        return $out;
    }

    /** The first request to $path that $matches accepts, within 30 s. */
    public function next(string $path, callable $matches, string $what): array
    {
        $deadline = microtime(true) + 30;
        do {
            foreach ($this->received() as $record) {
                if ($record['path'] === $path && $matches($record)) {
                    return $record;
                }
            }
            usleep(200_000);
        } while (microtime(true) < $deadline);
        throw new AssertionFailed("no {$what} at {$path} within 30 s");
    }

    public function stop(): void
    {
        if (is_resource($this->process)) {
            proc_terminate($this->process);
            proc_close($this->process);
        }
        foreach (glob("{$this->dir}/*") ?: [] as $file) {
            @unlink($file);
        }
        @rmdir($this->dir);
    }
}

/** A delivery's decoded JSON body. */
function payload(array $record): array
{
    return json_decode($record['body'], true, 512, JSON_THROW_ON_ERROR);
}

return static function (Suite $t, string $baseUrl, string $adminToken): \Closure {
    $baseUrl = rtrim($baseUrl, '/');
    $admin = new Client($baseUrl, $adminToken);
    // A browser: no credential, no redirects followed.
    $web = new Guzzle(['http_errors' => false, 'allow_redirects' => false, 'timeout' => 30]);
    $s = new \stdClass();
    $s->receiver = null;

    $paymentRequest = static fn (array $fields = []): array => $fields + [
        'order_uuid' => 'order-' . bin2hex(random_bytes(8)),
        'total_amount' => '49.99',
        'currency' => 'EUR',
        'email' => 'ann@example.com',
        'product_title' => 'Blue mug',
        'success_url' => 'https://shop.example.com/thanks',
        'cancel_url' => 'https://shop.example.com/cart',
    ];

    // Pays on the hosted checkout as a customer's browser does: reads the form's token, posts
    // the sandbox's card fields, and answers where the customer is sent back to.
    $pay = static function (array $txn, string $card = '4242424242424242') use ($web): string {
        $page = (string) $web->get($txn['url'])->getBody();
        ok(preg_match('/name="token" value="([^"]+)"/', $page, $m) === 1, 'the checkout page has a form token');
        $res = $web->post($txn['url'], ['form_params' => [
            'token' => html_entity_decode($m[1], ENT_QUOTES | ENT_HTML5),
            'card_number' => $card, 'exp_month' => '12', 'exp_year' => '2031', 'cvc' => '123',
            'cardholder_name' => 'Ann Lee',
        ]]);
        same(303, $res->getStatusCode(), 'the checkout answers with a redirect');
        return $res->getHeaderLine('Location');
    };

    $t->test('setup: the admin token creates a merchant and a full key for it', function () use ($s, $admin, $baseUrl): void {
        $s->merchant = $admin->createMerchant(['name' => 'PHP client shop', 'rate_limit_per_minute' => 10000]);
        ok(str_starts_with($s->merchant['id'], 'mer_'), 'a merchant id');
        $key = $admin->withMerchant($s->merchant['id'])->createKey(['label' => 'php client tests', 'scope' => 'full']);
        $s->client = new Client($baseUrl, $key['key']);
        $current = $s->client->currentKey();
        same($s->merchant['id'], $current['merchant_id']);
        same('full', $current['scope']);
        same('PHP client shop', $admin->getMerchant($s->merchant['id'])['name']);
        $s->receiver = Receiver::start();
    });

    $t->test('keys: an ownpay-format key reads op_…, is listed, rotates into another and is revoked', function () use ($s, $baseUrl): void {
        $made = $s->client->createKey(['label' => 'ownpay plugin', 'scope' => 'read_only', 'format' => 'ownpay']);
        same('ownpay', $made['format']);
        ok(str_starts_with($made['key'], 'op_key_'), "an op_ key: {$made['prefix']}");
        same('read_only', (new Client($baseUrl, $made['key']))->currentKey()['scope']);
        $listed = array_column(iterator_to_array($s->client->iterateKeys(['limit' => 1]), false), 'id');
        ok(in_array($made['id'], $listed, true), 'listed, one page at a time');
        ok(in_array($made['id'], array_column($s->client->listKeys(['limit' => 100])['items'], 'id'), true), 'listed');

        $rotated = $s->client->rotateKey($made['id']);
        ok(str_starts_with($rotated['key'], 'op_key_') && $rotated['id'] !== $made['id'], 'a new op_ key');
        $old = throws(PayrailError::class, fn () => (new Client($baseUrl, $made['key']))->currentKey(), 'the rotated key');
        same(401, $old->status);
        same('revoked', $s->client->revokeKey($rotated['id'])['status']);
        $gone = throws(PayrailError::class, fn () => (new Client($baseUrl, $rotated['key']))->currentKey(), 'the revoked key');
        same([401, 'api_key_revoked'], [$gone->status, $gone->code]);
    });

    $t->test('webhook endpoints: one per format at the PHP receiver, each with its secret', function () use ($s): void {
        $s->endpoints = [];
        foreach (Webhooks::FORMATS as $format) {
            $endpoint = $s->client->createWebhookEndpoint([
                'url' => "{$s->receiver->url}/{$format}", 'description' => "php client, {$format}", 'format' => $format,
            ]);
            same($format, $endpoint['format']);
            ok(str_starts_with($endpoint['secret'], 'whsec_') && str_starts_with($endpoint['token'], 'whtok_'), 'a secret and a token');
            $s->endpoints[$format] = $endpoint;
        }
    });

    $t->test('payments: a payment request is created; its Idempotency-Key answers it again (200)', function () use ($s, $paymentRequest): void {
        $body = $paymentRequest();
        $key = "{$body['order_uuid']}-attempt-1";
        $s->txn = $s->client->createPaymentRequest($body, $key);
        same('pending', $s->txn['status']);
        same(4999, $s->txn['amount_minor']);
        ok(str_contains($s->txn['url'], "/checkout/{$s->txn['transaction_id']}"), 'a checkout url');
        $again = $s->client->send('POST', '/api/v1/payment-requests', body: $body, idempotencyKey: $key);
        same(200, $again->status);
        same($s->txn['transaction_id'], $again->data['transaction_id']);
        ok(str_starts_with((string) $again->requestId, 'req_'), 'a request id');
    });

    $t->test('checkout: the customer pays with a test card and returns to success_url', function () use ($s, $pay): void {
        $back = $pay($s->txn);
        same("https://shop.example.com/thanks?transaction_id={$s->txn['transaction_id']}", $back);
    });

    $t->test('transactions: the paid transaction reads back by id, order_uuid, status and pages', function () use ($s, $paymentRequest): void {
        $id = $s->txn['transaction_id'];
        $txn = $s->client->getTransaction($id);
        same('paid', $txn['status']);
        same('4242', $txn['card']['last4'] ?? null);
        same([$id], array_column($s->client->listTransactions(['order_uuid' => $s->txn['order_uuid']])['items'], 'transaction_id'));
        same([$id], array_column($s->client->listTransactions(['status' => 'paid', 'limit' => 1])['items'], 'transaction_id'));
        $more = [];
        for ($i = 0; $i < 3; $i++) {
            $more[] = $s->client->createPaymentRequest($paymentRequest())['transaction_id'];
        }
        $seen = array_column(iterator_to_array($s->client->iterateTransactions(['limit' => 2]), false), 'transaction_id');
        same(count($seen), count(array_unique($seen)), 'no transaction twice');
        same([], array_values(array_diff([...$more, $id], $seen)), 'every transaction listed');
    });

    $t->test('webhooks standard: the payment.succeeded delivery verifies with Webhooks::verify', function () use ($s): void {
        $id = $s->txn['transaction_id'];
        $d = $s->receiver->next('/standard', fn (array $r): bool => (payload($r)['type'] ?? '') === 'payment.succeeded'
            && (payload($r)['data']['transaction_id'] ?? '') === $id, 'payment.succeeded');
        $event = Webhooks::verify($s->endpoints['standard']['secret'], $d['body'], $d['headers']);
        same('paid', $event['data']['status']);
        same('4242', $event['data']['card']['last4']);
        $s->eventId = Webhooks::header($d['headers'], 'webhook-id');
        throws(WebhookVerificationError::class,
            fn () => Webhooks::verify($s->endpoints['standard']['secret'], str_replace('"paid"', '"refunded"', $d['body']), $d['headers']),
            'tampered');
        throws(WebhookVerificationError::class,
            fn () => Webhooks::verify($s->endpoints['onepay']['secret'], $d['body'], $d['headers']), 'another endpoint\'s secret');
    });

    $t->test('webhooks ovgc, onepay, ownpay: the same payment\'s deliveries verify in their formats', function () use ($s): void {
        $id = $s->txn['transaction_id'];
        $ovgc = $s->receiver->next('/ovgc', fn (array $r): bool => (payload($r)['transaction_id'] ?? '') === $id, 'ovgc delivery');
        $body = Webhooks::verifyOvgc($s->endpoints['ovgc']['secret'], $ovgc['body']);
        same(['payment.succeeded', true, 'ann@example.com'], [$body['payment_status'], $body['success'], $body['customer_email']]);
        throws(WebhookVerificationError::class, fn () => Webhooks::verifyOvgc($s->endpoints['onepay']['secret'], $ovgc['body']));

        $onepay = $s->receiver->next('/onepay', fn (array $r): bool => (payload($r)['type'] ?? '') === 'payment.succeeded'
            && (payload($r)['data']['transaction_id'] ?? '') === $id, 'onepay delivery');
        $event = Webhooks::verifyOnepay($s->endpoints['onepay']['secret'], $onepay['body'], $onepay['headers'], $s->endpoints['onepay']['token']);
        same($id, $event['data']['transaction_id']);
        throws(WebhookVerificationError::class, fn () => Webhooks::verifyOnepay($s->endpoints['onepay']['secret'],
            $onepay['body'], $onepay['headers'], $s->endpoints['ovgc']['token']), 'another endpoint\'s token');

        $ownpay = $s->receiver->next('/ownpay', fn (array $r): bool => (payload($r)['transaction_id'] ?? '') === $id
            && (payload($r)['event'] ?? '') === 'payment.completed', 'ownpay delivery');
        $flat = Webhooks::verifyOwnpay($s->endpoints['ownpay']['secret'], $ownpay['body'], $ownpay['headers']);
        same(['completed', '49.99', 'EUR', $s->txn['order_uuid']], [$flat['status'], $flat['amount'], $flat['currency'], $flat['reference']]);
        same('payment.completed', Webhooks::header($ownpay['headers'], 'X-OwnPay-Event'));

        // Every format also carries the Standard Webhooks signature over the bytes sent.
        foreach (['ovgc' => $ovgc, 'onepay' => $onepay, 'ownpay' => $ownpay] as $format => $d) {
            ok(Webhooks::verify($s->endpoints[$format]['secret'], $d['body'], $d['headers']) !== null, "{$format}: webhook-signature");
            ok(Webhooks::verifyFormat($format, $s->endpoints[$format]['secret'], $d['body'], $d['headers'], $s->endpoints[$format]['token']) !== null, $format);
        }
    });

    $t->test('refunds: part is refunded under an Idempotency-Key, answered again (200), and listed', function () use ($s): void {
        $id = $s->txn['transaction_id'];
        $key = "refund-{$id}";
        $refund = $s->client->createRefund($id, ['amount' => '10.00', 'reason' => 'one mug arrived broken'], $key);
        same(['succeeded', '10.00', 1000], [$refund['status'], $refund['amount'], $refund['amount_minor']]);
        $again = $s->client->send('POST', "/api/v1/transactions/{$id}/refunds",
            body: ['amount' => '10.00', 'reason' => 'one mug arrived broken'], idempotencyKey: $key);
        same(200, $again->status);
        same($refund['id'], $again->data['id']);
        $changed = throws(PayrailError::class, fn () => $s->client->createRefund($id, ['amount' => '11.00'], $key));
        same([409, 'idempotency_key_reused'], [$changed->status, $changed->code]);
        same([$refund['id']], array_column($s->client->listRefunds($id)['items'], 'id'));

        $rest = $s->client->createRefund($id, ['amount' => '1.00']);
        same([$rest['id'], $refund['id']], array_column(iterator_to_array($s->client->iterateRefunds($id, ['limit' => 1]), false), 'id'));
        $txn = $s->client->getTransaction($id);
        same(['paid', '11.00'], [$txn['status'], $txn['amount_refunded']]);
        $s->refundId = $refund['id'];
    });

    $t->test('webhooks ownpay: the refund arrives as refund.completed with its amount, verified', function () use ($s): void {
        $d = $s->receiver->next('/ownpay', fn (array $r): bool => (payload($r)['event'] ?? '') === 'refund.completed'
            && (payload($r)['amount'] ?? '') === '10.00', 'refund.completed');
        same($s->txn['transaction_id'], Webhooks::verifyOwnpay($s->endpoints['ownpay']['secret'], $d['body'], $d['headers'])['transaction_id']);
    });

    $t->test('events: listed by type, read with their attempts, and resent under the same webhook-id', function () use ($s): void {
        $listed = array_column(iterator_to_array($s->client->iterateEvents(['type' => 'payment.succeeded', 'limit' => 1]), false), 'id');
        ok(in_array($s->eventId, $listed, true), 'payment.succeeded listed');
        $event = $s->client->getEvent($s->eventId);
        same('payment.succeeded', $event['type']);
        ok(in_array('succeeded', array_column($event['attempts'], 'outcome'), true), 'a succeeded attempt');
        $before = count(array_filter($s->receiver->received(),
            fn (array $r): bool => $r['path'] === '/standard' && Webhooks::header($r['headers'], 'webhook-id') === $s->eventId));
        $resent = $s->client->resendEvent($s->eventId, ['endpoint_id' => $s->endpoints['standard']['id']]);
        same([$s->endpoints['standard']['id']], $resent['queued']);
        $deadline = microtime(true) + 30;
        do {
            $copies = array_values(array_filter($s->receiver->received(),
                fn (array $r): bool => $r['path'] === '/standard' && Webhooks::header($r['headers'], 'webhook-id') === $s->eventId));
            if (count($copies) > $before) {
                break;
            }
            usleep(200_000);
        } while (microtime(true) < $deadline);
        ok(count($copies) > $before, 'the resend was delivered within 30 s');
        $last = end($copies);
        same('payment.succeeded', Webhooks::verify($s->endpoints['standard']['secret'], $last['body'], $last['headers'])['type']);
    });

    $t->test('webhook endpoints: read, listed, changed, rotated (both secrets verify), tested and deleted', function () use ($s): void {
        $id = $s->endpoints['standard']['id'];
        $read = $s->client->getWebhookEndpoint($id);
        ok(!isset($read['secret']), 'no secret when read');
        $listed = array_column(iterator_to_array($s->client->iterateWebhookEndpoints(['limit' => 1]), false), 'id');
        same([], array_values(array_diff(array_column($s->endpoints, 'id'), $listed)), 'every endpoint listed');
        $changed = $s->client->updateWebhookEndpoint($id, ['description' => 'renamed', 'headers' => ['X-Shop-Key' => 'shop-secret-value-1']]);
        same(['renamed', ['x-shop-key' => '••••ue-1']], [$changed['description'], $changed['headers']]);
        same($s->endpoints['standard']['secret'], $s->client->revealWebhookSecret($id)['secret']);

        $rotated = $s->client->rotateWebhookSecret($id);
        ok($rotated['secret'] !== $s->endpoints['standard']['secret'], 'a new secret');
        ok($rotated['previous_secret_valid_until'] !== null, 'the old one still signs for a while');
        $test = $s->client->testWebhookEndpoint($id);
        $d = $s->receiver->next('/standard', fn (array $r): bool => Webhooks::header($r['headers'], 'webhook-id') === $test['id'], 'webhook.test');
        same('webhook.test', Webhooks::verify($rotated['secret'], $d['body'], $d['headers'])['type']);
        same('webhook.test', Webhooks::verify($s->endpoints['standard']['secret'], $d['body'], $d['headers'])['type']);
        same('shop-secret-value-1', Webhooks::header($d['headers'], 'x-shop-key'));
        $attempts = iterator_to_array($s->client->iterateDeliveries($id, ['limit' => 2]), false);
        ok(in_array($test['id'], array_column($attempts, 'event_id'), true), 'the test delivery is in the log');

        $deleted = $s->client->deleteWebhookEndpoint($id);
        same([$id, true], [$deleted['id'], $deleted['deleted']]);
        $gone = throws(PayrailError::class, fn () => $s->client->getWebhookEndpoint($id));
        same([404, 'not_found'], [$gone->status, $gone->code]);
    });

    $t->test('cancel: a pending transaction is canceled, twice alike; a paid one is 409', function () use ($s, $paymentRequest): void {
        $pending = $s->client->createPaymentRequest($paymentRequest());
        same('canceled', $s->client->cancelTransaction($pending['transaction_id'])['status']);
        same('canceled', $s->client->cancelTransaction($pending['transaction_id'])['status']);
        $e = throws(PayrailError::class, fn () => $s->client->cancelTransaction($s->txn['transaction_id']));
        same([409, 'invalid_state'], [$e->status, $e->code]);
    });

    $t->test('payment links: created, read, listed, and changed (its price cannot be)', function () use ($s, $baseUrl): void {
        $link = $s->client->createPaymentLink([
            'title' => 'Pottery workshop', 'total_amount' => '25.00', 'currency' => 'EUR', 'quantity_limit' => 30,
            'success_url' => 'https://shop.example.com/thanks', 'cancel_url' => 'https://shop.example.com/',
        ]);
        ok(str_starts_with($link['id'], 'plink_'), 'a link id');
        same(["{$baseUrl}/pay/{$link['id']}", 'active'], [$link['url'], $link['status']]);
        same('Pottery workshop', $s->client->getPaymentLink($link['id'])['title']);
        ok(in_array($link['id'], array_column($s->client->listPaymentLinks()['items'], 'id'), true), 'listed');
        ok(in_array($link['id'], array_column(iterator_to_array($s->client->iteratePaymentLinks(['limit' => 1]), false), 'id'), true), 'iterated');
        $e = throws(PayrailError::class, fn () => $s->client->updatePaymentLink($link['id'], ['total_amount' => '30.00']));
        same([422, 'validation_failed'], [$e->status, $e->code]);
        ok(isset($e->errors['total_amount']), 'names total_amount');
        $off = $s->client->updatePaymentLink($link['id'], ['active' => false, 'quantity_limit' => null]);
        same('inactive', $off['status']);
    });

    $t->test('customers: a payment makes one, found by id or email; one per address', function () use ($s): void {
        $email = 'php-' . bin2hex(random_bytes(4)) . '@example.com';
        $paid = $s->client->createPaymentRequest([
            'order_uuid' => 'php-cust-' . bin2hex(random_bytes(4)), 'total_amount' => '12.00', 'currency' => 'EUR',
            'email' => $email, 'first_name' => 'Ann', 'last_name' => 'Lee',
            'success_url' => 'https://shop.example.com/ok', 'cancel_url' => 'https://shop.example.com/',
        ]);
        ok(str_starts_with($paid['customer_id'], 'cus_'), 'a customer id');
        $found = $s->client->getCustomer(strtoupper($email));
        same([$paid['customer_id'], 'Ann Lee'], [$found['id'], $found['name']]);
        $e = throws(PayrailError::class, fn () => $s->client->createCustomer(['email' => $email]));
        same([409, 'customer_exists'], [$e->status, $e->code]);
        $e = throws(PayrailError::class, fn () => $s->client->createCustomer(['phone' => 'call me']));
        same([422, 'validation_failed'], [$e->status, $e->code]);
        $made = $s->client->createCustomer(['name' => 'Walk-in', 'phone' => '+1 555 0100']);
        same('+1 555 0100', $s->client->getCustomer($made['id'])['phone']);
        $ids = array_column(iterator_to_array($s->client->iterateCustomers(['limit' => 1]), false), 'id');
        ok(in_array($paid['customer_id'], $ids, true) && in_array($made['id'], $ids, true), 'iterated');
        same(count($ids), count(array_unique($ids)));
    });

    $t->test('errors: a wrong key is a 401 PayrailError, code credential_invalid', function () use ($baseUrl): void {
        $stranger = new Client($baseUrl, 'prl_key_01m84dp5pyekm6hn3vd8rj8wew.nope');
        $e = throws(PayrailError::class, fn () => $stranger->listTransactions());
        same([401, 'credential_invalid'], [$e->status, $e->code]);
        ok(str_starts_with((string) $e->requestId, 'req_'), 'a request id');
    });

    $t->test('errors: an unknown transaction is a 404 PayrailError, code not_found', function () use ($s): void {
        $e = throws(PayrailError::class, fn () => $s->client->getTransaction('txn_01m84dp5pyekm6hn3vd8rj8wew'));
        same([404, 'not_found'], [$e->status, $e->code]);
        same('not_found', $e->getCode());
    });

    $t->test('errors: an invalid payment request is a 422 PayrailError, code validation_failed, naming each field', function () use ($s, $paymentRequest): void {
        $e = throws(PayrailError::class,
            fn () => $s->client->createPaymentRequest($paymentRequest(['total_amount' => 'lots', 'email' => 'not an address'])));
        same([422, 'validation_failed'], [$e->status, $e->code]);
        $fields = array_keys($e->errors);
        sort($fields);
        same(['email', 'total_amount'], $fields);
        ok($e->errors['total_amount'] !== [], 'a message for total_amount');
    });

    return static function () use ($s): void {
        $s->receiver?->stop();
    };
};
