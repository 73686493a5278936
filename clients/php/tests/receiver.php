<?php

// The integration tests' webhook receiver, a router script for `php -S`: each request's path,
// headers and raw body go to the file PAYRAIL_RECEIVER_LOG names, one JSON line each (the body in
// base64, byte for byte), and it answers 200. The tests verify what it kept.

declare(strict_types=1);

$record = [
    'path' => parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH),
    'method' => $_SERVER['REQUEST_METHOD'],
    'headers' => getallheaders(),
    'body' => base64_encode((string) file_get_contents('php://input')),
];
file_put_contents((string) getenv('PAYRAIL_RECEIVER_LOG'), json_encode($record, JSON_UNESCAPED_SLASHES) . "\n", FILE_APPEND | LOCK_EX);
header('Content-Type: text/plain');
echo "ok\n";
