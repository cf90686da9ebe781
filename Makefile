# Benchdesk developer tasks. A fresh machine needs only python3.11 and make (and apt as root):
# the first target run bootstraps uv into .tools/ and the project into .venv/.
#
#   make run          dev server on http://127.0.0.1:8000 with worker and beat (Ctrl-C stops all)
#   make test         the whole test suite (ARGS="-k invoice -x" passes options to pytest)
#   make lint / fmt   ruff
#   make bench        timings of the pages that matter on 1M works orders (BENCH_SCALE=small: quick)
#   make bench-import the pricebook import benchmark alone (30,000 rows; also part of make bench)
#   make load         production load test: gunicorn + locust on the bench data (ARGS="--soak 600")
#   make services     start local Postgres+Redis only: eval "$(make -s services)" for manage.py
#   make stop         stop them
#   make backup       database (pg_dump) + media into backups/<UTC time>/ with a manifest
#   make restore      BACKUP=backups/<folder> into an empty database (FORCE=1 replaces one)
#   make vendor       re-copy front-end files from npm into static/vendor (only when versions change)
#   make clean-data   stop local servers and delete .devdata/ (dev database included)

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV_PY := .venv/bin/python
DEVSTACK := $(VENV_PY) scripts/devstack.py
ARGS ?=

# uv must never fetch its own Python here; without UV_PYTHON it may pick a broken pyenv shim.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
# Trust the machine's certificate store (as pip does), for networks behind a TLS proxy.
export UV_SYSTEM_CERTS := 1

# Debian packages the tests need: browser tests drive /usr/bin/chromium, PDF tests look at pages
# with pdftoppm, WeasyPrint needs pango + harfbuzz-subset and a font.
TEST_DEBS := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
             fonts-dejavu-core

.PHONY: help run test lint fmt bench bench-import load services stop sync system-deps vendor \
        clean-data backup restore

help:
	@grep '^#   make ' Makefile | sed 's/^#   //'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --frozen: install exactly uv.lock, never rewrite it.
sync: $(UV)
	$(UV) sync --frozen

run: sync
	$(DEVSTACK) run

test: sync system-deps
	$(DEVSTACK) test $(ARGS)

services: sync
	@$(DEVSTACK) services

# The data set is generated once into its own database on the local server (.devdata/, about
# 8 minutes for the full size) and reused by later runs; scripts/bench.py says what it measures.
bench: sync
	@eval "$$($(DEVSTACK) services)" && $(VENV_PY) scripts/bench.py

bench-import: sync
	@eval "$$($(DEVSTACK) services)" && $(VENV_PY) scripts/bench_import.py

# gunicorn with the production settings against make bench's data set (LOAD_DATABASE_URL for
# another), driven by locust; a few minutes, so never part of make test. See README "Production load".
load: sync
	@eval "$$($(DEVSTACK) services)" && $(VENV_PY) scripts/loadtest.py $(ARGS)

# Both use DATABASE_URL / MEDIA_ROOT when set, else the local dev servers (started if needed).
backup: sync
	@eval "$$($(DEVSTACK) services)" && $(VENV_PY) scripts/backup.py backup

restore: sync
	@test -n "$(BACKUP)" || { echo "Say which: make restore BACKUP=backups/<folder>" >&2; exit 2; }
	@eval "$$($(DEVSTACK) services)" && $(VENV_PY) scripts/backup.py restore "$(BACKUP)" \
	  $(if $(FORCE),--force)

stop:
	@if [ -x $(VENV_PY) ]; then $(DEVSTACK) stop; fi

lint: $(UV)
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

fmt: $(UV)
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

# Installs only what is missing, so a machine that has everything needs no network and no root.
system-deps:
	@if ! command -v dpkg-query >/dev/null; then \
	  for c in chromium pdftoppm; do command -v $$c >/dev/null || { \
	    echo "Not a Debian system: install $$c, pango and harfbuzz-subset yourself." >&2; exit 1; }; \
	  done; exit 0; \
	fi; \
	missing=""; \
	for p in $(TEST_DEBS); do \
	  [ "$$(dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null)" = installed ] || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	cmd="apt-get update && apt-get install -y --no-install-recommends$$missing"; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "+ $$cmd"; export DEBIAN_FRONTEND=noninteractive; eval "$$cmd"; \
	else \
	  echo "Missing system packages:$$missing" >&2; \
	  echo "Run:  sudo sh -c '$$cmd'" >&2; exit 1; \
	fi

clean-data: stop
	rm -rf .devdata

# Front-end libraries: versions are pinned in package.json/package-lock.json. The copies under
# static/vendor are committed, so only whoever changes a version needs npm. Source maps are copied
# because the .min files reference them and collectstatic's manifest storage fails on a missing one.
NM := node_modules
VENDOR := static/vendor
VENDOR_PKGS := bootstrap bootstrap-icons sortablejs signature_pad chart.js axe-core

vendor:
	npm ci --no-audit --no-fund
	rm -rf $(VENDOR)
	install -Dm644 -t $(VENDOR)/bootstrap $(NM)/bootstrap/dist/css/bootstrap.min.css \
	  $(NM)/bootstrap/dist/css/bootstrap.min.css.map $(NM)/bootstrap/dist/js/bootstrap.bundle.min.js \
	  $(NM)/bootstrap/dist/js/bootstrap.bundle.min.js.map $(NM)/bootstrap/LICENSE
	install -Dm644 $(NM)/@popperjs/core/LICENSE.md $(VENDOR)/bootstrap/LICENSE-popperjs.md
	install -Dm644 -t $(VENDOR)/bootstrap-icons $(NM)/bootstrap-icons/font/bootstrap-icons.min.css \
	  $(NM)/bootstrap-icons/LICENSE
	install -Dm644 -t $(VENDOR)/bootstrap-icons/fonts $(NM)/bootstrap-icons/font/fonts/bootstrap-icons.woff2 \
	  $(NM)/bootstrap-icons/font/fonts/bootstrap-icons.woff
	install -Dm644 -t $(VENDOR)/sortablejs $(NM)/sortablejs/Sortable.min.js $(NM)/sortablejs/LICENSE
	install -Dm644 -t $(VENDOR)/signature_pad $(NM)/signature_pad/dist/signature_pad.umd.min.js \
	  $(NM)/signature_pad/dist/signature_pad.umd.min.js.map $(NM)/signature_pad/LICENSE
	install -Dm644 -t $(VENDOR)/chart.js $(NM)/chart.js/dist/chart.umd.min.js \
	  $(NM)/chart.js/dist/chart.umd.min.js.map $(NM)/chart.js/LICENSE.md
	install -Dm644 $(NM)/@kurkle/color/LICENSE.md $(VENDOR)/chart.js/LICENSE-kurkle-color.md
	install -Dm644 -t $(VENDOR)/axe-core $(NM)/axe-core/axe.min.js $(NM)/axe-core/LICENSE
	@{ echo "# Vendored front-end files"; echo; \
	  echo "Generated by \`make vendor\` from package.json / package-lock.json; do not edit by hand."; \
	  echo "To change a version: edit package.json, run \`npm install --omit-lockfile-registry-resolved\`,"; \
	  echo "then \`make vendor\` and commit package*.json and static/vendor together."; \
	  echo; echo "| package | version | license | files |"; echo "| --- | --- | --- | --- |"; \
	  for p in $(VENDOR_PKGS); do \
	    node -e 'const p=require("./$(NM)/"+process.argv[1]+"/package.json"); process.stdout.write(`| $${p.name} | $${p.version} | $${p.license} | `)' $$p; \
	    echo "$$(cd $(VENDOR)/$$p && find . -type f | sed 's|^\./||' | LC_ALL=C sort | paste -sd' ') |"; \
	  done; \
	  echo; echo "Bundled inside: bootstrap.bundle.min.js contains @popperjs/core" \
	    "$$(node -p 'require("./$(NM)/@popperjs/core/package.json").version')," \
	    "chart.umd.min.js contains @kurkle/color $$(node -p 'require("./$(NM)/@kurkle/color/package.json").version')" \
	    "(their licenses are copied next to them)."; \
	  echo; echo "axe-core is for the browser tests only (tests/browser/axe.py injects it into pages" \
	    "under test); no page of the app loads it."; \
	} > $(VENDOR)/VERSIONS.md
	@echo "static/vendor updated; see $(VENDOR)/VERSIONS.md"
