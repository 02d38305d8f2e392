"""Fault injection: Slack failing on purpose (an error, a 429 with Retry-After, an HTTP error, a dropped
connection, an outage, a call held before its answer) and Slack's per-method rate tiers."""

from __future__ import annotations

import asyncio
import json
import math
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.devtools.emulator.methods import METHODS
from bot.devtools.emulator.state import Workspace

# Non-Web-API endpoints that `fail()` can target by these names.
PSEUDO_METHODS = ("response_url", "file_upload")

RATE_TIERS: dict[str, str] = json.loads(Path(__file__).with_name("rate_limit_tiers.json").read_text())
TIER_PER_MINUTE = {"Tier1": 1, "Tier2": 20, "Tier3": 50, "Tier4": 100}


@dataclass
class Fault:
    method: str | None
    error: str | None = None
    status: int = 200
    retry_after: int | None = None
    times: int = 1
    connection_error: bool = False
    process: bool = False  # run the method (change state) before failing the response


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class Hold:
    """A call held after Slack did its work, before the caller hears back (see `SlackEmulator.hold`)."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.released = asyncio.Event()

    def release(self) -> None:
        self.released.set()


class FaultInjection(Workspace):
    """A workspace whose Web API can be told to fail; the HTTP side (web_api.py) asks it before each call."""

    def __init__(self, **workspace: Any) -> None:
        super().__init__(**workspace)
        self._faults: list[Fault] = []
        self._outage_status: int | None = None
        self._tiers_enabled = False
        self._holds: dict[str, Hold] = {}
        self._windows: dict[tuple[str, ...], deque[float]] = {}

    def fail(
        self,
        method: str | None,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        connection_error: bool = False,
        process: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` (None = any Web API method) fail.

        * `connection_error=True`: the connection is closed without a response.
        * `retry_after=N` or `status=429`: HTTP 429 with `Retry-After: N` (default 1) and
          `{"ok": false, "error": "ratelimited"}`.
        * `status>=400`: that status with `{"ok": false, "error": error}`; error defaults to
          "service_unavailable" for 503 and "fatal_error" otherwise.
        * otherwise: HTTP 200 `{"ok": false, "error": error or "fatal_error"}`.
        `process=True` runs the method first (state changes, hooks fire) and then fails the response —
        the "did my request go through?" case.  `method` may also be "response_url" or "file_upload".
        """
        if method is not None and method not in METHODS and method not in PSEUDO_METHODS:
            raise ValueError(f"fail(): {method!r} is not a method the emulator implements")
        if times < 1:
            raise ValueError("fail(): times must be >= 1")
        self._faults.append(
            Fault(
                method=method,
                error=error,
                status=status,
                retry_after=retry_after,
                times=times,
                connection_error=connection_error,
                process=process,
            )
        )

    def hold(self, method: str) -> Hold:
        """The next call of `method` runs (state changes) and then its answer waits until the test
        calls `release()`, or forever: the window in which a test kills the caller."""
        if method not in METHODS:
            raise ValueError(f"hold(): {method!r} is not a method the emulator implements")
        held = Hold()
        self._holds[method] = held
        return held

    def heal(self) -> None:
        """Slack is back: no outage, no pending injected faults."""
        self._outage_status = None
        self._faults.clear()

    def outage(self, on: bool, *, status: int = 503) -> None:
        """While on, every Web API call fails with `status`."""
        self._outage_status = status if on else None

    def tier_limits(self, enabled: bool) -> None:
        """Enforce Slack's per-method rate tiers (per emulator clock) with 429 + Retry-After."""
        self._tiers_enabled = enabled
        self._windows.clear()

    def _take_fault(self, method: str) -> Fault | None:
        if self._outage_status is not None and method not in PSEUDO_METHODS:
            return Fault(method=None, status=self._outage_status)
        for fault in self._faults:
            if fault.method == method or (fault.method is None and method not in PSEUDO_METHODS):
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _fault_reply(fault: Fault) -> tuple[int, dict[str, Any], dict[str, str]]:
        if fault.retry_after is not None or fault.status == 429:
            retry_after = 1 if fault.retry_after is None else fault.retry_after
            return 429, {"ok": False, "error": fault.error or "ratelimited"}, {"Retry-After": str(retry_after)}
        default = "service_unavailable" if fault.status == 503 else "fatal_error"
        return fault.status, {"ok": False, "error": fault.error or default}, {}

    def _enforce_tier(self, method: str, args: dict[str, Any]) -> None:
        if not self._tiers_enabled:
            return
        if method == "chat.postMessage":
            key: tuple[str, ...] = (method, str(args.get("channel")))
            limit, window = 1, 1.0
        else:
            per_minute = TIER_PER_MINUTE.get(RATE_TIERS.get(method, ""))
            if per_minute is None:
                return  # special tiers ("hundreds per minute") are not limited
            key, limit, window = (method,), per_minute, 60.0
        now = self.now()
        recent = self._windows.setdefault(key, deque())
        while recent and recent[0] <= now - window:
            recent.popleft()
        if len(recent) >= limit:
            raise RateLimited(max(1, math.ceil(recent[0] + window - now)))
        recent.append(now)
