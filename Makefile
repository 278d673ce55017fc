# The two commands of the README: `make run` (= go run ./cmd/server) and `make test`.
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: run test services lint test-short test-js test-console fuzz

run:
	$(GO) run ./cmd/server

# test starts MariaDB and Redis where needed (installing them on a fresh machine,
# with podman for the image test in deploy/ and promtool for the alert rules),
# checks formatting and vet, runs every test with the race detector, then test-js.
# 25 m per package: deploy/ builds the image (a cold build of every module inside it),
# cmd/server runs every end-to-end flow under the race detector.
test: services lint
	$(GO) test -race -count=1 -timeout 25m ./...
	$(MAKE) fuzz
	$(MAKE) test-js
	$(MAKE) test-console

# fuzz runs each parser's fuzz target briefly (the seed corpora in testdata/ also
# run as plain tests above). FUZZTIME=1m make fuzz for a longer run.
FUZZTIME ?= 5s
fuzz:
	for target in FuzzParseEvent FuzzParseEnvelope FuzzDecrypt; do \
		$(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) ./internal/wechat/callback/ || exit 1; \
	done

test-short: lint
	$(GO) test -count=1 ./...

services:
	bash scripts/ensure-services.sh
	bash scripts/ensure-podman.sh
	bash scripts/ensure-monitoring.sh

# test-js runs the mini-program client's tests (clients/miniprogram) against the
# service in sandbox mode, with Node's built-in runner; it installs Node where missing.
# The shell expands the glob: Node 21+ no longer accepts a directory after --test.
test-js:
	bash scripts/ensure-node.sh
	node --test clients/miniprogram/test/*.test.js

# test-console drives the merchant console (web/console) in Debian's chromium
# with playwright-core against the service in sandbox mode; it installs chromium,
# a Chinese font and the test folder's npm packages where missing or stale
# (playwright-core needs Node 20).
test-console:
	NODE_MIN=20 bash scripts/ensure-node.sh
	bash scripts/ensure-chromium.sh
	@if [ ! -f test/console/node_modules/.package-lock.json ] || \
	    ! cmp -s test/console/package-lock.json test/console/node_modules/.package-lock.json.src; then \
		cd test/console && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund && \
		cp package-lock.json node_modules/.package-lock.json.src; \
	fi
	node --test test/console/*.test.js

lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
