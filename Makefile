# spiegel — build the Spiegel Bestaanszekerheid.
#   make report          set up .venv if needed, (synthesise,) validate, execute, render -> _book/
#   make test            set up .venv if needed, then unit, integration and nbval tests
#   make report RENDERER=quarto   render with the Quarto CLI instead (where it is installed)
#   make -j2 report      execute chapters side by side
# Incremental: a second `make report` with nothing changed executes no notebook.

EDITION  ?= 2022
PARAMS   ?= params/$(EDITION).yml
RENDERER ?= pandoc
PYTHON   ?= python3
VENV     := .venv
SPIEGEL  := $(VENV)/bin/spiegel
BUILD    := build/$(EDITION)
INSTALLED := $(VENV)/.installed

# What the steps read (besides the data files and notebooks listed in the generated deps).
SYNTH_SRC    := $(wildcard src/spiegel/synth/*.py src/spiegel/synth/*.yml src/spiegel/chapters/*/synth*)
CONTRACTS    := $(wildcard data_contracts/*.yml) src/spiegel/contracts.py src/spiegel/io.py
ANALYSIS_SRC := $(wildcard src/spiegel/*.py src/spiegel/chapters/*.py src/spiegel/chapters/*/*.py src/spiegel/chapters/*/*.yml)
RENDER_SRC   := $(wildcard src/spiegel/render/*) _quarto.yml

.PHONY: report test venv data validate notebooks refresh-notebooks clean distclean
.DELETE_ON_ERROR:

report: $(BUILD)/book.$(RENDERER).stamp
	@echo "spiegel: publication ready in _book/ (index.html, spiegel-bestaanszekerheid-$(EDITION).pdf)"

venv: $(INSTALLED)

# A local virtual environment with the pinned dependencies of pyproject.toml.
$(INSTALLED): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

# Data files, executed notebooks and per-chapter inputs, derived from the params file.
$(BUILD)/deps.mk: $(PARAMS) src/spiegel/build.py src/spiegel/params.py | $(INSTALLED)
	@mkdir -p $(@D)
	$(SPIEGEL) --params $(PARAMS) deps > $@.tmp && mv $@.tmp $@
-include $(BUILD)/deps.mk

ifeq ($(SYNTHETIC),yes)
# Synthetic data: regenerate when the generator or the params change. Files whose bytes do not
# change keep their mtime, so nothing downstream re-runs needlessly.
$(BUILD)/synth.stamp: $(PARAMS) $(SYNTH_SRC) | $(INSTALLED)
	$(SPIEGEL) --params $(PARAMS) synth
	@touch $@
$(DATA_FILES): $(BUILD)/synth.stamp
	@test -f $@ || $(SPIEGEL) --params $(PARAMS) synth
else
$(DATA_FILES):
	@test -f $@ || { echo "spiegel: data file $@ named in $(PARAMS) does not exist" >&2; exit 1; }
endif

data: $(DATA_FILES)

# The gate: every source must pass its contract before any chapter runs.
$(BUILD)/validation.stamp: $(DATA_FILES) $(CONTRACTS) $(PARAMS) | $(INSTALLED)
	$(SPIEGEL) --params $(PARAMS) validate
	@touch $@

validate: $(BUILD)/validation.stamp

# One executed notebook per chapter (its notebook and data prerequisites come from deps.mk).
$(BUILD)/notebooks/%.ipynb: $(PARAMS) $(ANALYSIS_SRC) | $(BUILD)/validation.stamp
	$(SPIEGEL) --params $(PARAMS) run --chapter $* --quiet

notebooks: $(EXECUTED)

$(BUILD)/book.$(RENDERER).stamp: $(EXECUTED) $(RENDER_SRC) $(BUILD)/validation.stamp
	$(SPIEGEL) --params $(PARAMS) render --renderer $(RENDERER)
	@touch $@

test: $(INSTALLED) $(DATA_FILES)
	$(VENV)/bin/python -m pytest --nbval-lax --color=no notebooks/ tests/

# Store fresh outputs in the committed notebooks (what nbval compares against).
refresh-notebooks: $(DATA_FILES) | $(BUILD)/validation.stamp
	$(SPIEGEL) --params $(PARAMS) refresh

clean:
	rm -rf build _book _book.tmp-* _book.old-*

distclean: clean
	rm -rf $(VENV) data
