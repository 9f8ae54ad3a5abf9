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

# One PostgreSQL for the whole run (withpg), a fresh database per test.
test: setup lint
	$(GO) run ./internal/platform/dbtest/withpg -- $(GO) test -count=1 -timeout 12m ./...

# Benchmarks run on a durable PostgreSQL (fsync on, on disk), as the product
# ships, never on the test suite's relaxed cluster.
bench: setup
	$(GO) run ./internal/platform/dbtest/withpg --durable -- $(GO) test -run '^$$' -bench . -benchmem ./...

# The capacity benchmarks of internal/loadtest (real binary, real
# PostgreSQL, each figure beside its ceiling), written into README.md's
# "Benchmarks" section with the machine they ran on.
bench-report: setup
	$(GO) run ./internal/platform/dbtest/withpg --durable -- $(GO) run ./internal/loadtest/benchreport -readme README.md

# gofmt, go vet, staticcheck and the Logius API Design Rules
# (tools/spectral) on the API document the server serves: any error fails.
# staticcheck is pinned in tools/go.mod (its own module, so the product's
# go.mod lists only what the product needs) and built into bin/; Spectral is
# pinned in tools/spectral and installed there by scripts/setup.sh.
SPECTRAL := tools/spectral/node_modules/.bin/spectral

lint: setup
	@out=$$(gofmt -l cmd internal deploy); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd tools && $(GO) build -o ../bin/staticcheck honnef.co/go/tools/cmd/staticcheck
	bin/staticcheck ./...
	$(SPECTRAL) lint --quiet --fail-severity error --ruleset tools/spectral/adr-ruleset.yaml internal/server/openapi.yaml

clean:
	rm -rf bin
