//! Integration tests: real handlers, real HTTP, real AWS SDK, against the local emulator.
//! Run with `make test`, which starts the emulator.

mod access_log;
mod aws_timeouts;
mod browser;
mod cancel_and_retry;
mod checkout;
mod checkout_claim;
mod compat;
mod docs;
mod endpoint_limit;
mod endpoint_races;
mod events;
mod host_header;
mod hub;
mod hub_security;
mod key_lifecycle;
mod keys;
mod lambda_runtime;
mod local_env;
mod merchants;
mod page_security;
mod payment_links;
mod payments;
mod permissions;
mod rate_limit;
mod refunds;
mod stripe;
mod template_ops;
mod tenancy;
mod transactions;
mod two_step;
mod webhook_formats;
mod webhooks;
