# smshook: `make demo` runs the product end to end, `make test` passes the tests.
GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 30s
# package:target of every fuzz target
FUZZ_TARGETS := ./validate:FuzzBody ./internal/decode:FuzzParseJSON ./internal/decode:FuzzBinders .:FuzzServeHTTP \
  ./conformance_test:FuzzValidateThenDecode .:FuzzDeliveryOutcomes ./internal/decode:FuzzParseDateTime ./validate:FuzzLocalDateTimePattern \
  ./cmd/smshook:FuzzDocSplitter ./internal/hookkey:FuzzLegacy

.PHONY: all generate check test conformance docs bench bench-peers throughput fuzz soak demo

NODE_DIR := conformance_test/node
NODE_DEPS := $(NODE_DIR)/node_modules/.installed

all: check test

generate:
	$(GO) generate ./...

# GENERATED are the outputs of go generate: api/ (oapi-codegen and the event registry), Handler, the binders, the
# JSON Schema of a delivery (schema/).
GENERATED := api/ handler.gen.go internal/decode/bind.gen.go schema/

# check fails when the generated code is stale, go.mod is untidy, or gofmt, vet or staticcheck complain.
check: generate
	@git diff --exit-code -- $(GENERATED) || { echo "generated code is stale: commit the output of 'make generate'"; exit 1; }
	@test -z "$$(git status --porcelain -- $(GENERATED))" || { git status --porcelain -- $(GENERATED); echo "generated files are not committed"; exit 1; }
	$(GO) mod tidy -diff
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$unformatted" || { echo "not gofmt-formatted: $$unformatted"; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	cd bench && $(GO) generate ./... && git diff --exit-code -- . && $(GO) mod tidy -diff && $(GO) vet ./...

# test checks (and installs, where it may) the servers the suites run against before anything compiles
# (scripts/prereqs; SMSHOOK_SKIP=redis,postgres,chromium skips their suites), runs every Go test (the
# conformance corpus included), the inbox's again on Postgres, the cross-language checks and the alert rules'
# unit tests (promtool), then says which suites ran against which real servers.
test:
	@scripts/prereqs
	@$(GO) mod download # the tests that build the README's programs and a copy of the module run the go command offline
	@$(MAKE) --no-print-directory $(NODE_DEPS)
	scripts/with-redis scripts/with-postgres sh -c '$(GO) test -race -count=1 ./... && $(GO) test -race -count=1 ./inbox -postgres'
	cd $(NODE_DIR) && npm run --silent conformance
	cd bench && $(GO) test -count=1 -run TestOgenDecodesTheCorpus .
	promtool check rules deploy/prometheus/alerts.yml && promtool test rules deploy/prometheus/alerts_test.yml
	/usr/bin/python3 examples/python/conformance.py conformance_test/testdata internal/fixtures/vendor
	GO=$(GO) /usr/bin/python3 examples/python/forward_test.py
	cd examples/node && { test -d node_modules || npm ci --no-audit --no-fund --silent; } && GO=$(GO) npm test --silent
	@scripts/prereqs --summary

# conformance: the corpus through kin-openapi, validator/v10, the receiver and the CLI (Go), then Redocly lint,
# Ajv and the TypeScript types (Node).
conformance: $(NODE_DEPS)
	$(GO) test -race -count=1 ./conformance_test
	cd $(NODE_DIR) && npm run --silent conformance

# docs renders the HTML reference of openapi.yaml into docs/ (not committed).
docs: $(NODE_DEPS)
	cd $(NODE_DIR) && npm run --silent docs

$(NODE_DEPS): $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund
	touch $@

# bench runs the receiver and the validator beside the decode-only floor in one run and prints their ratios.
# "validate/decode-only hooks=100" is kin-openapi's visit and the binding alone: the line an upgrade of
# kin-openapi that makes its visit dearer (v0.153.0's Schema.IsEmpty) moves, from about 1.0 to 1.3 or more.
bench:
	$(GO) test -run '^$$' -bench 'Receive|DecodeOnly|Validate' -benchmem -count=1 . | tee bench.out
	@awk '/^Benchmark(Receive|Validate|DecodeOnly)\//{split($$1,a,"/"); sub(/-[0-9]+$$/,"",a[2]); ns[a[1] " " a[2]]=$$3; seen[a[2]]=1} \
	      END{for (k in seen) { d=ns["BenchmarkDecodeOnly " k]; if (!d) continue; \
	        if (ns["BenchmarkReceive " k]) printf "ratio receive/decode-only %s: %.2f\n", k, ns["BenchmarkReceive " k]/d; \
	        if (ns["BenchmarkValidate " k]) printf "ratio validate/decode-only %s: %.2f\n", k, ns["BenchmarkValidate " k]/d }}' bench.out | sort

# bench-peers measures smshook against the floor and the peers (bench/, its own module) in one run, prints the
# benchstat table and the tracked ratios, and writes the table and the ratios of docs/performance.md from
# this run. BENCH narrows the run (BENCH='Receive/event=MESSAGE_RESULT_UPDATE/' is every figure published).
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_COUNT ?= 3
BENCH ?= .
bench-peers:
	cd bench && $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count=$(BENCH_COUNT) -timeout 60m . | tee ../bench-peers.out
	cd bench && $(GO) run $(BENCHSTAT) -col /impl ../bench-peers.out
	cd bench && $(GO) run ./ratios -doc ../docs/performance.md < ../bench-peers.out

# throughput: wrk against `smshook serve` and the ogen server on 127.0.0.1 (installs wrk from Debian if missing).
throughput:
	bench/throughput/run

# A target that fails without writing a failing input under testdata/fuzz is run once more: Go 1.26's fuzzing
# coordinator can report "context deadline exceeded" as -fuzztime ends on a loaded machine (go.dev/issue/75804,
# fixed in Go 1.27). A failure that writes an input fails at once.
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; corpus=$$pkg/testdata/fuzz/$$name; \
	  echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
	  before=$$(ls $$corpus 2>/dev/null | wc -l); \
	  $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg && continue; \
	  [ "$$(ls $$corpus 2>/dev/null | wc -l)" = "$$before" ] || exit 1; \
	  echo "fuzz $$name failed without a failing input (go.dev/issue/75804): once more"; \
	  $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

# soak runs `smshook serve` on 127.0.0.1 under a steady load with bad requests, redeliveries and a graceful
# shutdown under load (`soak: sent N, delivered N, duplicates 0, lost 0`), then on a redis-server of its own with
# Redis stopped and the receiver killed and restarted (`soak (faults): sent N, delivered N, duplicates N, lost 0`),
# then `serve --inbox --forward-to` with the application down a while and the receiver killed and restarted on its
# file (`soak (inbox): sent N, acknowledged N, forwarded N, duplicates N (in-flight bound M), lost 0`), then two
# receivers and two workers on a Postgres of its own with one worker killed (`soak (inbox, postgres): …, lost 0`).
soak:
	$(GO) build -o bin/smshook ./cmd/smshook
	cd bench && $(GO) run ./soak -bin ../bin/smshook

demo:
	$(GO) run ./cmd/smshook demo
