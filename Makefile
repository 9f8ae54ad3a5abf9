# RKC: `make run` serves the product on http://localhost:8080 with its own
# PostgreSQL; `make test` runs every test. Both install what a fresh Debian
# machine lacks (scripts/setup.sh).

GO      ?= go
BIN     := bin/rkc
ARGS    ?=

.PHONY: run demo test bench bench-report lint build setup clean

setup:
	@scripts/setup.sh

build:
	$(GO) build -o $(BIN) ./cmd/api

run: setup build
	./$(BIN) $(ARGS)

demo: setup build
	./$(BIN) --demo $(ARGS)

# The product module (.) and the end-to-end module (e2e: browser, scale-out,
# deploy manifests, capacity, and the tests that need a test-only library)
# are tested, vetted and linted alike (scripts/each-module runs a command in
# both); see docs/architecture.md "Testing".
EACH   := scripts/each-module
WITHPG := $(GO) run ./internal/testing/dbtest/withpg

# One PostgreSQL for the whole run (withpg), shared by both modules, a fresh
# database per test. Both modules run even when the first fails.
test: setup lint
	$(WITHPG) -- $(EACH) $(GO) test -count=1 -timeout 12m ./...

# Benchmarks run on a durable PostgreSQL (fsync on, on disk), as the product
# ships, never on the test suite's relaxed cluster.
bench: setup
	$(WITHPG) --durable -- $(EACH) $(GO) test -run '^$$' -bench . -benchmem ./...

# The capacity benchmarks of e2e/loadtest (real binary, real PostgreSQL,
# each figure beside its ceiling), written into README.md's "Benchmarks"
# section with the machine they ran on.
bench-report: setup
	$(WITHPG) --durable -- $(GO) -C e2e run ./loadtest/benchreport -readme ../README.md

# gofmt, go vet, staticcheck and the Logius API Design Rules
# (tools/spectral) on the API document the server serves: any error fails.
# staticcheck is pinned in tools/go.mod (its own module, so the product's
# go.mod lists only what the product needs) and built into bin/; Spectral is
# pinned in tools/spectral and installed there by scripts/setup.sh.
SPECTRAL := tools/spectral/node_modules/.bin/spectral

lint: setup
	@out=$$(gofmt -l cmd internal deploy e2e); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(EACH) $(GO) vet ./...
	cd tools && $(GO) build -o ../bin/staticcheck honnef.co/go/tools/cmd/staticcheck
	$(EACH) $(CURDIR)/bin/staticcheck ./...
	$(SPECTRAL) lint --quiet --fail-severity error --ruleset tools/spectral/adr-ruleset.yaml internal/server/openapi.yaml

clean:
	rm -rf bin
