"""Small helpers the benchmark scripts share."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(check: Callable[[], Any], deadline_s: float, what: str, every: float = 0.1) -> Any:
    """Poll ``check`` until it returns something true (returned), or fail after ``deadline_s``."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out: {what}")
        time.sleep(every)
