<?php

// Runs the PHP client's tests with nothing but php: the unit tests, then, when PAYRAIL_BASE_URL
// and PAYRAIL_ADMIN_TOKEN name a running Payrail (scripts/php-client.sh starts one), the
// integration tests against it. One line per test, then `php client: N passed, M failed`;
// exits 1 on any failure.

declare(strict_types=1);

namespace Payrail\Tests;

error_reporting(E_ALL);
// A warning or notice is a failure of the test that raised it, not noise beside a pass.
set_error_handler(static function (int $severity, string $message, string $file, int $line): bool {
    if (!(error_reporting() & $severity)) {
        return false;
    }
    throw new \ErrorException($message, 0, $severity, $file, $line);
});

require dirname(__DIR__) . '/autoload.php';
require __DIR__ . '/Suite.php';

if (!class_exists(\GuzzleHttp\Client::class)) {
    fwrite(STDERR, "the PHP client's tests need Guzzle 7: apt-get install php-guzzlehttp-guzzle, or composer install in clients/php\n");
    exit(1);
}

$suite = new Suite();
(require __DIR__ . '/unit/webhooks.php')($suite);
(require __DIR__ . '/unit/client.php')($suite);

$baseUrl = getenv('PAYRAIL_BASE_URL') ?: '';
$adminToken = getenv('PAYRAIL_ADMIN_TOKEN') ?: '';
$cleanup = null;
if ($baseUrl !== '' && $adminToken !== '') {
    $cleanup = (require __DIR__ . '/integration/payrail.php')($suite, $baseUrl, $adminToken);
    register_shutdown_function($cleanup);
} else {
    echo "integration tests not run: set PAYRAIL_BASE_URL and PAYRAIL_ADMIN_TOKEN to a running Payrail (see scripts/php-client.sh)\n";
}

exit($suite->run() === 0 ? 0 : 1);
