//! Integration tests: real handlers, real HTTP, real AWS SDK, against the local emulator.
//! Run with `make test`, which starts the emulator.

mod compat;
mod events;
mod keys;
mod merchants;
mod payments;
mod transactions;
