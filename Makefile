# HMS: `make run` serves a demo hospital on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite spreads over every core (pytest-xdist), each xdist_group on one worker (the LAN
# install tests share one box, the production stack comes up once) in collection order (browser
# tests last: tests/e2e/conftest.py); PYTEST_ARGS="-n 0" runs it in one process.
PYTEST_ARGS ?= -n auto --dist loadgroup --no-loadscope-reorder

# WeasyPrint renders PDFs through Pango; Debian/Ubuntu package names.
PANGO_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# Browser tests drive Debian's Chromium (never a downloaded browser).
BROWSER_PACKAGES := chromium

.PHONY: run test install system-libs browser lint format clean-demo upgrade

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "HMS needs Python 3.11 (found " + sys.version.split()[0] + ")")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: system-libs $(STAMP)

system-libs:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so'; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PANGO_PACKAGES); \
	  else \
	    echo "WeasyPrint needs Pango. Run:  sudo apt-get install -y $(PANGO_PACKAGES)"; exit 1; \
	  fi; \
	fi

browser:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES); \
	  else \
	    echo "Browser tests need Chromium. Run:  sudo apt-get install -y $(BROWSER_PACKAGES)"; \
	    [ -z "$$CI" ] || exit 1; \
	  fi; \
	fi

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: install browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# On a LAN box installed by deploy/install-lan.sh, in its checkout (/opt/hms), as root: a backup,
# then the new code, migrations, restart and health check; the code rolls back if it fails
# (docs/DEPLOYMENT.md). REF=<tag|branch|commit> (default: the remote's HEAD), FROM=<repository>
# (default: origin), CONFIG_DIR (default: /etc/hms).
REF ?= HEAD
FROM ?= origin
CONFIG_DIR ?= /etc/hms
upgrade:
	deploy/upgrade.sh --config-dir "$(CONFIG_DIR)" --from "$(FROM)" --ref "$(REF)"

# Start the demo hospital again from nothing (deletes var/: database, tasks, uploaded files).
clean-demo:
	rm -rf var
