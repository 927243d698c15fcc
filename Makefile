# Plexus: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
SWIFT_FORMAT ?= swift-format

.PHONY: run deps build test test-python bench fuzz fuzz-build lint format clean

## Install libzmq, SQLite's headers and pyzmq when they are missing (Debian; run as root or with sudo).
deps:
	@if [ ! -f /usr/include/zmq.h ] || [ ! -f /usr/include/sqlite3.h ]; then \
		echo "installing libzmq3-dev libsqlite3-dev"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libzmq3-dev libsqlite3-dev; \
	fi
	@$(PYTHON) -c 'import zmq' 2>/dev/null || { echo "installing pyzmq"; $(PYTHON) -m pip install -q pyzmq; }
	@$(PYTHON) -c 'import majortomo, six' 2>/dev/null || { echo "installing majortomo"; $(PYTHON) -m pip install -q "majortomo==0.2.0" six; }

build: deps
	swift build

## Build, then start the broker with the example topology.yaml (Ctrl-C stops it).
run: build
	.build/debug/plexus broker --topology topology.yaml

## Every test: the Python SDK's unit tests, then all Swift tests (unit and live integration), then the fuzzers.
test: deps
	swift build --build-tests
	cd plugins/sdk/python && PLEXUS_BIN=$(CURDIR)/.build/debug/plexus $(PYTHON) -m unittest discover -s tests -t .
	swift test --skip-build
	$(MAKE) fuzz

# libFuzzer over the decoders of untrusted input (docs/FUZZING.md), in its own scratch path.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= control event task topology
FUZZ_FLAGS ?= -timeout=5 -rss_limit_mb=2048 -max_len=4096
FUZZ_SCRATCH := .build-fuzz
FUZZ_CORPUS := Sources/plexus-fuzz/Corpus

fuzz-build:
	swift build --product plexus-fuzz --scratch-path $(FUZZ_SCRATCH) --sanitize=fuzzer -Xswiftc -DPLEXUS_FUZZING

## Each fuzz target for FUZZ_SECONDS from the checked-in seeds; fails on a crash, a hang or runaway memory.
## New corpus entries go to a temporary directory; a crashing input to $(FUZZ_SCRATCH)/findings/.
fuzz: fuzz-build
	@work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; mkdir -p $(FUZZ_SCRATCH)/findings; \
	for target in $(FUZZ_TARGETS); do \
		case $$target in task|topology) dict=yaml;; *) dict=$$target;; esac; \
		mkdir -p "$$work/$$target"; start=$$(date +%s); \
		if PLEXUS_FUZZ_TARGET=$$target SWIFT_BACKTRACE=enable=no \
			$(FUZZ_SCRATCH)/debug/plexus-fuzz -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
			-dict=$(FUZZ_CORPUS)/$$dict.dict -artifact_prefix=$(FUZZ_SCRATCH)/findings/$$target- -print_final_stats=1 \
			"$$work/$$target" $(FUZZ_CORPUS)/$$target > "$$work/$$target.log" 2>&1; then \
			grep -hE '^plexus-fuzz:|^Done|stat::number_of_executed_units|stat::peak_rss_mb|DONE' "$$work/$$target.log"; \
			echo "fuzz $$target: no crash in $$(( $$(date +%s) - start )) s"; \
		else \
			tail -n 40 "$$work/$$target.log"; \
			echo "fuzz $$target: FAILED after $$(( $$(date +%s) - start )) s; input saved under $(FUZZ_SCRATCH)/findings/"; \
			exit 1; \
		fi; \
	done

## The benchmark, in a release build (everything, so that it can launch the greeter).
bench: deps
	swift build -c release
	.build/release/plexus-bench

lint:
	$(SWIFT_FORMAT) lint --strict --recursive Sources Tests plugins/greeter

format:
	$(SWIFT_FORMAT) format --in-place --recursive Sources Tests plugins/greeter

clean:
	rm -rf .build
