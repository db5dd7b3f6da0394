# Campaign AI Lab. Two commands on a fresh machine:
#   make start   set up everything and open the course in JupyterLab
#   make test    run the test suite
# Everything goes through the `campaign-lab` command installed in .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LAB    := $(BIN)/campaign-lab
STAMP  := $(VENV)/.installed
MODEL_STAMP := $(VENV)/.model-installed

.PHONY: start demo install model data release test test-fast bench selfcheck docs clean distclean help

help:
	@echo "make start    set up (first time) and open the course in JupyterLab"
	@echo "make test     run the test suite"
	@echo "make demo N=09  open module 09 for a live demo, its opening cells already run once"
	@echo "make release  generate the student notebooks into release/"
	@echo "make bench    measure speed and memory into bench/results.json"
	@echo "make docs     build the course website into build/site/ (open build/site/index.html)"
	@echo "make clean    remove generated files (keeps .venv and the built model wheel)"

# The environment: recreated if missing or broken, reinstalled when pyproject.toml changes.
$(STAMP): pyproject.toml scripts/spacy-pipelines.txt scripts/install-npm.sh
	@bash scripts/bootstrap-system.sh $(PYTHON)
	@$(BIN)/python -c 'import sys' 2>/dev/null || (rm -rf $(VENV) && $(PYTHON) -m venv $(VENV))
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	bash scripts/install-pipelines.sh $(BIN)/python
	bash scripts/install-npm.sh $(VENV)
	$(BIN)/python -c 'from campaign_lab import course; course.install_jupyter_config()'
	@touch $@

install: $(STAMP)

$(MODEL_STAMP): $(STAMP) scripts/install-model.sh
	bash scripts/install-model.sh $(BIN)/python
	@touch $@

model: $(MODEL_STAMP)

start: install model
	$(LAB) start

demo: install model
	$(LAB) demo $(N)

release: install
	$(LAB) release

selfcheck: install
	$(LAB) selfcheck

test: install model
	@bash scripts/bootstrap-system.sh $(PYTHON) --browser
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow"

bench: install model
	$(BIN)/python bench/run_all.py

docs: install
	$(LAB) docs

clean:
	rm -rf build release workspace demo autograded feedback submitted var datasets/generated bench/results.json
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) wheels
