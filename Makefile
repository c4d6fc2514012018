# Two commands: `make run` (set up and start the app) and `make test` (set up and run every test);
# `make lint` checks style (ruff) and types (mypy), as CI does before the tests.
# The virtual environment is installed from the lock files, again only when one changes (stamps).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
PUBLIC_PORT ?= 8502

.PHONY: run test test-fast lint install install-dev clean bench lock

run: $(VENV)/.runtime
	@$(PY) -m research init --demo
	@echo "De app start op http://localhost:$(PORT), de openbare pagina's voor bewoners op http://localhost:$(PUBLIC_PORT)  (stoppen met Ctrl+C)"
	@# `serve` starts the public door and the worker processes (deduce warms up there), then
	@# Streamlit.
	@exec $(PY) -m research serve --port $(PORT) --address localhost --public-port $(PUBLIC_PORT)

# pytest's own exit status is kept in .venv/.pytest-status for .ci/run (make itself exits 2).
test: $(VENV)/.dev
	@rm -f $(VENV)/.pytest-status
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; echo $$status > $(VENV)/.pytest-status; exit $$status

# The quick tier while working: no browser, nothing marked slow, on both cores (pytest-xdist).
# `make test` runs everything.
test-fast: $(VENV)/.dev
	@$(PY) -m pytest -q -n 2 --dist loadgroup -m "not browser and not slow" $(PYTEST_ARGS)

# ruff (pycodestyle, pyflakes, import order, bugbear) and mypy on research/, both configured in
# pyproject.toml.
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy research

# Benchmarks at scales S and M on invented data (a few minutes): the table on screen, the files
# (RESULTS.md, results.json, groei.html, groei.png) in $(BENCH_OUT). The committed
# bench/RESULTS.md comes from `$(PY) -m research bench --scale S,M,L --out bench`.
BENCH_OUT ?= $(VENV)/bench
bench: $(VENV)/.dev
	@$(PY) -m research bench --scale S,M --out $(BENCH_OUT)

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements.lock
	@# deduce builds its name and place lookup tables from disk on first use (about 2 minutes);
	@# do it at install time so no user or test waits for it.
	$(PY) -c "import deduce; deduce.Deduce()"
	@# The Dutch lemma table of spacy-lookups-data as a marshal'd dictionary in the environment
	@# (research.nlp.lookup_table): read in hundredths of a second instead of the package's
	@# half second at every start. Made again on its own when the package changes.
	$(PY) -c "from research import nlp; nlp.lookup_table()"
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(PY) -m pip install --quiet -r requirements-dev.lock
	@touch $@

# The locks pin every package, transitively, from the direct pins in requirements*.txt. Run after
# changing those (tests/test_repository.py checks that the locks agree with them).
PIP_TOOLS := pip-tools==7.7.0
lock: | $(PY)
	$(PY) -m pip install --quiet $(PIP_TOOLS)
	$(PY) -m piptools compile -q --no-header --strip-extras --no-emit-index-url \
	  --no-emit-find-links -o requirements.lock requirements.txt
	$(PY) -m piptools compile -q --no-header --strip-extras --no-emit-index-url \
	  --no-emit-find-links -o requirements-dev.lock requirements-dev.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
