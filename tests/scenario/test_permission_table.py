"""Who may do what (SPEC 10), as one table: every offered subcommand and every button and form, run by
each kind of person against a deal of their own, through signed HTTP and the emulator.

A row is one line: add the subcommands of later versions (pool, claim, report, target, approvals) here.
Each refused run must say who may do it and change nothing (deal row, timeline, outbox, people tables).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import func, insert, select, update

from bot.blocks.ids import ActionId, BlockId, CallbackId, history_value
from handlers.commands.table import OFFERED, TABLE
from models.infra.tables import (
    ChannelMember,
    ChannelRoster,
    Deal,
    DealCollaborator,
    FollowUp,
    OutboxMessage,
    PeopleChange,
    ProcessedEvent,
    StageChange,
    TerritoryManager,
    TerritoryRep,
    TimelineEntry,
    User,
    UserRole,
)
from models.people import teams
from models.people.users import load_actor
from tests.emulator import SlackEmulator
from tests.scenario.conftest import pipeline_file, started_bot
from tests.scenario.harness import ADMIN, GENERAL, MANAGER, NEWCOMER, REP, REP2, Bot

COLLABORATOR = "U0COLLAB"
OTHER_MANAGER = "U0MGR2"
FORMER = "U0FORMER"
WHO = {
    "owner": REP, "other rep": REP2, "collaborator": COLLABORATOR, "manager": MANAGER,
    "other manager": OTHER_MANAGER, "admin": ADMIN,
    "member": NEWCOMER,  # in the deal's channel, no other right; types in the channel unless the row says elsewhere
    "former member": FORMER,  # was in the channel, left it just before the row runs (Slack's member_left_channel)
}
EVERYONE = frozenset(WHO)
WRITE = frozenset({"owner", "collaborator", "manager", "admin"})
READ = WRITE | {"member"}
ADMINS = frozenset({"admin"})
MANAGERS = frozenset({"manager", "other manager", "admin"})


@dataclass(frozen=True)
class Row:
    name: str
    allowed: frozenset[str]
    command: str | None = None  # `/deal` text; {n} is the deal's number
    button: ActionId | None = None
    form: CallbackId | None = None
    pooled: bool = False  # the deal is in the public pool when the row runs
    elsewhere: bool = False  # the member runs it from #general, not from the deal's channel

    @property
    def needs_deal(self) -> bool:
        return self.button is not None or self.form == CallbackId.LOG_NOTE or "{n}" in (self.command or "")


ROWS = [
    Row("new", EVERYONE, command="new Fresh lead amount:10k"),
    Row("stage", WRITE, command="stage D-{n} discovery"),
    Row("next", WRITE, command="next D-{n}"),
    Row("set", WRITE, command="set D-{n} amount:5k discount:10"),
    Row("note", WRITE, command="note D-{n} called the CFO"),
    Row("followup", WRITE, command="followup D-{n} in 2h call back"),
    Row("won", WRITE, command="won D-{n}"),
    Row("lost", WRITE, command="lost D-{n} price"),
    Row("score", WRITE, command="score D-{n} budget:200k authority:yes need:yes timing:10"),
    Row("info", READ, command="info D-{n}"),
    Row("history", READ, command="history D-{n}"),
    Row("info from elsewhere", READ, command="info D-{n}", elsewhere=True),  # SPEC 10: members read from anywhere
    Row("history from elsewhere", READ, command="history D-{n}", elsewhere=True),
    Row("list", EVERYONE, command="list"),
    Row("list team", MANAGERS, command="list team"),
    Row("list @owner", frozenset({"owner", "manager", "admin"}), command=f"list <@{REP}>"),
    Row("list all", ADMINS, command="list all"),
    Row("assign", WRITE, command=f"assign D-{{n}} <@{REP2}>"),
    Row("invite", WRITE, command="invite D-{n} <@U0GUEST>"),
    Row("help", EVERYONE, command="help"),
    Row("role", ADMINS, command="role <@U0ROLE> presales"),
    Row("role -", ADMINS, command="role <@U0HASROLE> -finance"),
    Row("team", ADMINS, command="team <@U0T1> manager:<@U0T2>"),
    Row("team none", ADMINS, command="team <@U0T3> manager:none"),
    Row("team (show)", EVERYONE, command=f"team <@{REP}>"),
    Row("Next stage button", WRITE, button=ActionId.NEXT_STAGE),
    Row("Log note button", WRITE, button=ActionId.LOG_NOTE),
    Row("history paging", READ, button=ActionId.HISTORY_PAGE),
    Row("history paging elsewhere", READ, button=ActionId.HISTORY_PAGE, elsewhere=True),
    Row("Log note form", WRITE, form=CallbackId.LOG_NOTE),
    Row("New deal form", EVERYONE, form=CallbackId.NEW_DEAL),
    Row("pool", EVERYONE, command="pool"),
    Row("claim", EVERYONE, command="claim D-{n}", pooled=True),  # the public pool is open to every rep
    Row("report", EVERYONE, command="report"),
    Row("report @owner", frozenset({"owner", "manager", "admin"}), command=f"report month <@{REP}>"),
    Row("report team", frozenset({"manager", "other manager"}), command="report week team"),
    Row("target", frozenset({"manager", "admin"}), command=f"target <@{REP}> quarter 500k"),
    Row("approvals", EVERYONE, command="approvals"),  # each sees what they may decide or wait on
    Row("territory", EVERYONE, command="territory"),
    Row("territory (show)", EVERYONE, command="territory emea"),
    Row("report territory", frozenset({"manager", "admin"}), command="report territory:emea"),  # its manager
    Row("territory add", ADMINS, command="territory emea add <@U0T1>"),
    Row("territory remove", ADMINS, command=f"territory emea remove <@{REP2}>"),
    Row("territory manager", ADMINS, command="territory emea manager <@U0T2>"),
    # Later subcommands are one line each.
]


STANDARD = (Path(__file__).parents[2] / "models" / "pipeline" / "templates" / "standard.toml").read_text("utf-8")
TERRITORY = f"""
[[territories]]
key = "emea"
name = "EMEA"
region = "emea"
reps = ["{REP}", "{REP2}"]
manager = "{MANAGER}"
"""


@pytest_asyncio.fixture
async def bot(slack: SlackEmulator, db_url: str, tmp_path: Path) -> AsyncIterator[Bot]:
    """The standard pipeline with one territory (managed by MANAGER), for the territory rows."""
    async with started_bot(slack, db_url, dealroom_pipeline=pipeline_file(tmp_path, STANDARD + TERRITORY)) as running:
        yield running


def test_every_offered_subcommand_is_in_the_table() -> None:
    assert {row.command.split()[0] for row in ROWS if row.command} >= OFFERED


def test_each_subcommand_declares_the_rule_its_row_holds_it_to() -> None:
    """The subcommand table (handlers/commands) names, for each, the rules of models.people.permissions that
    decide who may run it, and who that is for its plain form: exactly whom its row here allows."""
    plain = {"everyone": EVERYONE, "readers": READ, "writers": WRITE, "admins": ADMINS}
    rows = {row.name: row for row in ROWS}
    for spec in TABLE:
        assert spec.permission.plain in (*plain, "by scope"), spec.name
        assert all(rule.__module__ == "models.people.permissions" for rule in spec.permission.rules), spec.name
        if spec.permission.plain in plain:
            assert rows[spec.name].allowed == plain[spec.permission.plain], spec.name


@dataclass
class Outcome:
    refused: bool
    text: str


async def test_who_may_do_what(bot: Bot) -> None:
    for user in (COLLABORATOR, OTHER_MANAGER, FORMER, "U0GUEST", "U0ROLE", "U0HASROLE", "U0T1", "U0T2", "U0T3",
                 "U0T4"):
        bot.slack.add_user(user, user.lower(), tz="UTC")
    channels = await _seed(bot, sum(len(WHO) for row in ROWS if row.needs_deal))
    numbers = list(channels)

    failures: list[str] = []
    spare = iter(numbers)
    for row in ROWS:
        # Each person on a deal of their own, all at once as Slack would send them: first those who must be
        # refused (nothing may change while they run), then those who may.
        cases = [(who, user, next(spare) if row.needs_deal else None) for who, user in WHO.items()]
        for wave in ([c for c in cases if c[0] not in row.allowed], [c for c in cases if c[0] in row.allowed]):
            failures += await asyncio.gather(*(_check(bot, row, who, user, n, channels) for who, user, n in wave))
    assert not [f for f in failures if f], "\n".join(f for f in failures if f)


async def _check(bot: Bot, row: Row, who: str, user: str, number: int | None, channels: dict[int, str]) -> str:
    """'' when the outcome is as the table says, else what went wrong."""
    channel = channels[number] if number and who == "member" and not row.elsewhere else GENERAL
    if who == "former member" and number:
        await _leave(bot, FORMER, channels[number], f"EvLeft{number}")
    if row.pooled and number:
        async with bot.deps.sessions.begin() as session:
            await session.execute(update(Deal).where(Deal.id == number).values(
                pooled_at=bot.clock.now(), pool_reason="inactive"))
    before = await _state(bot, number)
    outcome = await _run(bot, row, user, number, channel)
    after = await _state(bot, number)
    expected = who in row.allowed
    if outcome.refused == expected:
        return f"{row.name} as {who}: expected {'allowed' if expected else 'refused'}, got {outcome.text[:160]!r}"
    if outcome.refused and "only" not in outcome.text.lower():
        return f"{row.name} as {who}: the refusal does not say who may: {outcome.text[:160]!r}"
    if outcome.refused and before != after:
        return f"{row.name} as {who}: refused but changed {_diff(before, after)}"
    return ""


async def _seed(bot: Bot, count: int) -> dict[int, str]:
    """Deals owned by REP (manager MANAGER) with COLLABORATOR as collaborator; REP2 is in OTHER_MANAGER's team.

    Written straight into the tables, with channels made in the emulator as the outbox would make them
    (NEWCOMER in them), so that a table of a hundred deals stays fast; test_deal_rooms covers `/deal new`."""
    ws, now = bot.deps.ws, bot.clock.now()
    members = (bot.slack.bot_user_id, REP, MANAGER, COLLABORATOR, NEWCOMER, FORMER)
    channels = [bot.slack.add_channel(f"table-{n}", is_private=True, members=members,
                                      creator=bot.slack.bot_user_id) for n in range(count)]
    async with bot.deps.sessions.begin() as session:
        admin = await load_actor(session, ADMIN, ws.admin_ids)
        for rep, manager in ((REP, MANAGER), (REP2, OTHER_MANAGER), ("U0T3", "U0T4")):
            await teams.set_manager(session, ws, admin, rep, manager, now=now)
        await teams.add_role(session, ws, admin, "U0HASROLE", "finance", now=now)
        numbers = list(await session.scalars(insert(Deal).returning(Deal.id, sort_by_parameter_order=True), [
            dict(title=f"Deal {n}", customer="Acme", amount=Decimal(150000), close_at=now + timedelta(days=30),
                 stage_key="lead", last_open_stage_key="lead", owner_id=REP, created_by=REP, created_at=now,
                 updated_at=now, custom_fields={}, score=8, score_band="high", channel_id=channel.id,
                 channel_name=channel.name, version=1)
            for n, channel in enumerate(channels)]))
        await session.execute(insert(DealCollaborator), [
            dict(deal_id=n, user_id=COLLABORATOR, added_by=REP, added_at=now) for n in numbers])
        await session.execute(insert(TimelineEntry), [
            dict(deal_id=n, at=now, actor_id=REP, kind="created", text="created the deal in Lead") for n in numbers])
        # who is in each channel, as the bot records it from making the channel, its invitations and the events
        await session.execute(insert(ChannelRoster), [dict(channel_id=c.id, complete_at=now) for c in channels])
        await session.execute(insert(ChannelMember), [
            dict(channel_id=c.id, user_id=user, present=True, changed_at=now) for c in channels for user in members])
    return {n: channel.id for n, channel in zip(numbers, channels, strict=True)}


async def _leave(bot: Bot, user: str, channel: str, event_id: str) -> None:
    """`user` leaves the channel: Slack sends member_left_channel; wait until the bot has handled it."""
    await bot.slack.remove_member(channel, user)
    event = {"type": "member_left_channel", "user": user, "channel": channel, "channel_type": "G", "team": "T0001"}
    assert await bot.event(event, event_id=event_id) == 200
    for _ in range(250):
        async with bot.deps.sessions() as session:
            if await session.get(ProcessedEvent, event_id) is not None:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{event_id} was never handled")


async def _run(bot: Bot, row: Row, user: str, number: int | None, channel: str) -> Outcome:
    if row.command is not None:
        return _outcome((await bot.command(user, row.command.format(n=number), channel=channel)).text)
    if row.button is not None:
        assert number is not None
        value = history_value(number, 1) if row.button == ActionId.HISTORY_PAGE else str(number)
        key = await bot.click(user, row.button.value, value, channel=channel)
        if row.button == ActionId.LOG_NOTE:
            def opened() -> bool:
                return any(c.args.get("trigger_id") == f"trigger-{key}" for c in bot.slack.calls_to("views.open"))

            await bot.slack.wait_for(lambda: opened() or any(r["url_key"] == key for r in bot.slack.responses))
            if opened():
                return Outcome(False, "the form opened")
        outcome = _outcome((await bot.reply(key)).text)
        await bot.settle()
        return outcome
    seen = len(_private_to(bot, user))
    if row.form == CallbackId.LOG_NOTE:
        values, metadata = {BlockId.NOTE_TEXT.value: "from the form"}, json.dumps({"deal": number})
    else:
        values, metadata = {BlockId.TITLE.value: "Form lead"}, "{}"
    assert row.form is not None
    response = await bot.submit(user, row.form.value, values, private_metadata=metadata)
    assert response.status == 200
    await bot.slack.wait_for(lambda: len(_private_to(bot, user)) > seen)
    await bot.settle()
    return _outcome(_private_to(bot, user)[-1])


def _outcome(text: str) -> Outcome:
    return Outcome(refused=text.startswith(":warning:"), text=text)


def _private_to(bot: Bot, user: str) -> list[str]:
    """What the bot said to this user alone: ephemeral messages anywhere and their DM."""
    dm = bot.slack.ims.get(user)
    return [m.text for messages in bot.slack.messages.values() for m in messages
            if m.ephemeral_to == user or (dm is not None and m.channel == dm)]


async def _state(bot: Bot, number: int | None) -> dict[str, Any]:
    """What a command may write: for a deal, its row and everything that hangs off it; else counts of every
    table, who manages whom and who holds which role."""
    async with bot.deps.sessions() as session:
        if number is not None:
            deal = dict((await session.execute(select(Deal.__table__).where(Deal.id == number))).one()._mapping)
            children = (TimelineEntry, OutboxMessage, FollowUp, StageChange, DealCollaborator)
            counts = await session.execute(select(*(_count(model, model.deal_id == number) for model in children)))
            return {"deal": deal, **counts.one()._mapping}
        tables = (Deal, TimelineEntry, OutboxMessage, FollowUp, StageChange, DealCollaborator, PeopleChange, UserRole,
                  TerritoryRep, TerritoryManager)
        state: dict[str, Any] = dict((await session.execute(select(*(_count(m) for m in tables)))).one()._mapping)
        managers = await session.execute(select(User.id, User.manager_id).where(User.manager_id.is_not(None)))
        state["managers"] = sorted(tuple(r) for r in managers)
        roles = await session.execute(select(UserRole.user_id, UserRole.role))
        state["roles"] = sorted(tuple(r) for r in roles)
        return state


def _count(model: Any, *where: Any) -> Any:
    return select(func.count()).select_from(model).where(*where).scalar_subquery().label(model.__tablename__)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {before[k]!r} -> {after[k]!r}" for k in before if before[k] != after[k])
