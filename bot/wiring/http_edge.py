"""What stands between the open port and Bolt: size and time limits, the signature check, and who may
see the health details. Everything here runs before a body is parsed.

aiohttp holds a connection whose request has not arrived in full until its keep-alive timer fires,
and that timer starts when the connection opens (and again after each answer), so `KEEPALIVE_SECONDS`
is also the deadline for a request's headers: a client that sends one header byte per second is cut
off then. A body has `BODY_READ_SECONDS` to arrive; after a refusal aiohttp drains what is left of it
for at most `LINGER_SECONDS` before it closes the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from typing import TypedDict

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("dealroom.http")

# A bigger body is refused before anything reads it. Not 64 KiB: a click on a full App Home carries the
# view back form-encoded, ~100 KB in Chinese and ~165 KB with emoji (tests/unit/test_request_sizes.py).
MAX_BODY_BYTES = 256 * 1024
KEEPALIVE_SECONDS = 5.0
BODY_READ_SECONDS = 5.0
LINGER_SECONDS = 1.0
SIGNATURE_WINDOW_SECONDS = 5 * 60  # SPEC section 1, as Slack's own check
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


class RunnerOptions(TypedDict):
    keepalive_timeout: float
    lingering_time: float


def runner_options() -> RunnerOptions:
    """aiohttp's defaults hold an idle or half-sent request for an hour (keep-alive 3630 s)."""
    return {"keepalive_timeout": KEEPALIVE_SECONDS, "lingering_time": LINGER_SECONDS}


def refuse(request: web.Request, error: web.HTTPException, reason: str) -> web.HTTPException:
    """`error`, to raise, logged as one short line: never the body, a header's value or a secret."""
    log.warning("refused %s %s from %s: %s", request.method, request.path, request.remote or "?", reason)
    return error


async def read_body(request: web.Request) -> bytes:
    """The raw body: 413 above MAX_BODY_BYTES (by Content-Length before reading, or while streaming),
    408 when it takes longer than BODY_READ_SECONDS."""
    size = request.content_length
    if size is not None and size > MAX_BODY_BYTES:
        raise refuse(request, _too_large(size), f"body of {size} bytes, above the {MAX_BODY_BYTES}-byte limit")
    try:
        async with asyncio.timeout(BODY_READ_SECONDS):
            return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise refuse(request, _too_large(None), f"streamed body above the {MAX_BODY_BYTES}-byte limit") from None
    except TimeoutError:
        raise refuse(request, web.HTTPRequestTimeout(text="body too slow"),
                     f"body not received within {BODY_READ_SECONDS:g} s") from None


def _too_large(size: int | None) -> web.HTTPRequestEntityTooLarge:
    return web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=size or MAX_BODY_BYTES + 1)


def signature_problem(verifier: SignatureVerifier, body: bytes, request: web.Request) -> str | None:
    """Why this request is not Slack's, or None. Slack's timestamp is whole seconds: anything else
    (text, a huge number, a missing header) is refused here, where slack_sdk's own check would raise."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not timestamp or not signature:
        return "no Slack signature"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "malformed X-Slack-Request-Timestamp"
    if abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        return "X-Slack-Request-Timestamp outside the 5-minute window"
    try:
        text = body.decode("utf-8")  # slack_sdk would decode it, and raise
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if not verifier.is_valid(text, timestamp, signature):
        return "bad signature"
    return None


def from_this_machine(request: web.Request) -> bool:
    """A loopback peer that no proxy forwarded. A proxy on this machine connects from loopback for
    everyone, so a request carrying a forwarding header counts as coming from outside."""
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address((request.remote or "").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def foreign_host(request: web.Request) -> bool:
    """For what listens on 127.0.0.1 only (the playground's page and its pretend Slack): a Host header
    naming anything else is another web site whose name was pointed at 127.0.0.1 (DNS rebinding)."""
    return (request.host or "").rsplit(":", 1)[0] not in LOCAL_HOSTS
