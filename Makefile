# Plexus: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
SWIFT_FORMAT ?= swift-format

.PHONY: run deps build test test-python bench lint format clean

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

## Every test: the Python SDK's unit tests, then all Swift tests (unit and live integration).
test: deps
	swift build --build-tests
	cd plugins/sdk/python && PLEXUS_BIN=$(CURDIR)/.build/debug/plexus $(PYTHON) -m unittest discover -s tests -t .
	swift test --skip-build

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
