# spiegel — build the Spiegel Bestaanszekerheid. `make help` lists the targets.
#   make report          set up .venv if needed, (synthesise,) validate, execute, render the newest
#                        edition (the highest params/<year>.yml) -> _book/<edition>/
#   make test            set up .venv if needed, then unit, integration and nbval tests
#   make report EDITION=2022 / PARAMS=params/other.yml   another edition or params file
#   make edition YEAR=2024 [FROM=2023]   start an edition: params/2024.yml from the newest (or FROM)
#   make review [FROM=2022] [TO=2023]   what moved between two built editions -> _book/review-<from>-<to>.html
#   make report JOBS=1   chapters one at a time (default: as many as the machine has cores)
#   make report RENDERER=quarto   render with the Quarto CLI instead (where it is installed)
# `make report` runs (execs, so signals reach it) `spiegel build`: every step whose inputs (by sha256 of their content, never by
# file dates) changed since it last ran; chapters side by side; a numbered line per step and a
# summary. Each params file has its own build state, build/<edition>/<stem>-<hash>/; each edition
# its own book, _book/<edition>/ (building one never touches another's).

# The editions: params/<year>.yml (four digits); the default is the newest.
EDITIONS := $(sort $(patsubst params/%.yml,%,$(wildcard params/[12][0-9][0-9][0-9].yml)))
EDITION  ?= $(or $(lastword $(EDITIONS)),2022)
PARAMS   ?= params/$(EDITION).yml
RENDERER ?= pandoc
JOBS     ?=
PYTHON   ?= python3
VENV     := .venv
SPIEGEL  := $(VENV)/bin/spiegel
INSTALLED := $(VENV)/.installed
BUILD    = @SPIEGEL_COMMAND="make $@" exec $(SPIEGEL) --params $(PARAMS) build $(if $(JOBS),--jobs $(JOBS))

.PHONY: help report test venv data validate notebooks refresh-notebooks preview lab clean distclean params-file edition review
.DEFAULT_GOAL := report
.DELETE_ON_ERROR:

help:
	@echo "spiegel — the Spiegel Bestaanszekerheid, from params/<edition>.yml to _book/<edition>/"
	@echo ""
	@echo "  make report              build the publication: (synthesise,) validate, execute, render -> _book/<edition>/"
	@echo "  make test                unit, integration and nbval tests"
	@echo "  make data                write the synthetic data (or check that the real data files exist)"
	@echo "  make validate            data + check every source against its contract"
	@echo "  make notebooks           validate + execute the chapters that changed"
	@echo "  make preview CHAPTER=id  re-execute and render one chapter; prints the page's path"
	@echo "  make lab                 open the chapters in JupyterLab (installed once into .venv)"
	@echo "  make refresh-notebooks   store fresh outputs in the committed notebooks (what nbval checks; synthetic data only)"
	@echo "  make edition YEAR=<year> start an edition: params/<year>.yml from the newest (FROM=<year>: from that one)"
	@echo "  make review              what moved between two built editions (FROM=/TO=<year>; default the newest and the one before)"
	@echo "                           -> _book/review-<from>-<to>.html and .md (outside both editions' books)"
	@echo "  make venv                set up .venv with the pinned dependencies (the targets above do it)"
	@echo "  make clean               remove build/ and _book/ (every edition's);  make distclean  also .venv and data/"
	@echo ""
	@echo "  options: EDITION=<year> (params/EDITION.yml; default the newest: $(EDITION))  PARAMS=path.yml  JOBS=N  RENDERER=pandoc|quarto"
	@echo "  editions here: $(or $(EDITIONS),none)"

venv: $(INSTALLED)

# A local virtual environment with the pinned dependencies of pyproject.toml, on the Python version
# the README names (checked first, with a message saying what to install or set).
# A .venv that is a link (a copy of the project using another one's environment) is never set up
# from here: that would point the other project's installed package at this copy.
$(INSTALLED): pyproject.toml
ifeq ($(shell test -L $(VENV) && echo link),link)
	@echo "spiegel: $(VENV) links to $$(readlink $(VENV)); not set up from here (make venv there)" >&2
else
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)' 2>/dev/null || { \
	  echo "spiegel: needs Python 3.11 or 3.12 (see README, Requirements); '$(PYTHON)' is" \
	    "$$($(PYTHON) --version 2>&1 || echo 'not installed'). Install it, or name one: make $(MAKECMDGOALS) PYTHON=python3.11" >&2; \
	  exit 2; }
	@echo "spiegel: setting up $(VENV) with the pinned dependencies (once; about 1-2 minutes) ..."
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@start=$$(date +%s); $(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' \
	  && echo "spiegel: $(VENV) ready ($$(( $$(date +%s) - start )) s)"
	@touch $@
endif

# An unknown edition or a params file that does not exist: say so before anything runs.
params-file:
	@test -f "$(PARAMS)" || { echo "spiegel: no params file $(PARAMS)$(if $(filter params/$(EDITION).yml,$(PARAMS)), (edition $(EDITION))); editions here:" \
	  "$(or $(EDITIONS),none) (make report EDITION=<year>), or name a file: make report PARAMS=path.yml" >&2; exit 2; }

report: params-file $(INSTALLED)
	$(BUILD) --renderer $(RENDERER)

data: params-file $(INSTALLED)
	$(BUILD) --until data

validate: params-file $(INSTALLED)
	$(BUILD) --until validate

notebooks: params-file $(INSTALLED)
	$(BUILD) --until chapters

# Start an edition: params/$(YEAR).yml from the newest edition's params (or FROM=<year>), with every
# value that must be filled in marked; never over an existing file.
edition: $(INSTALLED)
	@test -n "$(YEAR)" || { echo "spiegel: name the year: make edition YEAR=<year> [FROM=<year>] (editions here: $(or $(EDITIONS),none))" >&2; exit 2; }
	$(SPIEGEL) new-edition $(YEAR) $(if $(FROM),--from $(FROM))

# The reviewer's overview between two built editions (spiegel review): key figures that moved more
# than their uncertainty, sentences whose wording changed, params/contracts/sources that changed.
# Reads both editions' books and build states, writes only _book/review-<from>-<to>.{html,md,json}
# (or OUT=file.html|folder); an edition not built is named with the make report to run (exit 2).
review: $(INSTALLED)
	@$(SPIEGEL) review $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO)) $(if $(OUT),--out $(OUT))

# Store fresh outputs in the committed notebooks (what nbval compares against); synthetic data only.
refresh-notebooks: validate
	$(SPIEGEL) --params $(PARAMS) refresh

# The tests read every edition's data: each params/<year>.yml's data step first (the synthetic
# default writes the files; real data are checked to exist).
test: $(INSTALLED)
	@for year in $(EDITIONS); do SPIEGEL_COMMAND="make test" $(SPIEGEL) --params params/$$year.yml build --until data || exit 1; done
	$(VENV)/bin/python -m pytest --nbval-lax --color=no notebooks/ tests/

# Re-execute and render one chapter: make preview CHAPTER=gemeenten (prints where the page is).
preview: data
	@test -n "$(CHAPTER)" || { echo "spiegel: name the chapter: make preview CHAPTER=<id> (see chapters: in $(PARAMS))" >&2; exit 2; }
	$(SPIEGEL) --params $(PARAMS) preview --chapter $(CHAPTER)

# Open the chapters in JupyterLab (installed into .venv the first time), on this edition's params.
lab: data
	@$(VENV)/bin/python -c "import jupyterlab" 2>/dev/null || { \
	  echo "spiegel: installing JupyterLab into $(VENV) (once, about a minute)"; \
	  $(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,edit]'; }
	SPIEGEL_PARAMS=$(abspath $(PARAMS)) $(VENV)/bin/jupyter lab --notebook-dir=notebooks \
	  $$(test "$$(id -u)" = 0 && echo --allow-root)

clean:
	rm -rf build _book _book.tmp-* _book.old-*

distclean: clean
	rm -rf $(VENV) data
