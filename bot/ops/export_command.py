"""The `dealroom export` subcommand: settings in, one summary line (or one error line) out."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.config.settings import Settings
from bot.ops.export import ExportError, export_csv
from models.infra.db import create_engine, sqlite_path
from models.pipeline import Pipeline, load_pipeline

EXIT_OK, EXIT_FAILED = 0, 1


def run_export(settings: Settings, kind: str, path: str) -> int:
    pipeline = load_pipeline(settings.dealroom_pipeline)
    target = Path(path).expanduser()
    try:
        count = asyncio.run(_export(settings.database_url, kind, target, pipeline))
    except ExportError as exc:
        print(f"dealroom: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Wrote {count:,} {'deals' if kind == 'deals' else 'timeline entries'} to {target}", file=sys.stderr)
    return EXIT_OK


async def _export(url: str, kind: str, target: Path, pipeline: Pipeline) -> int:
    db_file = sqlite_path(url)
    if db_file is not None and not db_file.exists():
        raise ExportError(f"DATABASE_URL: there is no database at {db_file}")
    engine = create_engine(url)
    try:
        return await export_csv(engine, kind, target, pipeline, progress=sys.stderr if sys.stderr.isatty() else None)
    except ExportError:
        raise
    except Exception as exc:  # the driver's own error types vary: one line, whatever it is
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"DATABASE_URL: cannot read the database ({reason[:200]})") from None
    finally:
        await engine.dispose()
