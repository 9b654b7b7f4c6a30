# Visage: `make run` opens the editor on the sample photo, `make test` runs the tests.
# Both set up everything from nothing: .venv, the pinned packages, the csrc/ build.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEPS   := $(VENV)/.deps-installed
NATIVE := build/.csrc-built

.PHONY: setup build run test bench clean

setup: $(DEPS)

$(DEPS): requirements.txt Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# pinned: a bare `torch` would pull a multi-GB CUDA build
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -r requirements.txt
	# 0.10.21 is the last release that ships its models in the wheel; --no-deps keeps numpy 2
	# and the headless OpenCV
	$(BIN)/python -m pip install -q --no-deps mediapipe==0.10.21
	touch $@

build: $(NATIVE)

$(NATIVE): $(DEPS) setup.py $(wildcard csrc/*)
	$(BIN)/python setup.py -q build_ext --inplace
	mkdir -p build && touch $@

run: build
	$(BIN)/python main.py --sample

test: build
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q tests

bench: build
	$(BIN)/python bench/filter.py

clean:
	rm -rf build inference/_C*.so
