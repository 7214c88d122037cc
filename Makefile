# exctl — security policy exceptions as code.
#   make demo   run the main job on the bundled exceptions/
#   make test   run the whole test suite (vet, race detector, fuzz seeds)
#   make bench  measure against the tools a user would otherwise use

GO      ?= go
BIN     := bin/exctl
# The demo evaluates at a fixed instant so its output does not drift as the
# bundled records age.
DEMO_NOW ?= 2026-11-29T12:00:00Z

.PHONY: all build demo test fuzz bench pgo clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/exctl

demo: build
	@echo "== exctl validate: schema, semantic rules, policy"
	@./$(BIN) validate --now $(DEMO_NOW)
	@echo
	@echo "== exctl list: every exception, its effective state, risk and days left"
	@./$(BIN) list --now $(DEMO_NOW)
	@echo
	@echo "== exctl list --expiring-within 45d --format json (what a reminder job reads)"
	@./$(BIN) list --now $(DEMO_NOW) --expiring-within 45d --format json
	@echo
	@echo "== exctl gate: a deployment of fluentd, scanned by Trivy (a real report)"
	@echo "   one Critical finding is covered by an approved exception, one High is not: exit 1 blocks"
	@./$(BIN) gate --now $(DEMO_NOW) --intent internal/gate/testdata/demo/intent.yaml; \
	  code=$$?; echo "(exit $$code)"; test $$code -eq 1
	@echo
	@echo "== exctl expire --dry-run: the expiry bot's plan (what is due, whom to remind); nothing changes"
	@./$(BIN) expire --dry-run --now $(DEMO_NOW)
	@echo "   ... and on 2027-01-24, a week before an approved exception runs out:"
	@./$(BIN) expire --dry-run --now 2027-01-24T09:00:00Z
	@echo
	@echo "== exctl export trivyignore: what Trivy may ignore, and until when"
	@./$(BIN) export trivyignore --now $(DEMO_NOW) --app fluentd --env production

test:
	@test -z "$$(gofmt -l cmd internal schemas)" || { echo "gofmt needed:"; gofmt -l cmd internal schemas; exit 1; }
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# A short run of every fuzz target; FUZZTIME=10m make fuzz for a real session.
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Generates 10,000 records in .bench/corpus and times exctl validate against a
# bare parallel yaml.v3 parse and, when npm can install them, ajv-cli and
# @sourcemeta/jsonschema; then validate --base with one record changed; then
# the gate on 100,000 findings; then the approval check's API requests and
# speed against the local fake GitHub. BENCH_FLAGS="--runs 7" steadies a busy
# machine.
BENCH_FLAGS ?=
bench: build
	-@sh internal/bench/install-peers.sh .bench/peers
	$(GO) run ./internal/bench/cmd/benchvalidate --exctl $(BIN) --work .bench --peers .bench/peers $(BENCH_FLAGS)
	$(GO) run ./internal/bench/cmd/benchgate --exctl $(BIN) --work .bench/gate
	$(GO) test -run '^$$' -bench 'Approvals' -benchtime 10x ./internal/cli
	$(GO) test -run '^$$' -bench 'Evaluate200' -benchtime 10x ./internal/approval

# go build optimises exctl with the CPU profile in cmd/exctl/default.pgo
# (profile-guided optimisation). This rewrites it from the validate and
# validate --base benchmarks; commit it when the hot code has moved.
pgo:
	$(GO) test -run '^$$' -bench '^Benchmark(Validate|Base)$$' -benchtime 5x \
	  -cpuprofile $(CURDIR)/cmd/exctl/default.pgo -o $$(mktemp -d)/bench.test ./internal/bench

clean:
	rm -rf bin .bench
