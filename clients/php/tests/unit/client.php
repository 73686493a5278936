<?php

// The client's requests and its reading of answers, against Guzzle's mock handler.

declare(strict_types=1);

namespace Payrail\Tests;

use GuzzleHttp\Client as Guzzle;
use GuzzleHttp\Handler\MockHandler;
use GuzzleHttp\HandlerStack;
use GuzzleHttp\Middleware;
use GuzzleHttp\Psr7\Response as HttpResponse;
use Payrail\Client;
use Payrail\PayrailError;
use Psr\Http\Message\RequestInterface;

/**
 * A client whose requests are recorded in $sent and answered from $answers in turn.
 *
 * @param list<HttpResponse> $answers
 * @param list<RequestInterface> $sent
 */
function mockClient(array $answers, ?array &$sent, string $key = 'prl_key_1.s', ?string $merchantId = null): Client
{
    $sent = [];
    $stack = HandlerStack::create(new MockHandler($answers));
    $stack->push(Middleware::mapRequest(function (RequestInterface $r) use (&$sent): RequestInterface {
        $sent[] = $r;
        return $r;
    }));
    return new Client('https://pay.example/', $key, new Guzzle(['handler' => $stack]), $merchantId);
}

function answer(int $status, mixed $body, array $headers = []): HttpResponse
{
    return new HttpResponse(
        $status,
        ['Content-Type' => 'application/json', 'X-Request-Id' => 'req_1'] + $headers,
        is_string($body) ? $body : json_encode($body),
    );
}

function success(mixed $data, int $status = 200): HttpResponse
{
    return answer($status, ['success' => true, 'data' => $data, 'message' => 'ok']);
}

return static function (Suite $t): void {
    $t->test('client: a call sends the key, the JSON body and the Idempotency-Key, and answers data', function (): void {
        $client = mockClient([success(['transaction_id' => 'txn_1'], 201)], $sent);
        same(['transaction_id' => 'txn_1'], $client->createPaymentRequest(['order_uuid' => 'o-1', 'total_amount' => '49.99'], 'k-1'));
        [$request] = $sent;
        same('POST', $request->getMethod());
        same('https://pay.example/api/v1/payment-requests', (string) $request->getUri());
        same('Bearer prl_key_1.s', $request->getHeaderLine('Authorization'));
        same('k-1', $request->getHeaderLine('Idempotency-Key'));
        same('application/json', $request->getHeaderLine('Content-Type'));
        same('{"order_uuid":"o-1","total_amount":"49.99"}', (string) $request->getBody());
    });

    $t->test('client: send answers the status, message, request id and headers', function (): void {
        $client = mockClient([success(['id' => 'rfd_1'])], $sent);
        $res = $client->send('POST', '/api/v1/transactions/txn_1/refunds', body: [], idempotencyKey: 'r-1');
        same(200, $res->status);
        same('ok', $res->message);
        same('req_1', $res->requestId);
        same('req_1', $res->header('x-request-id'));
        same(['id' => 'rfd_1'], $res->data);
        same('{}', (string) $sent[0]->getBody(), 'an empty body is a JSON object');
    });

    $t->test('client: ids are escaped into paths, null query values left out, no body without one', function (): void {
        $client = mockClient([success(['items' => [], 'next_cursor' => null]), success(['status' => 'canceled'])], $sent);
        $client->listTransactions(['status' => 'paid', 'order_uuid' => 'a b&c', 'limit' => 5, 'cursor' => null]);
        $client->cancelTransaction('txn/1?x');
        same('status=paid&order_uuid=a%20b%26c&limit=5', $sent[0]->getUri()->getQuery());
        same('/api/v1/transactions/txn%2F1%3Fx/cancel', $sent[1]->getUri()->getPath());
        same('', (string) $sent[1]->getBody());
        same('', $sent[1]->getHeaderLine('Content-Type'));
        throws(\InvalidArgumentException::class, fn () => $client->getTransaction(''));
    });

    $t->test('client: the admin token acts for a merchant by query, or in createKey\'s body', function (): void {
        $admin = mockClient([success([]), success([]), success([]), success([])], $sent, 'adm_token', 'mer_1');
        $admin->listEvents(['type' => 'payment.succeeded']);
        $admin->withMerchant('mer_2')->getEvent('evt_1');
        $admin->createKey(['label' => 'server', 'format' => 'ownpay']);
        $admin->createKey(['label' => 'other', 'merchant_id' => 'mer_3']);
        same('type=payment.succeeded&merchant_id=mer_1', $sent[0]->getUri()->getQuery());
        same('merchant_id=mer_2', $sent[1]->getUri()->getQuery());
        same('', $sent[2]->getUri()->getQuery());
        same('{"merchant_id":"mer_1","label":"server","format":"ownpay"}', (string) $sent[2]->getBody());
        same('{"label":"other","merchant_id":"mer_3"}', (string) $sent[3]->getBody());
    });

    $t->test('client: an iterator follows next_cursor across pages', function (): void {
        $client = mockClient([
            success(['items' => [['id' => 'rfd_3'], ['id' => 'rfd_2']], 'next_cursor' => 'c2']),
            success(['items' => [['id' => 'rfd_1']], 'next_cursor' => null]),
        ], $sent);
        $ids = array_map(fn (array $r): string => $r['id'], iterator_to_array($client->iterateRefunds('txn_1', ['limit' => 2]), false));
        same(['rfd_3', 'rfd_2', 'rfd_1'], $ids);
        same('limit=2', $sent[0]->getUri()->getQuery());
        same('limit=2&cursor=c2', $sent[1]->getUri()->getQuery());
    });

    $t->test('client: a 422 is a PayrailError with its code, message, field errors and request id', function (): void {
        $client = mockClient([answer(422, ['success' => false, 'data' => null, 'message' => 'invalid fields',
            'code' => 'validation_failed', 'errors' => ['email' => ['must be an email address']]])], $sent);
        $e = throws(PayrailError::class, fn () => $client->createPaymentRequest(['email' => 'x']));
        same(422, $e->status);
        same('validation_failed', $e->code);
        same('validation_failed', $e->getCode());
        same('invalid fields', $e->getMessage());
        same(['email' => ['must be an email address']], $e->errors);
        same('req_1', $e->requestId);
        same(null, $e->retryAfter);
    });

    $t->test('client: 401, 404, 409 and 429 keep their codes; Retry-After is read', function (): void {
        $refusal = fn (int $status, string $code, array $headers = []): HttpResponse =>
            answer($status, ['success' => false, 'data' => null, 'message' => $code, 'code' => $code], $headers);
        $client = mockClient([
            $refusal(401, 'credential_invalid'),
            $refusal(404, 'not_found'),
            $refusal(409, 'idempotency_key_reused'),
            $refusal(429, 'rate_limited', ['Retry-After' => '12']),
        ], $sent);
        foreach ([[401, 'credential_invalid'], [404, 'not_found'], [409, 'idempotency_key_reused'], [429, 'rate_limited']] as [$status, $code]) {
            $e = throws(PayrailError::class, fn () => $client->getTransaction('txn_1'));
            same([$status, $code], [$e->status, $e->code]);
        }
        same(12, $e->retryAfter);
    });

    $t->test('client: an answer that is not a success envelope is a PayrailError too', function (): void {
        $client = mockClient([
            new HttpResponse(502, ['Content-Type' => 'text/html'], '<h1>Bad gateway</h1>'),
            answer(200, ['success' => false, 'data' => null, 'message' => 'no']),
            answer(400, ['status' => false, 'error' => 'Invalid amount']),
            answer(200, '{"success": tru'),
        ], $sent);
        $e = throws(PayrailError::class, fn () => $client->listEvents());
        same([502, null, '<h1>Bad gateway</h1>', null], [$e->status, $e->code, $e->getMessage(), $e->requestId]);
        $e = throws(PayrailError::class, fn () => $client->listEvents());
        same([200, 'no'], [$e->status, $e->getMessage()]);
        $e = throws(PayrailError::class, fn () => $client->listEvents());
        same([400, 'Invalid amount'], [$e->status, $e->getMessage()]);
        $e = throws(PayrailError::class, fn () => $client->listEvents());
        same('{"success": tru', $e->body);
    });

    $t->test('client: a redirect is not followed, so the key never goes elsewhere', function (): void {
        $client = mockClient([new HttpResponse(301, ['Location' => 'https://elsewhere.example/'])], $sent);
        $e = throws(PayrailError::class, fn () => $client->currentKey());
        same(301, $e->status);
        same(1, count($sent));
    });
};
