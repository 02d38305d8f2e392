"""10,000 follow-up reminders due in the same minute, two `dealroom run` processes on one PostgreSQL
database, the Slack emulator enforcing Slack's rate limit for chat.postMessage (about one message a
second per conversation, 429 with Retry-After beyond it).

    .venv/bin/python bench/reminders.py [--reminders 10000] [--owners 1000]
                                        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Seeds a scratch database (deals, owners, follow-ups due 20 s after the processes start), starts the two
bot processes and waits until every reminder DM arrived (or --timeout). Prints the time from the due
moment until the last DM, DMs per second, 429s received, lost (due but never sent) and duplicates
(sent more than once); the last two must be 0. The floor set by Slack's per-conversation limit is
printed beside it: ceil(reminders / owners) seconds at one message per second per DM.
This is a benchmark, not a test: exit status 0 unless --strict and something was lost or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `tests` (the emulator) is not an installed package

from sqlalchemy import insert, make_url, text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bot.blocks.ids import ActionId, parse_reminder_value  # noqa: E402
from models.infra.db import create_engine, migrate, session_factory  # noqa: E402
from models.infra.tables import Deal, FollowUp, User  # noqa: E402
from tests.emulator import SlackEmulator  # noqa: E402

DEALROOM = ROOT / ".venv" / "bin" / "dealroom"
BOT_TOKEN = "xoxb-bench-token"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
DUE_AFTER_START = timedelta(seconds=20)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def scratch_database(admin_url: str) -> str:
    name = f"dealroom_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return str(make_url(admin_url).set(database=name).render_as_string(hide_password=False))


async def drop_database(admin_url: str, url: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    await admin.dispose()


async def seed(url: str, reminders: int, owners: int, due: datetime) -> None:
    engine = create_engine(url)
    await migrate(engine)
    now = datetime.now(UTC)
    ids = [f"U{n:06d}" for n in range(owners)]
    async with session_factory(engine).begin() as session:
        await session.execute(insert(User), [{"id": u, "tz": "Europe/Berlin", "created_at": now} for u in ids])
        await session.execute(insert(Deal), [
            {"id": n + 1, "title": f"Deal {n + 1}", "stage_key": "lead", "owner_id": ids[n], "created_by": ids[n],
             "created_at": now, "updated_at": now, "custom_fields": {}, "version": 1} for n in range(owners)])
        for start in range(0, reminders, 5000):
            await session.execute(insert(FollowUp), [
                {"deal_id": n % owners + 1, "owner_id": ids[n % owners], "due_at": due + timedelta(seconds=n % 30),
                 "text": f"follow-up {n}", "tz": "Europe/Berlin", "created_by": ids[n % owners],
                 "created_at": now - timedelta(days=2), "source": "followup"}
                for n in range(start, min(reminders, start + 5000))])
    await engine.dispose()


def start_bot(url: str, api_url: str, log_dir: Path, index: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": api_url, "DATABASE_URL": url, "PORT": str(free_port()), "HOST": "127.0.0.1",
           "LOG_LEVEL": "WARNING"}
    env.pop("SLACK_APP_TOKEN", None)
    log = (log_dir / f"bot{index}.log").open("wb")
    return subprocess.Popen([str(DEALROOM), "run"], env=env, cwd=log_dir, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)


def reminded(slack: SlackEmulator) -> tuple[Counter[int], int, float | None]:
    """(DMs per follow-up, 429s, when the last DM was accepted)."""
    sent: Counter[int] = Counter()
    limited, last = 0, None
    for call in slack.calls_to("chat.postMessage"):
        if call.status == 429:
            limited += 1
            continue
        if not call.ok:
            continue
        for block in call.args.get("blocks") or []:
            for element in block.get("elements", []):
                if element.get("action_id") == ActionId.REMINDER_DONE.value:
                    sent[parse_reminder_value(element["value"])[0]] += 1
                    last = call.at
    return sent, limited, last


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--owners", type=int, default=1_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get(
        "DEALROOM_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()

    slack = SlackEmulator(bot_token=BOT_TOKEN)
    await slack.start()
    slack.tier_limits(True)
    for n in range(args.owners):
        slack.add_user(f"U{n:06d}", f"rep{n}", tz="Europe/Berlin")
    url = await scratch_database(args.database_url)
    bots: list[subprocess.Popen[bytes]] = []
    try:
        due = datetime.now(UTC) + DUE_AFTER_START
        await seed(url, args.reminders, args.owners, due)
        with tempfile.TemporaryDirectory() as logs:
            bots = [start_bot(url, slack.api_url, Path(logs), i) for i in range(args.processes)]
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                sent, _, _ = reminded(slack)
                if len(sent) >= args.reminders and datetime.now(UTC) > due + timedelta(seconds=30):
                    break
                if any(bot.poll() is not None for bot in bots):
                    print("a bot process exited early; its log:", file=sys.stderr)
                    print((Path(logs) / "bot0.log").read_text()[-3000:], file=sys.stderr)
                    return 1
                await asyncio.sleep(0.5)
            await asyncio.sleep(3)  # anything sent twice would arrive now
            sent, limited, last = reminded(slack)
    finally:
        for bot in bots:
            bot.terminate()
        for bot in bots:
            with contextlib.suppress(subprocess.TimeoutExpired):
                bot.wait(timeout=15)
        await slack.stop()
        await drop_database(args.database_url, url)

    lost = args.reminders - len(sent)
    duplicates = sum(count - 1 for count in sent.values())
    drain = (last - due.timestamp()) if last is not None else float("nan")
    floor = math.ceil(args.reminders / args.owners)
    print(f"reminders      {args.reminders:,} due within 30 s, {args.owners:,} owners, {args.processes} processes, "
          f"PostgreSQL")
    print(f"time to drain  {drain:.1f} s from the first due time to the last DM "
          f"(Slack's floor at 1 msg/s per DM: {floor} s, plus the 30 s spread)")
    print(f"throughput     {len(sent) / drain if drain > 0 else float('nan'):.0f} DMs/s")
    print(f"429s received  {limited:,}")
    print(f"lost           {lost}")
    print(f"duplicates     {duplicates}")
    return 1 if args.strict and (lost or duplicates) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
