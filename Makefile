# Waybill's three commands. See README.md.
.PHONY: demo demo-stop test bench install-deps

## Run the whole path on 127.0.0.1: WordPress form -> outbox -> edge worker -> automation -> write-back.
demo:
	bash scripts/demo.sh

## Stop everything `make demo` started.
demo-stop:
	bash scripts/demo.sh stop

## Run every test on every host (what CI runs).
test:
	bash scripts/test-all.sh

## Run every benchmark and write BENCHMARKS.md.
bench:
	bash scripts/bench-all.sh

## Install the system packages and toolchain pieces the build and tests need.
install-deps:
	bash scripts/install-deps.sh
