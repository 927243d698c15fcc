# Plexus: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
# The Python that makes the virtual environment; everything Python then runs from the venv.
PYTHON ?= python3
SWIFT_FORMAT ?= swift-format
SDK := plugins/sdk/python
# The virtual environment with the Python SDK installed from $(SDK) (pip install), and what the Python
# tests use. Under .build/, so git ignores it and `make clean` removes it.
VENV := $(CURDIR)/.build/venv
VENV_PYTHON := $(VENV)/bin/python
# Puts the venv first on PATH, so that `python3` in a topology (topology.yaml's audit, the test fixtures)
# runs from it; the Swift live tests launch their Python plugins with $PLEXUS_PYTHON.
WITH_VENV := PATH="$(VENV)/bin:$$PATH" PLEXUS_PYTHON="$(VENV_PYTHON)"

.PHONY: run install deps browser-deps venv build test test-python test-http test-console screenshots bench fuzz fuzz-build lint format clean

## Install the headers of libzmq, libsodium and SQLite when they are missing (Debian; run as root or with sudo), and the venv.
deps: venv
	@if [ ! -f /usr/include/zmq.h ] || [ ! -f /usr/include/sqlite3.h ] || [ ! -f /usr/include/sodium.h ]; then \
		echo "installing libzmq3-dev libsodium-dev libsqlite3-dev"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libzmq3-dev libsodium-dev libsqlite3-dev; \
	fi

## What only the tests need: Debian's chromium and its driver, which the console's browser tests
## (Tests/HTTPTests/test_console.py) drive. Not part of `deps`, so `make run` does not install a browser.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "installing chromium chromium-driver"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi

## The venv: pyzmq, majortomo (with six, which it imports without declaring it) for the interoperability
## tests, and the SDK itself, reinstalled whenever its sources change.
venv: $(VENV)/.sdk-installed

$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.test-deps: | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install -q pyzmq "majortomo==0.2.0" six
	@touch $@

## The HTTP API's live tests: requests, prometheus-client (the /metrics parser), schemathesis (the OpenAPI
## contract test) and selenium (the console in Debian's headless chromium).
$(VENV)/.http-test-deps: | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install -q requests prometheus-client schemathesis selenium
	@touch $@

$(VENV)/.sdk-installed: $(VENV)/.test-deps $(SDK)/pyproject.toml $(SDK)/README.md $(SDK)/plexus/py.typed $(wildcard $(SDK)/plexus/*.py)
	$(VENV_PYTHON) -m pip install -q --force-reinstall --no-deps ./$(SDK)
	@rm -rf $(SDK)/build $(SDK)/*.egg-info
	@touch $@

## The compiler's output goes to .build/build.log, so that a newcomer's first screen is the broker's, not
## thousands of lines of a first build; a failed build prints its end.
build: deps
	@mkdir -p .build
	@echo "building Plexus (a first build takes a few minutes; compiler output in .build/build.log)"
	@swift build > .build/build.log 2>&1 || { tail -n 60 .build/build.log; echo "build failed: see .build/build.log"; exit 1; }
	@grep -E "warning:" .build/build.log | sort -u | head -n 20 || true

## Build, then start the broker with the example topology.yaml (Ctrl-C stops it). Flags for the broker go
## in ARGS: `make run ARGS="--log-level debug"`.
ARGS ?=
run: build
	$(WITH_VENV) .build/debug/plexus broker --topology topology.yaml $(ARGS)

## Puts `plexus` on the PATH (a link to this checkout's debug build, so it follows rebuilds).
PREFIX ?= /usr/local
install: build
	@mkdir -p $(PREFIX)/bin
	ln -sf $(CURDIR)/.build/debug/plexus $(PREFIX)/bin/plexus
	@echo "plexus is $(PREFIX)/bin/plexus; try: plexus status"

## Every test: the Python SDK's unit tests, then all Swift tests (unit and live integration), then the
## fuzzers. Python runs from the venv, against the installed SDK.
test: deps browser-deps $(VENV)/.http-test-deps
	swift build --build-tests
	$(MAKE) --no-print-directory test-python
	$(MAKE) --no-print-directory test-http
	$(WITH_VENV) swift test --skip-build
	$(MAKE) --no-print-directory fuzz

## The Python SDK's tests alone (they start the broker binary that `swift build` made).
test-python: venv
	$(WITH_VENV) PLEXUS_BIN=$(CURDIR)/.build/debug/plexus $(VENV_PYTHON) $(SDK)/tests/run.py

## The HTTP API's live tests (Tests/HTTPTests): a real broker with --http on ephemeral ports, every route,
## auth, SSE, and the OpenAPI contract (schemathesis).
test-http: venv $(VENV)/.http-test-deps
	$(WITH_VENV) PLEXUS_BIN=$(CURDIR)/.build/debug/plexus $(VENV_PYTHON) Tests/HTTPTests/run.py

## The web console in headless chromium against a real broker (part of the HTTP tests; this runs it alone).
test-console: venv browser-deps $(VENV)/.http-test-deps
	swift build
	$(WITH_VENV) SE_OFFLINE=true $(VENV_PYTHON) Tests/HTTPTests/test_console.py -v

## The console's screenshots for docs/CONSOLE.md and the README (the browser test, saving each main page).
screenshots: venv browser-deps $(VENV)/.http-test-deps
	swift build
	$(WITH_VENV) SE_OFFLINE=true PLEXUS_SCREENSHOTS=$(CURDIR)/docs/screenshots $(VENV_PYTHON) Tests/HTTPTests/test_console.py

# libFuzzer over the decoders of untrusted input (docs/FUZZING.md), in its own scratch path.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= control event task topology eventlog replay
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
	$(WITH_VENV) .build/release/plexus-bench

## swift-format (strict: any finding fails) over the Swift sources, and mypy --strict over the Python SDK
## and the audit plugin, and over the HTTP tests (mypy goes into the venv on first use). `make format` fixes what swift-format finds.
lint: venv $(VENV)/.http-test-deps
	$(SWIFT_FORMAT) lint --strict --recursive Sources Tests plugins/greeter
	@$(VENV_PYTHON) -c 'import mypy' 2>/dev/null || $(VENV_PYTHON) -m pip install -q mypy
	cd $(SDK) && $(VENV_PYTHON) -m mypy --strict plexus ../../audit/audit.py
	$(VENV_PYTHON) -m mypy --strict Tests/HTTPTests

format:
	$(SWIFT_FORMAT) format --in-place --recursive Sources Tests plugins/greeter

clean:
	rm -rf .build
