"""`dealroom run`'s port against slow and greedy clients, over real sockets (the limits in bot/wiring/http_edge.py).

A client that trickles its headers or its body, or opens a connection and says nothing, must lose the
socket within the limit, not after aiohttp's default hour; a body declared too big is refused at once.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from bot.wiring.http_edge import BODY_READ_SECONDS, KEEPALIVE_SECONDS, LINGER_SECONDS, MAX_BODY_BYTES
from tests.emulator import SlackEmulator
from tests.test_cli import BotProcess, bot_env, free_port

SLACK = "/slack/events"
GIVE_UP_AFTER = 20.0  # seconds: far above every limit, far below aiohttp's defaults (3630 s)
MARGIN = 1.5  # the event loop's timer granularity and a busy 2-core machine


async def trickle(port: int, head: bytes, drip: bytes) -> tuple[float, bytes]:
    """Send `head`, then `drip` one byte a second (an empty `drip`: nothing) until the server closes the
    connection, or GIVE_UP_AFTER. Returns how long the socket stayed open and what the server said."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started, answer = time.monotonic(), b""
    try:
        writer.write(head)
        await writer.drain()
        for second in range(int(GIVE_UP_AFTER) + 1):
            if drip[second:second + 1]:
                writer.write(drip[second:second + 1])
                await writer.drain()
            try:
                chunk = await asyncio.wait_for(reader.read(4096), timeout=1.0)
            except TimeoutError:
                continue
            answer += chunk
            if not chunk:
                return time.monotonic() - started, answer
        return GIVE_UP_AFTER, answer
    except (ConnectionResetError, BrokenPipeError):
        return time.monotonic() - started, answer
    finally:
        writer.close()


@pytest.fixture
async def running(slack: SlackEmulator, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = bot_env(slack, f"sqlite+aiosqlite:///{tmp_path / 'dealroom.db'}", free_port())
    (tmp_path / "cwd").mkdir()
    bot = BotProcess("bot", env, tmp_path / "cwd", tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            await bot.wait_healthy(http)
        yield bot
    finally:
        bot.kill()


async def test_slow_and_silent_clients_lose_the_socket_within_the_limits(running: BotProcess) -> None:
    headers = f"POST {SLACK} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
    slow_headers, slow_body, silent = await asyncio.gather(
        trickle(running.port, headers, b"X-Slowloris: " + b"a" * 30),
        trickle(running.port, headers + b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{",
                b"a" * 30),
        trickle(running.port, b"", b""),  # connects, then says nothing
    )
    report = {name: round(took, 1) for name, (took, _) in
              {"one header byte a second": slow_headers, "one body byte a second": slow_body,
               "silent": silent}.items()}
    print(f"\nsockets held (s): {report}")
    assert KEEPALIVE_SECONDS - MARGIN <= slow_headers[0] <= KEEPALIVE_SECONDS + MARGIN, report
    assert KEEPALIVE_SECONDS - MARGIN <= silent[0] <= KEEPALIVE_SECONDS + MARGIN, report
    body_limit = BODY_READ_SECONDS + LINGER_SECONDS
    assert BODY_READ_SECONDS - MARGIN <= slow_body[0] <= body_limit + MARGIN, report
    assert slow_body[1].startswith(b"HTTP/1.1 408"), slow_body[1][:80]
    assert "refused POST /slack/events" in running.stderr() and "body not received within" in running.stderr()


async def test_a_body_declared_too_big_is_refused_before_it_is_sent(running: BotProcess) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", running.port)
    try:
        started = time.monotonic()
        writer.write(f"POST {SLACK} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {100 * MAX_BODY_BYTES}\r\n\r\n".encode())
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), timeout=5)
        assert status.startswith(b"HTTP/1.1 413"), status
        assert time.monotonic() - started < 1.0, "answered without waiting for the body"
    finally:
        writer.close()
