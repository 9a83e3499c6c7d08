# The two set-up commands of the README: `make run` (install + clean the seeds) and `make test`.
PYTHON ?= python3
OUT ?= out/seeds

.PHONY: install run test test-fast lint clean-golden browser

install:
	$(PYTHON) -m pip install -q -e ".[dev]"

run: install
	$(PYTHON) -m flows.cli run seeds --out $(OUT) --pages

# Headless Chromium for the report tests, from Debian's packages (root on a fresh machine).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q chromium; }
	@# A CJK font (5 MB), else Chinese and Japanese text shows as boxes in headless screenshots.
	@fc-list 2>/dev/null | grep -qi wqy || { apt-get update -q && apt-get install -y -q fonts-wqy-microhei; } \
		|| echo "no CJK font installed: CJK text shows as boxes in screenshots"

test: install browser lint
	$(PYTHON) -m pytest -q -n 2

# For development: no Prefect server, no browser, nothing marked slow (73 s, 1332 of 1413 tests, on 2 cores
# at a load of ~2, 2026-12-02). CI runs the whole suite (`make test`): 2797 tests in 240 s in two processes,
# 796 s in one (the tests wait on servers and subprocesses more than on CPU; 2026-12-03).
test-fast:
	$(PYTHON) -m pytest -q -x -m "not slow and not prefect_server and not browser"

lint:
	$(PYTHON) -m ruff check .

# Regenerate the committed golden outputs on purpose after a rule change.
clean-golden:
	rm -rf clean && $(PYTHON) -m flows.cli run seeds --out clean
