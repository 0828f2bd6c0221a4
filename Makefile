# Two commands on a fresh machine:
#   make demo   set everything up, analyse the real two-speaker call in data/call/: prints the per-speaker
#               table (talk share, words per minute, questions, fillers per minute) and the path of report.html
#   make test   set everything up, run the whole test suite (real models, offline)
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 1
# wait (up to 10 min) for another apt/dpkg run to finish instead of failing on its lock; apt-get update
# does not honour the timeout (apt 2.6), so it is retried
APT_WAIT := -o DPkg::Lock::Timeout=600

.PHONY: setup system venv demo lint test test-fast docs notebooks clean

setup: system venv

# ffmpeg decodes input, espeak-ng + sox synthesize test meetings, wordnet-base lemmatizes topics,
# chromium-headless-shell renders HTML reports (tests and screenshots).
system:
	@if ! command -v ffmpeg >/dev/null || ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null \
	    || [ ! -f /usr/share/wordnet/index.noun ] || ! command -v chromium-headless-shell >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  for i in $$(seq 60); do $$SUDO apt-get update -qq && break; echo "apt-get update: retrying in 10 s"; sleep 10; done; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get $(APT_WAIT) install -y -qq \
	    ffmpeg espeak-ng sox wordnet-base chromium-headless-shell fonts-dejavu-core >/dev/null; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: setup
	$(VENV)/bin/meeting-analytics analyze data/call/sample.wav --output_dir out/demo
	@echo "Also in out/demo/: sample.json (the speaker-labelled transcript), sample_analytics/ (every table as CSV and Parquet, report.json)"

# ruff (style, unused names, bugbear) on all the Python in the repository, mypy on the package;
# both configured in pyproject.toml
lint: venv
	$(VENV)/bin/ruff check meeting_analytics tests benchmarks
	$(VENV)/bin/mypy

# the linters, the test suite and the notebooks (executed top to bottom, their cells assert on the outputs)
test: setup lint
	$(PY) -m pytest -v --durations=15 --nbmake tests notebooks

test-fast: setup
	$(PY) -m pytest -v -m "not models"

# the screenshots in docs/: the shipped call's report, the corpus report of the test batch (10 + 2 bad files),
# and the web app's job page (taken by the browser test)
docs: setup
	$(VENV)/bin/meeting-analytics analyze data/call/sample.wav -o out/docs -q
	$(VENV)/bin/meeting-analytics report out/docs/sample_analytics -o out/docs/report -f html --screenshot
	cp out/docs/report/sample.png docs/report_call_sample.png
	$(PY) -c "from meeting_analytics.evaluation.synth import write_batch; write_batch('out/docs/batch_in')"
	-$(VENV)/bin/meeting-analytics batch out/docs/batch_in -o out/docs/batch -q
	$(VENV)/bin/meeting-analytics corpus out/docs/batch --screenshot
	cp out/docs/batch/corpus/corpus.png docs/corpus_test_batch.png
	MEETING_ANALYTICS_DOCS=docs $(PY) -m pytest -q tests/test_web.py -k browser

# the notebooks executed in place, stored with their outputs and stamped (tests/test_notebooks.py checks the
# stamp against the code: run this after changing the package or a notebook)
notebooks: setup
	$(PY) notebooks/execute.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
