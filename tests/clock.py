"""Settable clocks for tests: pure decisions take `now`, and services take a clock callable.

`Clock` stands still until advanced. `RunningClock` starts at a fixed time and then runs at the pace of the real
(monotonic) clock: for tests of the running service, whose schedulers and timeouts need time to pass, but whose
outcome must not depend on the hour the suite happens to run at.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class RunningClock:
    def __init__(self, start: datetime) -> None:
        self.start = start
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._started)
