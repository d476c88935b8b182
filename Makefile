# make book : build the website into _build/html (bootstraps .venv on first use)
# make test : unit tests, strict nbval on every notebook, the book build with warnings as errors,
#             then the browser suite on the built site (make browser)
# make execute : re-execute every notebook in place in a fresh kernel (after changing one)
# make bench : python -m gru_lib.bench, the speed table against torch.nn.GRU

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(shell find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)

.PHONY: book test unit nbval build-strict browser chromium execute bench clean

# Notebooks run two at a time on two cores (pytest -n 2): one BLAS/OpenMP thread per kernel, the
# same when they are executed (make execute) as when nbval checks them. The benchmark is not limited.
ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

# The exact versions are the `name==version` lines of environment.yml (the one lock, shared with Binder).
$(STAMP): environment.yml pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	sed -n 's/^ *- \([A-Za-z0-9_.-]*==[^ ]*\)$$/\1/p' environment.yml > $(VENV)/requirements.txt
	$(BIN)/python -m pip install --quiet -r $(VENV)/requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build .
	@echo "The book is built: open $(CURDIR)/_build/html/index.html"

test: unit nbval build-strict browser

unit: $(STAMP)
	$(ONE_THREAD) $(BIN)/python -m pytest -q -n 2 --ignore=tests/browser tests

nbval: $(STAMP)
	@start=$$(date +%s); \
	$(ONE_THREAD) $(BIN)/python -m pytest -q -n 2 --dist loadfile --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg $(NOTEBOOKS) || exit $$?; \
	echo "strict nbval over $(words $(NOTEBOOKS)) notebooks took $$(( $$(date +%s) - start )) s"

build-strict: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . -W -n --keep-going

# The built site in Debian's Chromium (Playwright, no browser download), offline: tests/browser.
# Screenshots of a few pages go to _build/screenshots/.
CHROMIUM := /usr/bin/chromium

browser: $(STAMP) chromium
	@test -f _build/html/index.html || $(MAKE) build-strict
	@start=$$(date +%s); \
	$(BIN)/python -m pytest -q -n 2 tests/browser || exit $$?; \
	echo "browser suite took $$(( $$(date +%s) - start )) s; screenshots in _build/screenshots/"

# Debian's chromium package when it is missing (CI starts from a fresh machine, as root).
chromium:
	@test -x $(CHROMIUM) || { \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends chromium; }

execute: $(STAMP)
	$(ONE_THREAD) $(BIN)/python tests/execute_notebooks.py $(NOTEBOOKS)

bench: $(STAMP)
	$(BIN)/python -m gru_lib.bench

clean:
	rm -rf _build $(VENV)
