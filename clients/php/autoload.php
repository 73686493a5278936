<?php

// Loads the client without Composer: Payrail's classes from src/, and Guzzle from Composer's
// vendor/ when there is one, else from Debian's php-guzzlehttp-guzzle. Guzzle is only needed by
// Payrail\Client: a webhook receiver that only verifies deliveries can do without it.

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'Payrail\\')) {
        $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen('Payrail\\'))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});

if (is_file(__DIR__ . '/vendor/autoload.php')) {
    require_once __DIR__ . '/vendor/autoload.php';
} elseif (!class_exists(\GuzzleHttp\Client::class) && is_file('/usr/share/php/GuzzleHttp/autoload.php')) {
    // Debian's autoloaders require their dependencies relative to /usr/share/php, PHP's default
    // include_path there; a php.ini that replaced it would otherwise break them.
    if (!in_array('/usr/share/php', explode(PATH_SEPARATOR, (string) get_include_path()), true)) {
        set_include_path(get_include_path() . PATH_SEPARATOR . '/usr/share/php');
    }
    require_once '/usr/share/php/GuzzleHttp/autoload.php';
}
