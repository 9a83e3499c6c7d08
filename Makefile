# The two set-up commands of the README: `make run` (install + clean the seeds) and `make test`.
PYTHON ?= python3
OUT ?= out/seeds

.PHONY: install run test clean-golden browser

install:
	$(PYTHON) -m pip install -q -e ".[dev]"

run: install
	$(PYTHON) -m flows.cli run seeds --out $(OUT)

# Headless Chromium for the report tests, from Debian's packages (root on a fresh machine).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q chromium; }

test: install browser
	$(PYTHON) -m pytest -q

# Regenerate the committed golden outputs on purpose after a rule change.
clean-golden:
	rm -rf clean && $(PYTHON) -m flows.cli run seeds --out clean
