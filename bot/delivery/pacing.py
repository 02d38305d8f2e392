"""Stay under Slack's per-method rate limits instead of provoking 429s, and honour a 429 for the
whole method: one method's Retry-After pauses that method everywhere in this process.

Slack counts calls per method per workspace in a minute (Tier 2 = 20/min, ...) and chat.postMessage
per channel (about 1/s). A sliding window per method (and per channel for chat.postMessage) lets a
call through only while the last window holds fewer calls than the tier allows; otherwise it says
how long to wait, and the outbox schedules the message for then (on its clock, so tests can step).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from importlib import resources

TIER_PER_MINUTE = {"Tier1": 1, "Tier2": 20, "Tier3": 50, "Tier4": 100}
WINDOW_SECONDS = 61.0  # a second of slack for the network between our count and Slack's
# chat.postMessage: about 1 per second per channel. Slack allows short bursts but does not say how long;
# a burst it refuses costs a 429 and a wait, so one a second (with a margin) it is.
POST_PER_CHANNEL = (1, 1.1)


def load_tiers() -> dict[str, str]:
    tiers = resources.files("bot.delivery").joinpath("data/rate_limit_tiers.json")
    return json.loads(tiers.read_text(encoding="utf-8"))


class Pacer:
    def __init__(self, now: Callable[[], float], tiers: dict[str, str] | None = None) -> None:
        self._now = now
        self._tiers = load_tiers() if tiers is None else tiers
        self._windows: dict[tuple[str, ...], deque[float]] = {}
        self._not_before: dict[str, float] = {}

    def _limit(self, method: str, channel: str | None) -> tuple[tuple[str, ...], int, float] | None:
        if method == "chat.postMessage":
            if not channel:
                return None
            return (method, channel), POST_PER_CHANNEL[0], POST_PER_CHANNEL[1]
        per_minute = TIER_PER_MINUTE.get(self._tiers.get(method, ""))
        if per_minute is None:
            return None  # special tiers ("hundreds per minute")
        return (method,), per_minute, WINDOW_SECONDS

    def wait(self, method: str, channel: str | None = None) -> float:
        """Seconds until `method` may be called; 0 means now, and the call is counted."""
        now = self._now()
        blocked = self._not_before.get(_blocking_key(method, channel), 0.0) - now
        if blocked > 0:
            return blocked
        limit = self._limit(method, channel)
        if limit is None:
            return 0.0
        key, count, window = limit
        recent = self._windows.setdefault(key, deque())
        while recent and recent[0] <= now - window:
            recent.popleft()
        if len(recent) >= count:
            return recent[0] + window - now
        recent.append(now)
        if len(self._windows) > 10_000:  # forget idle per-channel windows
            self._windows = {k: v for k, v in self._windows.items() if v and v[-1] > now - window}
        return 0.0

    def rate_limited(self, method: str, retry_after: float, channel: str | None = None) -> None:
        """Slack said 429: nobody in this process calls `method` (for chat.postMessage: in that
        channel) before Retry-After has passed."""
        key = _blocking_key(method, channel)
        self._not_before[key] = max(self._now() + retry_after, self._not_before.get(key, 0.0))


def _blocking_key(method: str, channel: str | None) -> str:
    return f"{method}:{channel}" if method == "chat.postMessage" else method
