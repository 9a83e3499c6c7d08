"""A test hook: BOILERCLEAN_TEST_HOLD=PHASE:SECONDS holds a run at PHASE (start or middle) for SECONDS.

tests/test_serve_stop.py uses it to send SIGTERM at a chosen moment of a served flow run. Unset (the
normal case), it does nothing.
"""

from __future__ import annotations

import os
import time

HOLD_ENV = "BOILERCLEAN_TEST_HOLD"


def hold_if_asked(phase: str, logger) -> None:
    """Sleep here when the hook names this phase ("start": the flow's first line; "middle": after a batch)."""
    asked, _, seconds = os.environ.get(HOLD_ENV, "").partition(":")
    if asked != phase:
        return
    logger.info("test hook: holding the run at its %s for %s s", phase, seconds)
    time.sleep(float(seconds or 0))
