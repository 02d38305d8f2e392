"""`dealroom export deals|timeline PATH.csv`: every deal, or every timeline entry, as CSV.

Rows stream from a server-side cursor (`yield_per`), so memory stays flat however big the database;
the file is UTF-8 with a byte-order mark, which Excel needs to show Chinese; it is written beside PATH
and renamed over it only when complete, so a failed export never leaves half a file behind.

Titles, names and notes are typed by anyone in Slack, and a spreadsheet runs a cell that begins with
= + - @ (or a tab or carriage return) as a formula: such text cells get a leading apostrophe (OWASP's
CSV-injection rule) and every cell is quoted, so that a `;` in a title cannot start a new cell in a
spreadsheet that splits on `;`. Numbers we format ourselves (`Figure`) are written as they are.

A timeline entry's text is its sentence in plain text, in the language it was written in, people named as
the users table knows them (`@U…` when it does not); an entry from before sentences had words keeps its text.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tqdm import tqdm

from bot.blocks.words import body_plain, body_text
from models.infra.i18n import Text
from models.infra.tables import Deal, TimelineEntry, User
from models.infra.words import Person, PlainStyle
from models.pipeline import Pipeline

KINDS = ("deals", "timeline")
BATCH = 1000
PROGRESS_FROM = 1000  # rows: a smaller export is over before a bar would help


class ExportError(Exception):
    """One line for the operator: what could not be done and why."""


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    query: Select[Any]
    row: Callable[[Any], Iterable[Any]]
    count: Select[Any]
    # called with each batch of rows before they are written (say, to look up the names they mention)
    before_batch: Callable[[AsyncConnection, Sequence[Any]], Awaitable[None]] | None = field(default=None)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Figure(str):
    """A number formatted here, never text someone typed: it stays a number in the spreadsheet, even a
    negative one (amounts are positive by SPEC, but a "-5" is the number -5, not a formula)."""


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made plain text with a leading apostrophe."""
    if isinstance(value, str) and not isinstance(value, Figure) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _when(value: datetime | None) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if value else ""


def _amount(value: Decimal | None) -> str:
    return Figure(f"{value:f}") if value is not None else ""


def deals_table(pipeline: Pipeline) -> Table:
    header = ("deal", "title", "customer", "amount", "stage", "stage_name", "probability", "status", "owner_id",
              "owner_name", "source", "score", "score_band", "close_date", "created_at", "updated_at", "closed_at",
              "won_amount", "lost_reason", "created_by", "channel_id", "custom_fields")
    query = (select(Deal.__table__, User.name.label("owner_name"))
             .outerjoin(User, User.id == Deal.owner_id).order_by(Deal.id))

    def row(r: Any) -> Iterable[Any]:
        stage = pipeline.stage(r.stage_key) if r.stage_key in pipeline else None
        status = (stage.closed if stage else None) or ("open" if stage else "")
        return (f"D-{r.id}", r.title, r.customer or "", _amount(r.amount), r.stage_key,
                stage.name if stage else "", stage.probability if stage else "", status, r.owner_id,
                r.owner_name or "", r.source or "", "" if r.score is None else r.score, r.score_band or "",
                _when(r.close_at), _when(r.created_at), _when(r.updated_at), _when(r.closed_at),
                _amount(r.won_amount), r.lost_reason or "", r.created_by, r.channel_id or "",
                json.dumps(r.custom_fields, ensure_ascii=False, sort_keys=True) if r.custom_fields else "")

    return Table(header, query, row, select(func.count()).select_from(Deal))


class NamedPlain(PlainStyle):
    """Plain text with people by name, as the users table knows them."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def person(self, user_id: str) -> str:
        return self.names.get(user_id) or super().person(user_id)


def timeline_table() -> Table:
    header = ("id", "deal", "at", "actor_id", "kind", "text")
    query = select(TimelineEntry.__table__).order_by(TimelineEntry.id)
    style = NamedPlain()

    async def names(connection: AsyncConnection, rows: Sequence[Any]) -> None:
        wanted = sorted({person for r in rows if r.body for person in _people(body_text(r.body)[0])})
        style.names = {}
        if wanted:
            found = await connection.execute(select(User.id, User.name).where(User.id.in_(wanted)))
            style.names = {user_id: name for user_id, name in found if name}

    def row(r: Any) -> Iterable[Any]:
        text = body_plain(r.body, style) if r.body else r.text
        return (r.id, f"D-{r.deal_id}", _when(r.at), r.actor_id or "", r.kind, text)

    return Table(header, query, row, select(func.count()).select_from(TimelineEntry), names)


def _people(text: Text) -> Iterable[str]:
    for _, value in text.values:
        if isinstance(value, Person):
            yield value.user_id
        elif isinstance(value, Text):
            yield from _people(value)


async def export_csv(engine: AsyncEngine, kind: str, path: Path, pipeline: Pipeline, *,
                     progress: TextIO | None = None) -> int:
    """Write the export to `path`; returns the number of rows. `progress`: where a bar goes, if anywhere."""
    table = deals_table(pipeline) if kind == "deals" else timeline_table()
    out, temp = _open_beside(path)
    try:
        try:
            with out:
                written = await _write(engine, table, out, progress)
        except OSError as exc:  # the disk filled up, the folder went away
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
        _finish(temp, path)
    finally:
        _discard(temp)
    return written


def _open_beside(path: Path) -> tuple[TextIO, Path]:
    """A temporary file in PATH's folder (same file system, so the final rename is atomic)."""
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory")
    try:
        handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    return os.fdopen(handle, "w", encoding="utf-8-sig", newline=""), Path(temp_name)


def _finish(temp: Path, path: Path) -> None:
    try:
        with open(temp, "rb+") as done:
            os.fsync(done.fileno())
        os.replace(temp, path)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


def _discard(temp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()


async def _write(engine: AsyncEngine, table: Table, out: TextIO, progress: TextIO | None) -> int:
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(table.header)
    written = 0
    async with engine.connect() as connection:
        total = await connection.scalar(table.count) or 0
        bar = tqdm(total=total, file=progress, unit=" rows", unit_scale=True, leave=False,
                   disable=progress is None or total < PROGRESS_FROM)
        with bar:
            result = await connection.stream(table.query.execution_options(yield_per=BATCH))
            async for partition in result.partitions(BATCH):
                if table.before_batch is not None:
                    await table.before_batch(connection, partition)
                writer.writerows([safe_cell(cell) for cell in table.row(r)] for r in partition)
                written += len(partition)
                bar.update(len(partition))
    return written
