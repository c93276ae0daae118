# `make test`, `make crawl`, `make demo`: each creates .venv when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
DATA ?= ../shared/data

.PHONY: test crawl demo train bench bench-quality bench-export bench-speed bench-store bench-crawl bench-incremental soak clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

test: $(STAMP)
	$(PY) -m pytest -q

crawl: $(STAMP)
	mkdir -p data
	$(VENV)/bin/scrapy crawl news

demo: $(STAMP)
	$(VENV)/bin/ingest demo --db data/demo.db

# The learned body model (ingest/extract/body_model.*) from $(DATA); CHECK=1 only says whether
# the committed files are what the data and code produce. About 2 minutes, one thread.
TRAIN_STAMP := $(VENV)/.installed-train
$(TRAIN_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[test,train]'
	touch $@

train: $(TRAIN_STAMP)
	$(PY) -m ingest.extract.train --data $(DATA) $(if $(CHECK),--check)

bench-quality: $(BENCH_STAMP)
	$(PY) bench/quality.py $(DATA)/naeb-dev
	$(PY) bench/quality.py $(DATA)/trafilatura-eval

# Performance (bench/README.md): extraction vs trafilatura and an lxml parse, the store
# pipeline and full-text queries at 100,000 articles, crawls of generated sites of 2,000 and
# 20,000 articles. Several minutes each; not part of make test.
bench-speed: $(BENCH_STAMP)
	$(PY) bench/extract_speed.py $(DATA)/naeb-dev

bench-store: $(STAMP)
	$(PY) bench/store.py --articles 100000

bench-crawl: $(STAMP)
	$(PY) bench/crawl.py --pages 2000 --pages 20000

# Two crawls of a generated 2,000-article site, 20 articles changed between them (about 1 min).
bench-incremental: $(STAMP)
	$(PY) bench/incremental.py --pages 2000 --changed 20

bench: bench-quality bench-speed bench-store bench-crawl

# Peak memory of exports at 100,000 articles (a few minutes; not part of make test).
bench-export: $(STAMP)
	$(PY) bench/export_memory.py 100000

# Not in `make test`: 20,000 pages with 5% faults while an analyst queries (about 3 min).
SOAK_PAGES ?= 20000
soak: $(STAMP)
	$(PY) bench/soak.py --pages $(SOAK_PAGES)

clean:
	rm -rf $(VENV) data/demo.db* .pytest_cache
