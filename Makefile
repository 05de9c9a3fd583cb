# Vigie developer targets. `make test` is the one CI runs (see .ci/run).
GO        ?= go
PKGS      ?= ./...
FUZZTIME  ?= 30s
BENCHTIME ?= 1s

.PHONY: all build test lint generate assets screenshots bench fuzz demo geoip clean

all: lint test build

build:
	$(GO) build -o bin/vigie ./cmd/vigie

# The full test suite: vet, then every test (unit and integration) once.
test:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)

# gofmt, go vet and staticcheck (pinned in go.mod as a tool), plus a drift
# check that the generated code matches the generator.
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

generate:
	$(GO) generate $(PKGS)

# The web UI's front-end bundle (web/ → internal/web/ui/static, committed).
assets:
	cd web && npm ci --no-audit --no-fund && npm run build

# The browser test, saving screenshots of the UI into docs/screenshots.
screenshots:
	VIGIE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestBrowser -v ./internal/web/ui

# Every benchmark once, with allocations; see docs/PERFORMANCE.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

# Every fuzz target for FUZZTIME each (Go runs one fuzz target per invocation).
fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

# Run Vigie with demo traffic (the README's first command).
demo:
	$(GO) run ./cmd/vigie demo

# The free (CC0) GeoIP country database for the GeoIP enricher, installed
# with npm into GEOIP_DIR (default: the default data directory's geoip/,
# where the default configuration looks). See docs/ENRICHMENT.md.
geoip:
	scripts/fetch-geoip.sh $(GEOIP_DIR)

clean:
	rm -rf bin
