"""Digests and reports at scale: 100 managers, 1,000 reps, 100,000 deals, 1,000,000 timeline rows.

    .venv/bin/python bench/digest.py [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
                                     [--sqlite-only] [--keep]

For SQLite (a temp file) and, when it answers, PostgreSQL (a scratch database created on the server
of --database-url and dropped afterwards):

1. seeds the book with bulk inserts (sqlite3 executemany / asyncpg COPY) in a child process, so
   the peak memory measured here is that of the work, not of the seeding;
2. times the real digest tick (`scheduler.digests.send_due_digests`) with all 100 managers due:
   claim, every figure in SQL, the outbox row (figures as JSON), in one transaction per manager; then the
   next Monday's tick (the dailies, 1,000 rep weekly reports and 100 team summaries), for information;
3. times one full `/deal report` for an admin (every deal, this month): `build_report` and the
   blocks, first in a fresh process (SQLAlchemy compiles each statement once) and then as a running
   bot answers it; then one for a manager's team; then the chart (drawn after the ack, at delivery);
4. prints the peak resident memory of this process (resource.getrusage).

Targets: all digests < 5 s, a report < 1 s, memory < 300 MB. Prints numbers; exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MANAGERS, REPS_PER_MANAGER, DEALS_PER_REP, TIMELINE_PER_DEAL = 100, 10, 100, 10
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday: the daily digest only
CHUNK = 50_000
OPEN = [("lead", 10), ("qualified", 20), ("discovery", 30), ("proposal", 50), ("negotiation", 70)]
SOURCES = ["web", "referral", "event", "partner", "outbound", None]
REASONS = ["price", "competitor", "no budget", "timing", "no decision"]
TARGETS = {"digests": 5.0, "report": 1.0, "memory_mb": 300.0}


# --- the book -----------------------------------------------------------------------------------


def managers() -> list[str]:
    return [f"UM{m:04d}" for m in range(MANAGERS)]


def reps_of(m: int) -> list[str]:
    return [f"UR{m:04d}{r:02d}" for r in range(REPS_PER_MANAGER)]


def users() -> Iterator[tuple]:
    for m, manager in enumerate(managers()):
        yield (manager, f"manager {m}", "UTC", None)
        for rep in reps_of(m):
            yield (rep, rep.lower(), "UTC", manager)


def deals() -> Iterator[dict]:
    """Deals with their stage changes, follow-ups and timeline rows, deterministic."""
    rnd = random.Random(42)
    number = 0
    for m in range(MANAGERS):
        for rep in reps_of(m):
            for _ in range(DEALS_PER_REP):
                number += 1
                created = NOW - timedelta(days=rnd.uniform(0, 365))
                amount = Decimal(rnd.randrange(5, 500) * 1000)
                path = OPEN[: rnd.randint(1, len(OPEN))]
                at = created
                changes = []
                previous = None
                for key, probability in path:
                    changes.append((previous, key, at, probability))
                    previous = key
                    at = min(NOW, at + timedelta(days=rnd.uniform(1, 20)))
                outcome = rnd.random()
                closed_at = lost_reason = won_amount = None
                stage = path[-1][0]
                if outcome < 0.25:
                    stage, closed_at, won_amount = "won", at, amount
                    changes.append((previous, "won", at, 100))
                elif outcome < 0.45:
                    stage, closed_at, lost_reason = "lost", at, rnd.choice(REASONS)
                    changes.append((previous, "lost", at, 0))
                yield {
                    "id": number, "title": f"Deal {number}", "customer": f"Customer {number % 5000}",
                    "amount": amount, "close_at": created + timedelta(days=rnd.uniform(30, 200)),
                    "source": rnd.choice(SOURCES), "stage_key": stage,
                    "last_open_stage_key": path[-1][0], "owner_id": rep, "created_by": rep,
                    "created_at": created, "updated_at": at, "closed_at": closed_at, "lost_reason": lost_reason,
                    "won_amount": won_amount, "changes": changes,
                    "followup": (NOW + timedelta(days=rnd.uniform(-20, 20))) if rnd.random() < 0.5 else None,
                }


def chunks(rows: Iterator, size: int = CHUNK) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def rows_of(batch: list[dict]) -> tuple[list[tuple], list[tuple], list[tuple], list[tuple]]:
    deal_rows, change_rows, followup_rows, timeline_rows = [], [], [], []
    for d in batch:
        deal_rows.append((d["id"], d["title"], d["customer"], d["amount"], d["close_at"], d["source"], d["stage_key"],
                          d["last_open_stage_key"], d["owner_id"], d["created_by"], d["created_at"], d["updated_at"],
                          d["closed_at"], d["lost_reason"], d["won_amount"], "{}", 1))
        for previous, key, at, probability in d["changes"]:
            change_rows.append((d["id"], previous, key, d["owner_id"], at, d["amount"], probability, False))
        if d["followup"] is not None:
            followup_rows.append((d["id"], d["owner_id"], d["followup"], "call back", "UTC", d["owner_id"],
                                  d["created_at"], "followup"))
        for i in range(TIMELINE_PER_DEAL):
            timeline_rows.append((d["id"], d["created_at"] + timedelta(hours=i), d["owner_id"], "note",
                                  f"note {i} on deal {d['id']}"))
    return deal_rows, change_rows, followup_rows, timeline_rows


DEAL_COLUMNS = ("id", "title", "customer", "amount", "close_at", "source", "stage_key", "last_open_stage_key",
                "owner_id", "created_by", "created_at", "updated_at", "closed_at", "lost_reason", "won_amount",
                "custom_fields", "version")
CHANGE_COLUMNS = ("deal_id", "from_stage", "to_stage", "actor_id", "at", "amount", "probability", "backward")
FOLLOWUP_COLUMNS = ("deal_id", "owner_id", "due_at", "text", "tz", "created_by", "created_at", "source")
TIMELINE_COLUMNS = ("deal_id", "at", "actor_id", "kind", "text")


def quota_rows() -> list[tuple]:
    month = date(NOW.year, NOW.month, 1)
    return [(rep, "month", month, Decimal(1_000_000), "UADMIN", NOW)
            for m in range(MANAGERS) for rep in reps_of(m)]


# --- seeding (in a child process) ---------------------------------------------------------------


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def seed_sqlite(path: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    created = _sqlite_value(NOW)
    conn.executemany("INSERT INTO users (id, name, tz, manager_id, created_at) VALUES (?, ?, ?, ?, ?)",
                     [(*u, created) for u in users()])
    conn.executemany("INSERT INTO quotas VALUES (?, ?, ?, ?, ?, ?)",
                     [tuple(_sqlite_value(v) for v in row) for row in quota_rows()])
    for batch in chunks(deals()):
        for table, columns, rows in zip(("deals", "stage_changes", "followups", "timeline"),
                                        (DEAL_COLUMNS, CHANGE_COLUMNS, FOLLOWUP_COLUMNS, TIMELINE_COLUMNS),
                                        rows_of(batch), strict=True):
            conn.executemany(_insert_sql(table, columns), [tuple(_sqlite_value(v) for v in r) for r in rows])
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


async def _seed_postgres(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("users", records=[(*u, NOW) for u in users()],
                                         columns=["id", "name", "tz", "manager_id", "created_at"])
        await conn.copy_records_to_table("quotas", records=quota_rows(),
                                         columns=["user_id", "period_kind", "period_start", "amount", "set_by",
                                                  "set_at"])
        for batch in chunks(deals()):
            for table, columns, rows in zip(("deals", "stage_changes", "followups", "timeline"),
                                            (DEAL_COLUMNS, CHANGE_COLUMNS, FOLLOWUP_COLUMNS, TIMELINE_COLUMNS),
                                            rows_of(batch), strict=True):
                await conn.copy_records_to_table(table, records=rows, columns=list(columns))
        await conn.execute("SELECT setval(pg_get_serial_sequence('deals', 'id'), (SELECT max(id) FROM deals))")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def seed(url: str) -> None:
    if url.startswith("sqlite"):
        seed_sqlite(url.removeprefix("sqlite+aiosqlite:///"))
    else:
        asyncio.run(_seed_postgres(url.replace("postgresql+asyncpg", "postgresql")))


# --- the measurements ---------------------------------------------------------------------------


async def migrate_only(url: str) -> None:
    from models.infra.db import create_engine, migrate

    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()


async def measure(url: str) -> dict[str, float]:
    from bot.blocks.charts import report_chart
    from bot.blocks.reports import report_message
    from bot.runtime.runner import Unit
    from models.infra.clock import FakeClock
    from models.infra.db import create_engine, session_factory
    from models.pipeline import load_pipeline
    from models.pipeline.workspace import Workspace
    from models.reporting.metrics import build_report, current_period
    from scheduler.digests import DigestRules, send_due_digests

    engine = create_engine(url)
    sessions = session_factory(engine)
    ws = Workspace(pipeline=load_pipeline("standard"))
    figures: dict[str, float] = {}
    try:
        started = time.perf_counter()
        tick = Unit(sessions)
        await send_due_digests(tick, ws, FakeClock(NOW), DigestRules())
        figures["digests"] = time.perf_counter() - started
        figures["digests_sent"] = len(tick.lanes)
        started = time.perf_counter()  # next Monday: the dailies, 1,000 rep weeks, 100 team weeks
        monday = Unit(sessions)
        await send_due_digests(monday, ws, FakeClock(NOW + timedelta(days=6)), DigestRules())
        figures["monday"] = time.perf_counter() - started
        figures["monday_sent"] = len(monday.lanes)
        period = current_period("month", NOW, ws.default_tz)
        for name, owners in (("report_cold", None), ("report", None), ("team_report", {"UM0000", *reps_of(0)})):
            started = time.perf_counter()
            async with sessions() as session:
                report = await build_report(session, ws.pipeline, period, owners)
            message = report_message(report, ws.pipeline, scope_label="everyone")
            figures[name] = time.perf_counter() - started
            figures[f"{name}_blocks"] = len(message.blocks)
            if name == "report":
                figures["report_deals_won"] = report.won_count
                started = time.perf_counter()
                png = report_chart(report, ws.pipeline, title="bench")
                figures["chart"] = time.perf_counter() - started
                figures["chart_kb"] = len(png) / 1024
    finally:
        await engine.dispose()
    return figures


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


async def postgres_database(server_url: str) -> str | None:
    import asyncpg

    name = f"dealroom_bench_{uuid.uuid4().hex[:8]}"
    base = server_url.rsplit("/", 1)[0]
    try:
        conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"), timeout=3)
    except Exception as exc:
        print(f"PostgreSQL not reachable at {server_url}: {type(exc).__name__}; skipped")
        return None
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


async def drop_postgres(server_url: str, url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


def run_one(label: str, url: str) -> dict[str, float]:
    asyncio.run(migrate_only(url))
    started = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(target=seed, args=(url,))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"{label}: seeding failed")
    seeded = time.perf_counter() - started
    figures = asyncio.run(measure(url))
    figures["seed"] = seeded
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server to create a scratch database on")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file and print its path")
    args = parser.parse_args()
    total = MANAGERS * REPS_PER_MANAGER * DEALS_PER_REP
    print(f"book: {MANAGERS} managers, {MANAGERS * REPS_PER_MANAGER} reps, {total:,} deals, "
          f"{total * TIMELINE_PER_DEAL:,} timeline rows")
    results: list[tuple[str, dict[str, float]]] = []
    workdir = Path(tempfile.mkdtemp(prefix="dealroom-bench-"))
    results.append(("SQLite", run_one("SQLite", f"sqlite+aiosqlite:///{workdir / 'bench.db'}")))
    if args.keep:
        print(f"SQLite file kept: {workdir / 'bench.db'}")
    if not args.sqlite_only:
        url = asyncio.run(postgres_database(args.database_url))
        if url:
            try:
                results.append(("PostgreSQL", run_one("PostgreSQL", url)))
            finally:
                asyncio.run(drop_postgres(args.database_url, url))
    print(f"{'':12} {'seed s':>8} {'100 digests s':>14} {'report s':>9} {'(first) s':>10} {'team rpt s':>11} "
          f"{'chart s':>8} {'blocks':>7} {'Monday tick s':>14}")
    for label, f in results:
        print(f"{label:12} {f['seed']:8.1f} {f['digests']:14.2f} {f['report']:9.3f} {f['report_cold']:10.3f} "
              f"{f['team_report']:11.3f} {f['chart']:8.2f} {int(f['report_blocks']):7d} "
              f"{f['monday']:8.1f} ({int(f['monday_sent'])} DMs)")
        if f["digests_sent"] != MANAGERS:
            print(f"  !! {label}: {int(f['digests_sent'])} digests queued, expected {MANAGERS}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    memory = peak_mb()
    print(f"peak memory of the measuring process: {memory:.0f} MB (seeding ran in a child process)")
    verdicts = [f"{label} digests {'PASS' if f['digests'] < TARGETS['digests'] else 'FAIL'}, "
                f"report {'PASS' if f['report'] < TARGETS['report'] else 'FAIL'}" for label, f in results]
    verdicts.append(f"memory {'PASS' if memory < TARGETS['memory_mb'] else 'FAIL'}")
    print("targets: digests < 5 s, report < 1 s, memory < 300 MB: " + "; ".join(verdicts))
    print(json.dumps({label: {k: round(v, 3) for k, v in f.items()} for label, f in results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
