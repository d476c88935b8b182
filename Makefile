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

# Notebooks run two at a time on two cores (pytest -n 2), each kernel with one BLAS/OpenMP thread and
# with the same code paths on every x86-64 CPU, so that the outputs stored in a notebook are reproduced
# bit for bit on another machine (a seeded float32 training run drifts with the last bit of a sum, and
# Intel and AMD CPUs otherwise get different kernels): NumPy without its AVX-512 paths, OpenBLAS's
# Haswell kernels, PyTorch's and oneDNN's AVX2 kernels, and MKL (PyTorch's BLAS) in its
# vendor-independent reproducibility mode. The same settings when notebooks are executed (make
# execute) as when nbval checks them. The notebooks that time PyTorch (SPEED_NOTEBOOKS: Chapter 6,
# Section 8.1 on minGRU, Chapter 11) keep MKL's fastest path, since that mode slows torch's matrix
# products severalfold and would distort what they compare; none of their checked outputs depends on
# MKL's bits (their stored outputs from another CPU passed here). The benchmark is not limited at all.
ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
SAME_PATHS := $(ONE_THREAD) NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR" \
              OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2
SAME_BITS  := $(SAME_PATHS) MKL_CBWR=COMPATIBLE
SPEED_NOTEBOOKS := book/comparisons/06_gru_lstm_rnn_measured.ipynb book/architectures/08_mingru.ipynb \
                   book/performance/11_performance.ipynb
OTHER_NOTEBOOKS := $(filter-out $(SPEED_NOTEBOOKS),$(NOTEBOOKS))
NBVAL := $(BIN)/python -m pytest -q -n 2 --dist loadfile --nbval --nbval-current-env \
         --nbval-sanitize-with tests/nbval_sanitize.cfg

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
	$(SAME_BITS) $(NBVAL) $(OTHER_NOTEBOOKS) && $(SAME_PATHS) $(NBVAL) $(SPEED_NOTEBOOKS) || exit $$?; \
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
	$(SAME_BITS) $(BIN)/python tests/execute_notebooks.py $(OTHER_NOTEBOOKS)
	$(SAME_PATHS) $(BIN)/python tests/execute_notebooks.py $(SPEED_NOTEBOOKS)

bench: $(STAMP)
	$(BIN)/python -m gru_lib.bench

clean:
	rm -rf _build $(VENV)
