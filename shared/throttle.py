"""Rate limits per client, in process (each service runs one process per database), with the
maintained ``limits`` library (moving window, in-memory storage).

The client is the address the gateway saw: nginx overwrites ``X-Forwarded-For`` with
``$remote_addr`` and uvicorn trusts it only from the gateway, so a client cannot pick its own.
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from shared.errors import Throttled


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def seconds_until_free(limiter: MovingWindowRateLimiter, item: RateLimitItem, *key: str) -> float:
    """How long until ``item``'s window for ``key`` takes one more (at least a second)."""
    stats = await limiter.get_window_stats(item, *key)
    return max(1.0, stats.reset_time - time.time())


class Throttle:
    """``Throttle("20/minute;200/hour")``: refuse a key once any of its rates is used up."""

    def __init__(self, rates: str) -> None:
        self.items: list[RateLimitItem] = parse_many(rates)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, *key: str) -> float | None:
        """Count one use; ``None`` if allowed, else the seconds until the next use is."""
        for item in self.items:
            if not await self.limiter.hit(item, *key):
                return await seconds_until_free(self.limiter, item, *key)
        return None

    async def check(self, request: Request, scope: str, message: str) -> None:
        """Refuse (429 with ``Retry-After`` at the edge) when the client is over; ``message`` is
        the Vietnamese text, translated at the edge like every refusal's."""
        wait = await self.hit(scope, client_address(request))
        if wait is not None:
            raise Throttled(message, retry_after=math.ceil(wait))
