<?php

declare(strict_types=1);

namespace Payrail;

/** A delivery that is not Payrail's: missing headers, a wrong signature or secret, or too old. */
final class WebhookVerificationError extends \RuntimeException
{
}
