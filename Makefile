# The README's two commands are `make demo` and `make test`; .ci/run calls `make test` too.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
TEST_TIMEOUT ?= 900

.PHONY: demo test venv system-deps lint bench clean translations screenshots package test-packaging

system-deps:
	@sh packaging/debian-deps.sh

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# the .ts sources are committed; the compiled .qm files are build outputs
translations: $(STAMP)
	$(PY) packaging/i18n.py --compile

venv: system-deps $(STAMP) translations

demo: venv
	$(VENV)/bin/xpaydesk --demo

# coreutils `timeout` because a wedged qasync loop can hang pytest beyond pytest-timeout's reach.
test: venv
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} QT_API=pyside6 \
	  timeout $(TEST_TIMEOUT) $(PY) -m pytest -q $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: venv
	QT_QPA_PLATFORM=offscreen $(PY) -m tests.benchmarks.run --out bench-results.json

$(VENV)/.packaging-stamp: $(STAMP)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev,packaging]'
	@touch $@

package: venv $(VENV)/.packaging-stamp
	$(PY) packaging/build.py

test-packaging: venv $(VENV)/.packaging-stamp
	QT_QPA_PLATFORM=offscreen timeout 1500 $(PY) -m pytest -q -m slow tests/test_packaging.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

screenshots: venv
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/xpaydesk --screenshot resources/screenshots --lang zh_CN
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/xpaydesk --screenshot resources/screenshots --lang en
