"""Two bot instances ticking on one database send each due reminder exactly once (SPEC 7).

10,000 reminders due in the same minute are taken by two instances racing: each exactly once, each
with exactly one DM queued. Then a smaller burst goes all the way to the emulator through both
instances' outboxes, each DM posted once. bench/reminders.py does the 10,000 end to end with two
real processes and Slack's rate limits, and prints the figures."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from slack_sdk.http_retry import FixedValueRetryIntervalCalculator
from sqlalchemy import func, insert, select

from bot.blocks.ids import ActionId, parse_reminder_value
from bot.config.settings import Settings
from bot.runtime.deps import Deps, build_deps
from models.followups.reminders import take_due_reminders
from models.infra.clock import FakeClock
from models.infra.db import create_engine, session_factory
from models.infra.tables import Deal, FollowUp, OutboxMessage, User
from scheduler.sweeps import sweep_now
from tests.clock import fake_clock
from tests.emulator import SlackEmulator
from tests.scenario.harness import BOT_TOKEN, SIGNING_SECRET

OWNERS = 100


async def seed(db_url: str, clock: FakeClock, reminders: int) -> None:
    engine = create_engine(db_url)
    try:
        now = clock.now()
        async with session_factory(engine).begin() as session:
            owners = [f"U{n:05d}" for n in range(OWNERS)]
            await session.execute(insert(User), [{"id": u, "tz": "Europe/Berlin", "created_at": now} for u in owners])
            await session.execute(insert(Deal), [
                {"id": n + 1, "title": f"Deal {n + 1}", "stage_key": "lead", "owner_id": owners[n], "created_by":
                 owners[n], "created_at": now, "updated_at": now, "custom_fields": {}, "version": 1}
                for n in range(OWNERS)
            ])
            await session.execute(insert(FollowUp), [
                {"deal_id": n % OWNERS + 1, "owner_id": owners[n % OWNERS], "due_at": now + timedelta(seconds=n % 60),
                 "text": f"follow-up {n}", "tz": "Europe/Berlin", "created_by": owners[n % OWNERS],
                 "created_at": now - timedelta(days=1), "source": "followup"}
                for n in range(reminders)
            ])
    finally:
        await engine.dispose()


def instance(slack: SlackEmulator, db_url: str, clock: FakeClock) -> Deps:
    settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                        slack_api_url=slack.api_url, database_url=db_url)
    return build_deps(settings, clock=clock, retry_interval=FixedValueRetryIntervalCalculator(0.01))


async def race(slack: SlackEmulator, db_url: str, reminders: int, *, deliver: bool = True) -> None:
    for n in range(OWNERS):
        slack.add_user(f"U{n:05d}", f"rep{n}", tz="Europe/Berlin")
    clock = fake_clock()
    await seed(db_url, clock, reminders)
    clock.advance(timedelta(minutes=1))  # all of them are due now
    first, second = instance(slack, db_url, clock), instance(slack, db_url, clock)
    if not deliver:  # the race for the reminders alone: nothing drains the outbox
        first.deliverer.kick = second.deliverer.kick = lambda lanes: None  # type: ignore[method-assign]
    try:
        runs = await asyncio.gather(sweep_now(first, take_due_reminders, what="reminders"),
                                    sweep_now(second, take_due_reminders, what="reminders"))
        assert not any(done.failed for done in runs), "a sweep failed (see the log)"
        async with first.sessions() as session:
            assert await session.scalar(select(func.count()).where(FollowUp.due_sent_at.is_(None))) == 0
            queued = Counter(p["followup"] for p in await session.scalars(select(OutboxMessage.payload)))
        assert len(queued) == reminders and max(queued.values()) == 1
        if not deliver:
            return
        for deps in (first, second):
            await deps.deliverer.close()
        # Slack takes about one message a second per DM: the outbox paces itself, so time must pass.
        for _ in range(60):
            await asyncio.gather(first.deliverer.drain(), second.deliverer.drain())
            await asyncio.gather(first.deliverer.close(), second.deliverer.close())
            async with first.sessions() as session:
                if not await session.scalar(select(func.count()).where(OutboxMessage.status == "pending")):
                    break
            clock.advance(timedelta(seconds=1))

        sent = Counter(_reminded_followup(call.args) for call in slack.calls_to("chat.postMessage") if call.ok)
        assert sum(sent.values()) == reminders, f"{sum(sent.values())} reminders sent for {reminders} due"
        assert len(sent) == reminders and max(sent.values()) == 1
        async with first.sessions() as session:
            statuses = dict((await session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
        assert statuses == {"sent": reminders}
    finally:
        await first.aclose()
        await second.aclose()


def _reminded_followup(args: dict) -> int:
    for block in args.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == ActionId.REMINDER_DONE.value:
                return parse_reminder_value(element["value"])[0]
    raise AssertionError(f"not a reminder: {args.get('text')}")


async def test_two_instances_take_each_of_10000_due_reminders_exactly_once(slack: SlackEmulator,
                                                                          db_url: str) -> None:
    await race(slack, db_url, reminders=10_000, deliver=False)


async def test_two_instances_deliver_each_reminder_dm_exactly_once(slack: SlackEmulator, db_url: str) -> None:
    await race(slack, db_url, reminders=300)  # three DMs per owner: the per-DM pacing is in play
