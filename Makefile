# The two commands a newcomer needs: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-dates lint typecheck install bench clean i18n

run: $(STAMP)
	@$(BIN)/dealroom start

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -rs -p no:cacheprovider -n auto

# The tests that run on the fake clock, once more in another week: by default a year ahead, in a week
# Berlin changes its clocks (tests/clock.py); DEALROOM_TEST_CLOCK_START=2027-10-25 picks the Monday.
ON_THE_FAKE_CLOCK := tests/scenario tests/test_backup.py
test-dates: $(STAMP)
	start=$${DEALROOM_TEST_CLOCK_START:-$$($(BIN)/python -m tests.clock --year-ahead)} && test -n "$$start" && \
	  DEALROOM_TEST_CLOCK_START=$$start $(BIN)/pytest -q -rs -p no:cacheprovider -n auto $(ON_THE_FAKE_CLOCK)

lint: $(STAMP)
	$(BIN)/ruff check .

# The type checker, as configured in pyproject.toml ([tool.mypy]): strict on models/, standard elsewhere.
typecheck: $(STAMP)
	$(BIN)/mypy

install: $(STAMP)

# Re-extract the translatable texts and update the zh_CN catalogue (then translate the new entries).
i18n: $(STAMP)
	$(BIN)/python -m bot.devtools.catalogue

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

bench: $(STAMP)
	$(BIN)/python bench/ack.py
	$(BIN)/python bench/ack.py --pending-outbox 1000
	$(BIN)/python bench/burst.py
	$(BIN)/python bench/outage.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/digest.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis *.egg-info
