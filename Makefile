# govwatch: `make demo` and `make test` each do all set-up on a fresh Debian machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Debian packages the tests need (installed with apt-get when missing and running as root)
# (chromium: Debian's browser, for portals rendered through scrapy-playwright;
#  nginx: the benchmarks' portal simulator, also run by tests/test_bench_smoke.py;
#  fonts-noto-cjk: Chinese in the web UI's screenshots, tests/test_web_browser.py;
#  redis-server: the Celery broker of tests/test_celery.py, started on 127.0.0.1)
DEB_PACKAGES ?= postgresql chromium nginx fonts-noto-cjk redis-server
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test setup system-deps lint eval bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

system-deps:
	@missing=""; \
	for pkg in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else \
	    echo "govwatch's tests need these Debian packages:$$missing (sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

# the demo portal is plain HTML: no Chromium, no PostgreSQL
demo: DEB_PACKAGES =
demo: setup system-deps
	$(BIN)/govwatch demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup system-deps lint
	$(BIN)/pytest

# extraction scores on tests/eval/cases/ and tests/eval/real/ (reported apart); fails below
# tests/eval/floors.json
eval: setup
	$(BIN)/python -m tests.eval.score

# benchmarks against plain Scrapy, nginx and PostgreSQL on 127.0.0.1 (never part of `make test`);
# writes bench/results/*.json and the table in docs/performance.md
bench: setup system-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) govwatch-demo .pytest_cache .mypy_cache .ruff_cache
