# Two commands: `make run` (set up and start the app) and `make test` (set up and run every test);
# `make lint` checks style (ruff) and types (mypy), as CI does before the tests.
# The virtual environment is reinstalled only when a requirements file changes (stamp files).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test lint install install-dev clean bench

run: $(VENV)/.runtime
	@$(PY) -m research init --demo
	@echo "De app start op http://localhost:$(PORT)  (stoppen met Ctrl+C)"
	@# `serve` starts the worker processes (deduce warms up there), then Streamlit.
	@exec $(PY) -m research serve --port $(PORT) --address localhost

# pytest's own exit status is kept in .venv/.pytest-status for .ci/run (make itself exits 2).
test: $(VENV)/.dev
	@rm -f $(VENV)/.pytest-status
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; echo $$status > $(VENV)/.pytest-status; exit $$status

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

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@# deduce builds its name and place lookup tables from disk on first use (about 2 minutes);
	@# do it at install time so no user or test waits for it.
	$(PY) -c "import deduce; deduce.Deduce()"
	@# The Dutch lemma table of spacy-lookups-data as a marshal'd dictionary in the environment
	@# (research.nlp.lookup_table): read in hundredths of a second instead of the package's
	@# half second at every start. Made again on its own when the package changes.
	$(PY) -c "from research import nlp; nlp.lookup_table()"
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
