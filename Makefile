# The two commands of the README: `make run` (= go run ./cmd/server) and `make test`.
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: run test services lint test-short

run:
	$(GO) run ./cmd/server

# test starts MariaDB and Redis where needed (installing them on a fresh machine),
# checks formatting and vet, and runs every test with the race detector.
test: services lint
	$(GO) test -race -count=1 -timeout 12m ./...

test-short: lint
	$(GO) test -count=1 ./...

services:
	bash scripts/ensure-services.sh

lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
