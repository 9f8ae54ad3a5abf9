# RKC: `make run` serves the product on http://localhost:8080 with its own
# PostgreSQL; `make test` runs every test. Both install what a fresh Debian
# machine lacks (scripts/setup.sh).

GO      ?= go
BIN     := bin/rkc
ARGS    ?=

.PHONY: run demo test bench lint build setup clean

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

bench: setup
	$(GO) run ./internal/platform/dbtest/withpg -- $(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l cmd internal); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
