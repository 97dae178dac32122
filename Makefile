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

# bench runs the receiver beside the decode-only floor in one run and prints their ratios, then kin-openapi's
# visit of a 100-hook delivery beside the floor (validate's BenchmarkStages), in five runs that each measure
# both, and prints the median of their ratios: "ratio visit/decode-only" is the line an upgrade of kin-openapi
# that makes its visit dearer moves (0.36–0.47 at v0.152.0, 0.59–0.64 at v0.153.0, whose Schema.IsEmpty makes a map
# for every value; see go.mod).
bench:
	$(GO) test -run '^$$' -bench 'Receive|DecodeOnly' -benchmem -count=1 . | tee bench.out
	@awk '/^BenchmarkReceive\//{split($$1,a,"/"); sub(/-[0-9]+$$/,"",a[2]); r[a[2]]=$$3} \
	      /^BenchmarkDecodeOnly\//{split($$1,a,"/"); sub(/-[0-9]+$$/,"",a[2]); d[a[2]]=$$3} \
	      END{for (k in r) if (k in d) printf "ratio receive/decode-only %s: %.2f\n", k, r[k]/d[k]}' bench.out | sort -t= -k2 -n
	@rm -f bench-visit.out; for run in 1 2 3 4 5; do \
	  $(GO) test -run '^$$' -bench 'Stages/hooks=100/stage=(floor|visit)$$' -benchtime 0.3s -count=1 ./validate | tee -a bench-visit.out || exit 1; \
	done
	@awk '/stage=floor-/{f = $$3} /stage=visit-/{r[++n] = $$3 / f} \
	      END{for (i = 2; i <= n; i++) for (j = i; j > 1 && r[j-1] > r[j]; j--) { t = r[j]; r[j] = r[j-1]; r[j-1] = t } \
	          if (n) printf "ratio visit/decode-only hooks=100: %.2f (median of %d runs)\n", n % 2 ? r[(n+1)/2] : (r[n/2] + r[n/2+1]) / 2, n}' bench-visit.out

# bench-peers measures smshook against the floor and the peers (bench/, its own module) in one run, prints the
# benchstat table and the tracked ratios, and writes the table and the ratios of docs/performance.md from
# this run. BENCH narrows the run (BENCH='Receive/event=MESSAGE_RESULT_UPDATE/' is every figure published).
# The BENCH_COUNT runs are rounds of every benchmark in turn (go test's -count repeats each benchmark before the
# next), so that a change in the machine's load between rounds falls on every contender alike.
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_COUNT ?= 3
BENCH ?= .
bench-peers:
	cd bench && $(GO) test -c -o bench.test . && rm -f ../bench-peers.out && for round in $$(seq $(BENCH_COUNT)); do \
	  ./bench.test -test.run '^$$' -test.bench '$(BENCH)' -test.benchmem -test.count=1 -test.timeout 60m | tee -a ../bench-peers.out || exit 1; \
	done; rm -f bench.test
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
