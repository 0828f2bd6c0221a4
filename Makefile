# Two commands on a fresh machine:
#   make demo   set everything up, transcribe + diarize the real two-speaker call in data/call/
#   make test   set everything up, run the whole test suite (real models, offline)
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 1

.PHONY: setup system venv demo test test-fast clean

setup: system venv

# ffmpeg decodes input, espeak-ng + sox synthesize test meetings, wordnet-base lemmatizes topics.
system:
	@if ! command -v ffmpeg >/dev/null || ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null \
	    || [ ! -f /usr/share/wordnet/index.noun ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq ffmpeg espeak-ng sox wordnet-base >/dev/null; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: setup
	$(VENV)/bin/meeting-analytics transcribe data/call/sample.wav --output_dir out/demo
	@echo "Outputs (txt, srt, vtt, tsv, json, rttm) in out/demo/"

test: setup
	$(PY) -m pytest -v --durations=15

test-fast: setup
	$(PY) -m pytest -v -m "not models"

clean:
	rm -rf out .pytest_cache
