"""How `dealroom export` scales: time and peak Python memory for a big timeline, on SQLite or PostgreSQL.

    .venv/bin/python bench/export.py [--rows 300000] [--database-url postgresql+asyncpg://…/scratch]

Seeds a fresh migrated database (a temp SQLite file, or the given PostgreSQL database, which must be
empty or a scratch one) with one deal and `--rows` timeline entries, then exports the timeline and the
deals, printing rows/s and the peak of tracemalloc during each export: it stays flat as rows grow
because rows stream through a server-side cursor in batches. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from bot.ops.export import export_csv
from models.infra.db import create_engine, migrate, session_factory
from models.infra.tables import Deal, TimelineEntry
from models.pipeline import load_pipeline

NOW = datetime(2026, 11, 23, tzinfo=UTC)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        engine = create_engine(url)
        await migrate(engine)
        started = time.perf_counter()
        async with session_factory(engine).begin() as session:
            deal = Deal(title="华为 Cloud", stage_key="lead", owner_id="U1", created_by="U1", created_at=NOW,
                        updated_at=NOW, custom_fields={})
            session.add(deal)
            await session.flush()
            for start in range(0, args.rows, 10_000):
                await session.execute(insert(TimelineEntry), [
                    dict(deal_id=deal.id, at=NOW, actor_id="U1", kind="note", text=f"第 {n} 次跟进: called the CFO")
                    for n in range(start, min(args.rows, start + 10_000))])
        print(f"{engine.dialect.name}: seeded {args.rows:,} timeline rows in {time.perf_counter() - started:.1f} s")
        for kind in ("timeline", "deals"):
            tracemalloc.start()
            started = time.perf_counter()
            count = await export_csv(engine, kind, Path(folder) / f"{kind}.csv", load_pipeline("standard"))
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            size = (Path(folder) / f"{kind}.csv").stat().st_size
            print(f"  export {kind}: {count:,} rows, {size / 1e6:.1f} MB in {elapsed:.2f} s "
                  f"({count / max(elapsed, 1e-9):,.0f} rows/s), peak Python memory {peak / 1e6:.1f} MB")
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
