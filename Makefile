# Cairn: the two commands a new user runs are `make demo` and `make test`.
# Both install what they need on a fresh Debian bookworm machine with node 20 and npm.

SHELL := /bin/bash
NODE_TEST := node --test --test-reporter=spec --test-concurrency=2
APT_PACKAGES := in-toto docker-registry openssl umoci containerd

.PHONY: all setup system-deps bench-deps build test test-unit test-e2e test-interop demo bench lint clean

all: build

# Debian packages the tests and the interop checks use: in-toto 1.3.1 (the reference) and
# docker-registry 2.8.2 (the real registry for e2e tests), openssl (self-signed certificates for
# the registry TLS tests), umoci (the unpacker test/interop/unpack-differential.test.ts compares
# the image flattener with) and containerd (as root the same test starts a private containerd
# daemon of its own, on its own socket and state directories, and compares with it too; the
# package's system service is not used). Installed only when missing.
system-deps:
	@missing=""; \
	command -v in-toto-verify >/dev/null || missing="$$missing in-toto"; \
	command -v docker-registry >/dev/null || missing="$$missing docker-registry"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v umoci >/dev/null || missing="$$missing umoci"; \
	command -v containerd >/dev/null || missing="$$missing containerd"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y -q $$missing || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $$missing; }; \
	fi

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

setup: system-deps node_modules/.installed

build: node_modules/.installed
	rm -rf dist
	npx tsc -p tsconfig.json
	node tools/bundle.mjs

lint: node_modules/.installed
	npx tsc -p tsconfig.json --noEmit

test: setup build
	$(NODE_TEST) dist/test/

test-unit: build
	$(NODE_TEST) dist/test/unit/

test-e2e: setup build
	$(NODE_TEST) dist/test/e2e/

test-interop: setup build
	$(NODE_TEST) dist/test/interop/

# The demo also draws its supply chain (docs/demo/*.svg, shown in README.md): regenerated here.
demo: setup build
	bash demo/demo.sh
	mkdir -p docs/demo && cp .demo/supply-chain.svg .demo/supply-chain-attack.svg docs/demo/

# The reference tools of `make bench` beyond the test set-up: skopeo (push/pull floor) and
# umoci (unpacking an image), from Debian, installed only when missing.
bench-deps:
	@missing=""; \
	command -v skopeo >/dev/null || missing="$$missing skopeo"; \
	command -v umoci >/dev/null || missing="$$missing umoci"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y -q $$missing || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $$missing; }; \
	fi

# Cairn next to in-toto, skopeo, umoci and sha256sum on the same inputs (see docs/bench.md);
# QUICK=1 for a small version in under a minute; ONLY=group[/row] for part of it.
bench: setup bench-deps build
	node dist/bench/run.js $(if $(QUICK),--quick,) $(if $(ONLY),--only=$(ONLY),)

clean:
	rm -rf dist .demo
