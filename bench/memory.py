"""Memory and start-up of a real `dealroom run` process (SQLite, the emulator as Slack).

    .venv/bin/python bench/memory.py [--deals 10000]

Prints the time from exec to a healthy `GET /healthz`, the idle RSS after start, and the idle RSS
after the database holds `--deals` deals and the bot has served commands over them.
Targets: start-up < 3 s, idle RSS < 120 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from common import REPS, SIGNING_SECRET, AcceleratedClock, new_emulator

DEALROOM = Path(sys.executable).with_name("dealroom")
START_TARGET_S = 3.0
RSS_TARGET_MB = 120.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(http: aiohttp.ClientSession, url: str, proc: subprocess.Popen, within: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if proc.poll() is not None:
            raise RuntimeError(f"dealroom run exited with {proc.returncode}")
        try:
            async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (TimeoutError, aiohttp.ClientError):
            pass
        await asyncio.sleep(0.02)
    raise RuntimeError("not healthy in time")


async def add_deals(database_url: str, count: int) -> float:
    """`count` deals as `/deal new` makes them, their Slack work marked done (the channels exist)."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import update

    from models.deals import service as deals
    from models.deals.service import FieldChanges
    from models.infra.db import create_engine, session_factory
    from models.infra.tables import Deal, OutboxMessage
    from models.people.users import load_actor
    from models.pipeline import load_pipeline
    from models.pipeline.workspace import Workspace

    started = time.monotonic()
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    ws = Workspace(pipeline=load_pipeline("standard"), locale="en", default_tz=ZoneInfo("UTC"), feed_channel=None,
                   admin_ids=frozenset())
    clock = AcceleratedClock(1)
    done = 0
    while done < count:
        async with sessions.begin() as session:
            for i in range(done, min(count, done + 1000)):
                actor = await load_actor(session, REPS[i % len(REPS)], ws.admin_ids)
                await deals.create_deal(session, ws, actor, FieldChanges(title=f"Deal {i}", customer=f"Customer {i}"),
                                        owner_id=None, now=clock.now())
            done = min(count, done + 1000)
        async with sessions.begin() as session:
            await session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending")
                                  .values(status="sent"))
            await session.execute(update(Deal).where(Deal.channel_id.is_(None))
                                  .values(channel_id="C0FAKE" + Deal.id.cast(__import__("sqlalchemy").String),
                                          card_ts="1700000000.000100"))
    await engine.dispose()
    return time.monotonic() - started


async def run(count: int) -> int:
    from tests.signing import signed_headers

    emulator = new_emulator(AcceleratedClock(1))
    await emulator.start()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="dealroom-memory-") as tmp:
        database_url = f"sqlite+aiosqlite:///{Path(tmp) / 'dealroom.db'}"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "SLACK_BOT_TOKEN": emulator.bot_token,
               "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": emulator.api_url,
               "DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(port), "LOG_LEVEL": "WARNING"}
        health = f"http://127.0.0.1:{port}/healthz"
        proc = subprocess.Popen([str(DEALROOM), "run"], env=env, cwd=tmp,  # noqa: ASYNC220
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            async with aiohttp.ClientSession() as http:
                start_s = await wait_healthy(http, health, proc)
                await asyncio.sleep(3)
                idle_start = rss_mb(proc.pid)
                fill_s = await add_deals(database_url, count)

                async def deal(user: str, text: str, key: str) -> None:
                    import urllib.parse

                    body = urllib.parse.urlencode({
                        "team_id": "T0001", "channel_id": "C0GENERAL", "user_id": user, "command": "/deal",
                        "text": text, "api_app_id": "A0001", "response_url": emulator.response_url(key),
                        "trigger_id": f"t-{key}"})
                    headers = signed_headers(SIGNING_SECRET, body, content_type="application/x-www-form-urlencoded")
                    async with http.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(),
                                         headers=headers) as response:
                        await response.read()

                for i in range(50):
                    await deal(REPS[i % len(REPS)], "list" if i % 2 else f"info D-{1 + i * 197 % count}", f"k{i}")
                await deal(REPS[0], "new After the fill customer:Acme", "new")
                deadline = time.monotonic() + 30
                while len(emulator.responses) < 51 and time.monotonic() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
                await asyncio.sleep(3)
                idle_full = rss_mb(proc.pid)
                async with http.get(health) as response:
                    health_body = await response.json()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    await emulator.stop()
    print(f"Dealroom memory benchmark: `dealroom run` on SQLite, Python {sys.version.split()[0]}")
    print(f"start-up to healthy /healthz: {start_s:.2f} s (target < {START_TARGET_S:.0f} s)")
    print(f"idle RSS after start:         {idle_start:.1f} MB (target < {RSS_TARGET_MB:.0f} MB)")
    print(f"idle RSS after {count} deals and {len(emulator.responses)} answered commands: {idle_full:.1f} MB "
          f"(deals written in {fill_s:.1f} s)")
    print(f"/healthz: {health_body}")
    ok = start_s < START_TARGET_S and idle_start < RSS_TARGET_MB and idle_full < RSS_TARGET_MB
    print("PASS" if ok else "FAIL")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=10_000)
    args = parser.parse_args()
    return asyncio.run(run(args.deals))


if __name__ == "__main__":
    sys.exit(main())
