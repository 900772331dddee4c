# spiegel — build the Spiegel Bestaanszekerheid.
#   make report          set up .venv if needed, (synthesise,) validate, execute, render -> _book/
#   make test            set up .venv if needed, then unit, integration and nbval tests
#   make report PARAMS=params/other.yml           another params file (its own build state)
#   make report RENDERER=quarto   render with the Quarto CLI instead (where it is installed)
#   make -j2 report      execute chapters side by side
# Incremental by content: a second `make report` with nothing changed executes no notebook; what
# re-runs is decided by the sha256 of the params, data, contracts, notebooks and package code,
# never by file dates. Each params file has its own build state, build/<edition>/<stem>-<hash>/.

EDITION  ?= 2022
PARAMS   ?= params/$(EDITION).yml
RENDERER ?= pandoc
PYTHON   ?= python3
VENV     := .venv
SPIEGEL  := $(VENV)/bin/spiegel
INSTALLED := $(VENV)/.installed

# The goals that read or write a build state: they run under the edition's build lock.
BUILD_GOALS := report data validate notebooks refresh-notebooks

.PHONY: report test venv data validate notebooks refresh-notebooks preview lab clean distclean FORCE
.DEFAULT_GOAL := report
.DELETE_ON_ERROR:

venv: $(INSTALLED)

# A local virtual environment with the pinned dependencies of pyproject.toml.
$(INSTALLED): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

test: $(INSTALLED) data
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

FORCE:

ifneq ($(SPIEGEL_BUILD_ROOT),$(CURDIR))
# ---- Outer make: take the edition's build lock, then make the goal again under it. A second build
# of the same edition stops at once, naming the one that runs. `spiegel lock` tells the inner make
# the build state of this params file (SPIEGEL_STATE) and releases the lock when it ends, however.
.NOTPARALLEL:
$(BUILD_GOALS): | $(INSTALLED)
	+@$(SPIEGEL) --params $(PARAMS) lock -- $(MAKE) --no-print-directory $@

else
# ---- Inner make (holds the lock).
BUILD := $(SPIEGEL_STATE)

# Fingerprints: on every run, `spiegel fingerprint` hashes every input and rewrites
# $(BUILD)/fp/<name>.sha256 only where the hash changed, and writes deps.mk (data files, executed
# notebooks, per-chapter inputs). The rules below depend on these fingerprint files, so a file
# replaced by one with an older date is noticed and a touched file re-runs nothing.
$(BUILD)/deps.mk: FORCE | $(INSTALLED)
	@$(SPIEGEL) --params $(PARAMS) fingerprint
include $(BUILD)/deps.mk

FP := $(BUILD)/fp
$(FP)/%.sha256: ;

ifeq ($(SYNTHETIC),yes)
# Synthetic data: regenerate when the generator or the params change (or a file is missing).
# Files whose bytes do not change keep their fingerprint, so nothing downstream re-runs needlessly.
$(BUILD)/synth.stamp: $(FP)/params.sha256 $(FP)/code/synth.sha256 $(if $(MISSING_DATA),FORCE)
	$(SPIEGEL) --params $(PARAMS) synth
	@$(SPIEGEL) --params $(PARAMS) fingerprint
	@touch $@
$(FP_DATA): $(BUILD)/synth.stamp
data: $(BUILD)/synth.stamp
else
data:
	@$(if $(MISSING_DATA),echo "spiegel: data file(s) named in $(PARAMS) do not exist: $(MISSING_DATA)" >&2; exit 1,:)
endif

# The gate: every source must pass its contract before any chapter runs. It re-runs whenever the
# content of a data file, a contract, the params or the validation code changes (and is not
# the content of the last validation, which passed: data changed and changed back).
$(BUILD)/validation.stamp: $(FP_DATA) $(FP_CONTRACTS) $(FP)/params.sha256 $(FP)/code/validation.sha256 | data
	$(SPIEGEL) --params $(PARAMS) validate --if-changed
	@touch $@

validate: $(BUILD)/validation.stamp

# One executed notebook per chapter (its notebook and data fingerprints come from deps.mk).
# --if-changed: a chapter whose last run was from exactly the current inputs is not executed again.
$(BUILD)/notebooks/%.ipynb: $(FP)/params.sha256 $(FP)/code/analysis.sha256 | $(BUILD)/validation.stamp
	$(SPIEGEL) --params $(PARAMS) run --chapter $* --quiet --if-changed

notebooks: $(EXECUTED)

# The book: rendered unless _book/manifest.json already names exactly this state (so switching
# PARAMS or RENDERER back re-renders); then the manifest is checked against the files as they are
# now, and only then "publication ready" is printed.
report: $(EXECUTED) $(BUILD)/validation.stamp FORCE
	@$(SPIEGEL) --params $(PARAMS) publish --renderer $(RENDERER)

# Store fresh outputs in the committed notebooks (what nbval compares against).
refresh-notebooks: $(BUILD)/validation.stamp
	$(SPIEGEL) --params $(PARAMS) refresh
endif
