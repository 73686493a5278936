.PHONY: dev test lint fmt package package-test bench bench-peers bench-arm64 bench-baseline load cli-release

## Run Payrail locally on http://127.0.0.1:$${PAYRAIL_PORT:-3000} (Ctrl-C stops it).
dev:
	@bash scripts/dev.sh

## Run every test (unit and integration) against a fresh local AWS emulator.
test:
	@bash scripts/test.sh

## Format check, clippy and the template linter, as CI runs them.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	@bash scripts/venv.sh
	.venv/bin/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 .venv/bin/sam validate --lint --template template.yaml

fmt:
	cargo fmt --all

## Build every Lambda for arm64 (ARCH=x86_64 for x86_64) as target/lambda/<function>/bootstrap.zip.
package:
	@bash scripts/package.sh

## Build the packages, check their architecture and glibc, and run each one (arm64 under qemu).
package-test:
	@bash scripts/package-test.sh

## Measure sizes, cold starts, latency, memory, AWS calls and cost; writes BENCHMARKS.md.
bench:
	@bash scripts/bench.sh

## make bench, with the same create-payment in Python and Node.js measured beside Payrail's;
## records them in bench/peers.json, which every later report shows.
bench-peers:
	@BENCH_PEERS=1 bash scripts/bench.sh

## Build the arm64 packages and record their sizes (bench/arm64.json) for BENCHMARKS.md.
bench-arm64:
	@bash scripts/bench-arm64.sh

## Measure the untuned build (cargo's default release profile) into bench/baseline.json.
bench-baseline:
	@BASELINE=1 bash scripts/bench.sh

## Load the local stack (5,000 requests, 32 concurrent, 4 merchants) and check its invariants;
## writes bench/load.json and its section of BENCHMARKS.md, fails on any 5xx.
load:
	@bash scripts/load.sh

## The `payrail` command line as a release archive for this platform (target/cli/*.tar.gz).
cli-release:
	@bash scripts/cli-release.sh
