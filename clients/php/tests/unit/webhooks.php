<?php

// Webhooks against deliveries made as Payrail makes them (shared/src/webhooks/signing.rs and
// format.rs): for every format a valid delivery, a tampered body, a wrong secret and a stale
// timestamp.

declare(strict_types=1);

namespace Payrail\Tests;

use GuzzleHttp\Psr7\Request;
use Payrail\WebhookVerificationError;
use Payrail\Webhooks;

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'whsec_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';
const TOKEN = 'whtok_3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const EVENT_ID = 'evt_01m84dp5t44fhq25ebwx3wv6nb';

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the secret's base64 part. */
function standardSignature(string $secret, string $id, int $timestamp, string $body): string
{
    $key = base64_decode(substr($secret, strlen('whsec_')), true);
    return 'v1,' . base64_encode(hash_hmac('sha256', "{$id}.{$timestamp}.{$body}", $key, true));
}

/**
 * The headers of a delivery of $body signed with $secrets (several during a rotation) at
 * $timestamp, with the extra headers of $format.
 *
 * @param list<string> $secrets
 * @return array<string, string>
 */
function deliveryHeaders(string $body, array $secrets = [SECRET], ?int $timestamp = null, string $format = 'standard'): array
{
    $timestamp ??= time();
    $headers = [
        'webhook-id' => EVENT_ID,
        'webhook-timestamp' => (string) $timestamp,
        'webhook-signature' => implode(' ', array_map(
            static fn (string $s): string => standardSignature($s, EVENT_ID, $timestamp, $body),
            $secrets,
        )),
    ];
    $hex = hash_hmac('sha256', $body, $secrets[0]);
    if ($format === 'onepay') {
        $headers += ['signature' => $hex, 'x-webhook-token' => TOKEN];
    }
    if ($format === 'ownpay') {
        $headers += [
            'x-ownpay-signature' => $hex,
            'x-ownpay-timestamp' => (string) $timestamp,
            'x-ownpay-event' => 'payment.completed',
        ];
    }
    return $headers;
}

function refused(callable $call, string $what): void
{
    throws(WebhookVerificationError::class, $call, $what);
}

return static function (Suite $t): void {
    $body = json_encode(['type' => 'payment.succeeded', 'timestamp' => '2026-11-23T14:41:45Z',
        'data' => ['transaction_id' => 'txn_1', 'total_amount' => '49.99']]);
    $ovgc = static fn (string $secret, string $status = 'payment.succeeded'): string => json_encode([
        'webhook_secret' => $secret, 'success' => true, 'transaction_id' => 'txn_1',
        'customer_email' => 'ann@example.com', 'payment_status' => $status,
    ], JSON_UNESCAPED_SLASHES);
    $ownpay = json_encode(['event' => 'payment.completed', 'transaction_id' => 'txn_1', 'payment_id' => 'txn_1',
        'reference' => 'order-1', 'amount' => '49.99', 'currency' => 'EUR', 'status' => 'completed'], JSON_UNESCAPED_SLASHES);
    $stale = time() - 600;

    $t->test('webhooks standard: the check reproduces the Standard Webhooks test vector', function (): void {
        $headers = [
            'webhook-id' => 'msg_p5jXN8AQM9LWM0D4loKWxJek',
            'webhook-timestamp' => '1614265330',
            'webhook-signature' => 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
        ];
        same(['test' => 2432232314], Webhooks::verify(SECRET, '{"test": 2432232314}', $headers, 1614265330));
        same('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
            standardSignature(SECRET, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'));
    });

    $t->test('webhooks standard: a signed delivery verifies and answers its payload', function () use ($body): void {
        same('49.99', Webhooks::verify(SECRET, $body, deliveryHeaders($body))['data']['total_amount']);
        same('49.99', Webhooks::verifyFormat('standard', SECRET, $body, deliveryHeaders($body))['data']['total_amount']);
    });

    $t->test('webhooks standard: headers in any case, as lists, from $_SERVER or a PSR-7 request', function () use ($body): void {
        $headers = deliveryHeaders($body);
        $shouted = [];
        $lists = [];
        $server = ['REQUEST_METHOD' => 'POST', 'argv' => []];
        foreach ($headers as $name => $value) {
            $shouted[strtoupper($name)] = $value;
            $lists[ucwords($name, '-')] = [$value];
            $server['HTTP_' . strtoupper(str_replace('-', '_', $name))] = $value;
        }
        ok(Webhooks::verify(SECRET, $body, $shouted) !== null, 'upper case');
        ok(Webhooks::verify(SECRET, $body, $lists) !== null, 'lists');
        ok(Webhooks::verify(SECRET, $body, $server) !== null, '$_SERVER');
        ok(Webhooks::verify(SECRET, $body, new Request('POST', '/hook', $headers, $body)) !== null, 'PSR-7');
        ok(Webhooks::verify(SECRET, $body, (object) $headers) !== null, 'an object');
    });

    $t->test('webhooks standard: during a rotation either secret verifies the two signatures', function () use ($body): void {
        $headers = deliveryHeaders($body, [OTHER_SECRET, SECRET]);
        ok(Webhooks::verify(SECRET, $body, $headers) !== null, 'the new secret');
        ok(Webhooks::verify(OTHER_SECRET, $body, $headers) !== null, 'the old secret');
    });

    $t->test('webhooks standard: a tampered body is refused', function () use ($body): void {
        refused(fn () => Webhooks::verify(SECRET, str_replace('49.99', '0.01', $body), deliveryHeaders($body)), 'tampered');
        $headers = deliveryHeaders($body);
        refused(fn () => Webhooks::verify(SECRET, $body, ['webhook-id' => 'evt_other'] + $headers), 'another id');
    });

    $t->test('webhooks standard: another secret is refused', function () use ($body): void {
        refused(fn () => Webhooks::verify(OTHER_SECRET, $body, deliveryHeaders($body)), 'another secret');
        throws(\InvalidArgumentException::class, fn () => Webhooks::verify('whsec_', $body, deliveryHeaders($body)));
    });

    $t->test('webhooks standard: a timestamp over five minutes old or ahead is refused', function () use ($body, $stale): void {
        refused(fn () => Webhooks::verify(SECRET, $body, deliveryHeaders($body, [SECRET], $stale)), 'stale');
        refused(fn () => Webhooks::verify(SECRET, $body, deliveryHeaders($body, [SECRET], time() + 600)), 'ahead');
        ok(Webhooks::verify(SECRET, $body, deliveryHeaders($body, [SECRET], time() - 290)) !== null, 'within');
        $headers = deliveryHeaders($body);
        refused(fn () => Webhooks::verify(SECRET, $body, ['webhook-timestamp' => 'soon'] + $headers), 'not a number');
    });

    $t->test('webhooks standard: missing headers or only unknown signature versions are refused', function () use ($body): void {
        $headers = deliveryHeaders($body);
        refused(fn () => Webhooks::verify(SECRET, $body, ['webhook-id' => EVENT_ID]), 'missing');
        refused(fn () => Webhooks::verify(SECRET, $body, ['webhook-signature' => ''] + $headers), 'empty');
        $v2 = str_replace('v1,', 'v2,', $headers['webhook-signature']);
        refused(fn () => Webhooks::verify(SECRET, $body, ['webhook-signature' => $v2] + $headers), 'v2');
        $several = 'v1a,xyz v1,bm9wZQ== ' . $headers['webhook-signature'];
        ok(Webhooks::verify(SECRET, $body, ['webhook-signature' => $several] + $headers) !== null, 'one of several');
    });

    $t->test('webhooks ovgc: a body carrying the secret verifies', function () use ($ovgc): void {
        $body = $ovgc(SECRET);
        same('payment.succeeded', Webhooks::verifyOvgc(SECRET, $body)['payment_status']);
        same(true, Webhooks::verifyFormat('ovgc', SECRET, $body, deliveryHeaders($body))['success']);
    });

    $t->test('webhooks ovgc: a tampered secret, or another endpoint\'s, is refused', function () use ($ovgc): void {
        refused(fn () => Webhooks::verifyOvgc(SECRET, $ovgc(SECRET . 'x')), 'tampered secret');
        refused(fn () => Webhooks::verifyOvgc(SECRET, $ovgc(OTHER_SECRET)), 'another secret');
        refused(fn () => Webhooks::verifyOvgc(SECRET, '{"success": true}'), 'no secret');
        refused(fn () => Webhooks::verifyOvgc(SECRET, 'webhook_secret=' . SECRET), 'not JSON');
    });

    $t->test('webhooks ovgc: a tampered field passes the format\'s check, not the Standard Webhooks signature', function () use ($ovgc): void {
        $body = $ovgc(SECRET);
        $headers = deliveryHeaders($body);
        $tampered = str_replace('txn_1', 'txn_2', $body);
        same('txn_2', Webhooks::verifyOvgc(SECRET, $tampered)['transaction_id'], 'ovgc signs nothing but its secret');
        refused(fn () => Webhooks::verify(SECRET, $tampered, $headers), 'the signature every delivery carries');
    });

    $t->test('webhooks ovgc: a stale delivery is refused by the Standard Webhooks headers it carries', function () use ($ovgc, $stale): void {
        $body = $ovgc(SECRET);
        $headers = deliveryHeaders($body, [SECRET], $stale);
        ok(Webhooks::verifyOvgc(SECRET, $body) !== [], 'ovgc itself has no time');
        refused(fn () => Webhooks::verify(SECRET, $body, $headers), 'stale');
    });

    $t->test('webhooks onepay: signature and x-webhook-token verify', function () use ($body): void {
        $headers = deliveryHeaders($body, format: 'onepay');
        same('payment.succeeded', Webhooks::verifyOnepay(SECRET, $body, $headers, TOKEN)['type']);
        same('payment.succeeded', Webhooks::verifyOnepay(SECRET, $body, $headers)['type'], 'without the token');
        same('payment.succeeded', Webhooks::verifyFormat('onepay', SECRET, $body, $headers, TOKEN)['type']);
        same(hash_hmac('sha256', $body, SECRET), $headers['signature'], 'hex HMAC keyed with the whole secret text');
        // The hex HMAC of a known key and message (shared/src/webhooks/format.rs).
        same('f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
            hash_hmac('sha256', 'The quick brown fox jumps over the lazy dog', 'key'));
    });

    $t->test('webhooks onepay: a tampered body is refused', function () use ($body): void {
        $headers = deliveryHeaders($body, format: 'onepay');
        refused(fn () => Webhooks::verifyOnepay(SECRET, str_replace('49.99', '0.01', $body), $headers, TOKEN), 'tampered');
        $upper = ['signature' => strtoupper($headers['signature'])] + $headers;
        refused(fn () => Webhooks::verifyOnepay(SECRET, $body, $upper, TOKEN), 'not Payrail\'s lowercase hex');
    });

    $t->test('webhooks onepay: another secret, a wrong token or no signature is refused', function () use ($body): void {
        $headers = deliveryHeaders($body, format: 'onepay');
        refused(fn () => Webhooks::verifyOnepay(OTHER_SECRET, $body, $headers, TOKEN), 'another secret');
        refused(fn () => Webhooks::verifyOnepay(SECRET, $body, $headers, TOKEN . 'x'), 'another token');
        $noToken = $headers;
        unset($noToken['x-webhook-token']);
        refused(fn () => Webhooks::verifyOnepay(SECRET, $body, $noToken, TOKEN), 'no token');
        $noSignature = $headers;
        unset($noSignature['signature']);
        refused(fn () => Webhooks::verifyOnepay(SECRET, $body, $noSignature, TOKEN), 'no signature');
    });

    $t->test('webhooks onepay: a stale delivery is refused by the Standard Webhooks headers it carries', function () use ($body, $stale): void {
        $headers = deliveryHeaders($body, [SECRET], $stale, 'onepay');
        ok(Webhooks::verifyOnepay(SECRET, $body, $headers, TOKEN) !== null, 'onepay itself signs no time');
        refused(fn () => Webhooks::verify(SECRET, $body, $headers), 'stale');
    });

    $t->test('webhooks ownpay: X-OwnPay-Signature and a current X-OwnPay-Timestamp verify', function () use ($ownpay): void {
        $headers = deliveryHeaders($ownpay, format: 'ownpay');
        same('payment.completed', Webhooks::verifyOwnpay(SECRET, $ownpay, $headers)['event']);
        same('completed', Webhooks::verifyFormat('ownpay', SECRET, $ownpay, $headers)['status']);
        $edge = deliveryHeaders($ownpay, [SECRET], time() - 300, 'ownpay');
        ok(Webhooks::verifyOwnpay(SECRET, $ownpay, $edge) !== [], '300 s old is still in time');
    });

    $t->test('webhooks ownpay: a tampered body is refused', function () use ($ownpay): void {
        $headers = deliveryHeaders($ownpay, format: 'ownpay');
        refused(fn () => Webhooks::verifyOwnpay(SECRET, str_replace('49.99', '0.01', $ownpay), $headers), 'tampered');
    });

    $t->test('webhooks ownpay: another secret or no signature is refused', function () use ($ownpay): void {
        $headers = deliveryHeaders($ownpay, format: 'ownpay');
        refused(fn () => Webhooks::verifyOwnpay(OTHER_SECRET, $ownpay, $headers), 'another secret');
        $none = $headers;
        unset($none['x-ownpay-signature']);
        refused(fn () => Webhooks::verifyOwnpay(SECRET, $ownpay, $none), 'no signature');
    });

    $t->test('webhooks ownpay: a timestamp over 300 s old or ahead, or none, is refused', function () use ($ownpay): void {
        refused(fn () => Webhooks::verifyOwnpay(SECRET, $ownpay, deliveryHeaders($ownpay, [SECRET], time() - 301, 'ownpay')), 'stale');
        refused(fn () => Webhooks::verifyOwnpay(SECRET, $ownpay, deliveryHeaders($ownpay, [SECRET], time() + 301, 'ownpay')), 'ahead');
        $headers = deliveryHeaders($ownpay, format: 'ownpay');
        unset($headers['x-ownpay-timestamp']);
        refused(fn () => Webhooks::verifyOwnpay(SECRET, $ownpay, $headers), 'none');
    });

    $t->test('webhooks: an unknown format is a mistake, not a refused delivery', function () use ($body): void {
        throws(\InvalidArgumentException::class, fn () => Webhooks::verifyFormat('svix', SECRET, $body, deliveryHeaders($body)));
    });
};
