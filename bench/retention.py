"""One retention pass over a big outbox: how many rows it removes, how long it takes, how long its
longest transaction is, and how long a write of the bot waits meanwhile.

    .venv/bin/python bench/retention.py                    # SQLite, then PostgreSQL at 127.0.0.1:5432
    .venv/bin/python bench/retention.py --sqlite-only --rows 500000
    .venv/bin/python bench/retention.py --database-url postgresql+asyncpg://user@host:5432/postgres

Seeds a fresh migrated database (a temp SQLite file; on PostgreSQL a scratch database, dropped at the
end) with `--rows` delivered DMs older than the retention period (30 days), plus 5,000 recent ones and
500 pending and 100 parked old ones, and 20,000 old event ids. Then runs `scheduler.retention.prune`
as the hourly tick does, while another connection writes one small row every 20 ms as the bot would
(an event id in its own transaction), and prints the figures. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from models.infra.clock import FakeClock  # noqa: E402
from models.infra.db import create_engine, migrate, session_factory  # noqa: E402
from models.infra.tables import OutboxMessage, ProcessedEvent  # noqa: E402
from scheduler import retention  # noqa: E402

CHUNK = 10_000
PAYLOAD = {"text": "Your follow-up with Acme is due today", "blocks": [{"type": "section", "text": {
    "type": "mrkdwn", "text": "*D-42 Pilot* · Acme — call the CFO about the discount " * 3}}]}


def rows(count: int, status: str, start, *, spread: timedelta):  # type: ignore[no-untyped-def]
    step = spread / max(count, 1)
    for n in range(count):
        at = start + step * n
        yield dict(lane=f"dm:U{n % 1000:05d}", kind="dm", payload={**PAYLOAD, "user": f"U{n % 1000:05d}"},
                   status=status, attempts=1, not_before=at, created_at=at,
                   sent_at=at + timedelta(seconds=1) if status == "sent" else None)


async def seed(url: str, clock: FakeClock, count: int) -> float:
    started = time.perf_counter()
    engine = create_engine(url)
    await migrate(engine)
    now = clock.now()
    batches = [
        rows(count, "sent", now - timedelta(days=400), spread=timedelta(days=365)),  # a year, a month ago
        rows(500, "pending", now - timedelta(days=60), spread=timedelta(days=1)),
        rows(100, "parked", now - timedelta(days=60), spread=timedelta(days=1)),
        rows(5_000, "sent", now - timedelta(days=29), spread=timedelta(days=28)),
    ]
    async with session_factory(engine).begin() as session:
        for source in batches:
            chunk: list[dict] = []
            for row in source:
                chunk.append(row)
                if len(chunk) == CHUNK:
                    await session.execute(insert(OutboxMessage), chunk)
                    chunk = []
            if chunk:
                await session.execute(insert(OutboxMessage), chunk)
        await session.execute(insert(ProcessedEvent), [
            {"event_id": f"Ev{n}", "received_at": now - timedelta(days=3, seconds=n)} for n in range(20_000)])
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql("VACUUM ANALYZE")
    await engine.dispose()
    return time.perf_counter() - started


async def bot_writes(url: str, stop: asyncio.Event, waits: list[float]) -> None:
    """What the bot keeps doing meanwhile: a small write in a transaction of its own, every 20 ms."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    n = 0
    try:
        while not stop.is_set():
            began = time.perf_counter()
            async with sessions.begin() as session:
                session.add(ProcessedEvent(event_id=f"Live{n}-{uuid.uuid4().hex[:6]}", received_at=FakeClock().now()))
            waits.append(time.perf_counter() - began)
            n += 1
            await asyncio.sleep(0.02)
    finally:
        await engine.dispose()


async def measure(url: str, clock: FakeClock) -> dict[str, float]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    deps = SimpleNamespace(sessions=sessions, clock=clock, settings=SimpleNamespace(dealroom_outbox_retention_days=30))
    stop, waits = asyncio.Event(), []  # type: ignore[var-annotated]
    writer = asyncio.create_task(bot_writes(url, stop, waits))
    await asyncio.sleep(0.2)
    try:
        done = await retention.prune(deps)  # type: ignore[arg-type]
    finally:
        stop.set()
        await writer
    async with sessions() as session:
        left = dict((await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
    await engine.dispose()
    waits.sort()
    outbox, events = done["outbox"], done["processed_events"]
    return {"removed": outbox.rows, "batches": outbox.batches, "seconds": outbox.seconds,
            "longest_ms": outbox.longest_transaction * 1000, "events": events.rows,
            "events_seconds": events.seconds, "left_sent": left.get("sent", 0), "left_pending": left.get("pending", 0),
            "left_parked": left.get("parked", 0), "writes": len(waits),
            "write_p99_ms": waits[int(len(waits) * 0.99)] * 1000 if waits else 0.0,
            "write_max_ms": waits[-1] * 1000 if waits else 0.0}


async def postgres_database(server_url: str) -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"), timeout=3)
    except Exception as exc:
        print(f"PostgreSQL not reachable at {server_url}: {type(exc).__name__}; skipped")
        return None
    name = f"dealroom_bench_{uuid.uuid4().hex[:8]}"
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{server_url.rsplit('/', 1)[0]}/{name}"


async def drop_postgres(server_url: str, url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def run_one(label: str, url: str, count: int) -> None:
    clock = FakeClock()
    seeded = await seed(url, clock, count)
    f = await measure(url, clock)
    print(f"{label:10} seeded {count:,} old delivered rows in {seeded:.1f} s; one pass removed {f['removed']:,.0f} "
          f"in {f['seconds']:.2f} s ({f['batches']:.0f} transactions, {f['removed'] / f['seconds']:,.0f} rows/s), "
          f"longest transaction {f['longest_ms']:.0f} ms; {f['events']:,.0f} event ids in {f['events_seconds']:.2f} s")
    print(f"{'':10} kept: {f['left_sent']:,.0f} recent delivered, {f['left_pending']:,.0f} pending, "
          f"{f['left_parked']:,.0f} parked; a bot write meanwhile ({f['writes']:.0f} of them) waited "
          f"p99 {f['write_p99_ms']:.0f} ms, max {f['write_max_ms']:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server to create a scratch database on")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dealroom-bench-") as folder:
        asyncio.run(run_one("SQLite", f"sqlite+aiosqlite:///{folder}/bench.db", args.rows))
    if not args.sqlite_only:
        url = asyncio.run(postgres_database(args.database_url))
        if url:
            try:
                asyncio.run(run_one("PostgreSQL", url, args.rows))
            finally:
                asyncio.run(drop_postgres(args.database_url, url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
