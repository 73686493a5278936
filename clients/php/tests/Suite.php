<?php

declare(strict_types=1);

namespace Payrail\Tests;

/**
 * A minimal test runner, so the tests need nothing but php: tests run in the order they were
 * added, each printed on one line (`ok`, or `FAIL` with why beneath), then
 * `php client: N passed, M failed`, the line scripts/test.sh counts.
 */
final class Suite
{
    /** @var list<array{string, \Closure}> */
    private array $tests = [];

    public function test(string $name, \Closure $body): void
    {
        $this->tests[] = [$name, $body];
    }

    /** Runs every test and answers how many failed. */
    public function run(): int
    {
        $passed = 0;
        $failed = 0;
        foreach ($this->tests as [$name, $body]) {
            $started = hrtime(true);
            try {
                $body();
                $passed++;
                printf("ok    %s (%d ms)\n", $name, (hrtime(true) - $started) / 1e6);
            } catch (\Throwable $e) {
                $failed++;
                printf("FAIL  %s\n", $name);
                foreach (self::describe($e) as $line) {
                    echo "      {$line}\n";
                }
            }
        }
        printf("php client: %d passed, %d failed\n", $passed, $failed);
        return $failed;
    }

    /** @return list<string> */
    private static function describe(\Throwable $e): array
    {
        $lines = [get_class($e) . ': ' . $e->getMessage()];
        if ($e instanceof \Payrail\PayrailError) {
            $lines[] = "status {$e->status}, code " . var_export($e->code, true) . ", request {$e->requestId}";
        }
        // Where in a test file it failed: the innermost place under tests/.
        $frames = array_merge([['file' => $e->getFile(), 'line' => $e->getLine()]], $e->getTrace());
        foreach ($frames as $frame) {
            $file = $frame['file'] ?? '';
            if (str_contains($file, '/tests/') && !str_ends_with($file, 'Suite.php')) {
                $lines[] = 'at ' . basename($file) . ':' . ($frame['line'] ?? 0);
                break;
            }
        }
        return $lines;
    }
}

final class AssertionFailed extends \RuntimeException
{
}

function ok(bool $condition, string $what): void
{
    if (!$condition) {
        throw new AssertionFailed($what);
    }
}

function same(mixed $expected, mixed $actual, string $what = ''): void
{
    if ($expected !== $actual) {
        throw new AssertionFailed(($what !== '' ? "{$what}: " : '')
            . 'expected ' . json_encode($expected, JSON_UNESCAPED_SLASHES)
            . ', got ' . json_encode($actual, JSON_UNESCAPED_SLASHES));
    }
}

/**
 * Runs $call, which must throw a $class; answers what it threw.
 *
 * @template T of \Throwable
 * @param class-string<T> $class
 * @return T
 */
function throws(string $class, callable $call, string $what = ''): \Throwable
{
    try {
        $call();
    } catch (\Throwable $e) {
        if ($e instanceof $class) {
            return $e;
        }
        throw new AssertionFailed(($what !== '' ? "{$what}: " : '') . "expected {$class}, got "
            . get_class($e) . ': ' . $e->getMessage(), 0, $e);
    }
    throw new AssertionFailed(($what !== '' ? "{$what}: " : '') . "expected {$class}, nothing was thrown");
}
