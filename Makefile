# Two commands do everything: `make demo` and `make test`. Both start with `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
	fonts-dejavu-core fonts-liberation2 fonts-noto-core fonts-noto-cjk \
	fonts-noto-color-emoji chromium chromium-driver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

VENDOR := campaign_engine/web/static/vendor
VENDORED := $(VENDOR)/.built

.PHONY: install system-packages demo test lint clean screenshots

install: system-packages $(STAMP) $(VENDORED)
	@# Bytecode for the project's own modules, as a non-editable install would write: with
	@# PYTHONDONTWRITEBYTECODE set, every command would otherwise compile them anew.
	@$(BIN)/python -m compileall -q campaign_engine renderers connectors >/dev/null
	@# The portal's translations: the .po files are the source, the .mo files are built.
	@$(BIN)/pybabel compile -d campaign_engine/translations >/dev/null

# Installs only what dpkg says is missing, so a second run touches nothing.
system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v npm >/dev/null || { echo "Installing Node.js and npm"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm; }

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,scale]'
	touch $(STAMP)

# htmx, Chart.js and Pico CSS come from npm at build time and are served by the app itself,
# so pages work offline and nothing loads from a CDN.
$(VENDORED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/
	cp node_modules/@picocss/pico/css/pico.min.css $(VENDOR)/
	touch $(VENDORED)

# `make demo PORT=8310 HOST=0.0.0.0`: where the demo listens, and so where its links point.
# Set here (not ?=), so only the command line changes them, never a PORT or HOST that
# happens to be in the environment.
HOST := 127.0.0.1
PORT := 8000

demo: install
	$(BIN)/campaign-engine demo --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Three processes on two cores, each taking whole test files (--dist loadfile), so a file's
# module fixtures (one Chromium, one seeded world) are set up once. Three, not one a core:
# half the suite's time is waiting (a 20 s database cut, a lease running out, a child
# process starting), and the third process fills it: 10 minutes here instead of 12 with two.
# Four now: on the same code three took 13:06, four 12:40 (both passing, alone here).
test: install lint
	$(BIN)/pytest -q -n 4 --dist loadfile

# Every console page at 1,280 and 390 px, for a programme of hard partners, into docs/img/console/
# (the same browser test that checks them with axe-core).
screenshots: install
	CONSOLE_SCREENSHOTS=docs/img/console $(BIN)/pytest -q tests/e2e/test_console_pages.py

clean:
	rm -rf $(VENV) var *.egg-info node_modules $(VENDOR)
