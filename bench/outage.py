"""Slack down for 10 minutes (every Web API call 503, then dropped connections) while reps create
deals, score and move them and log notes; then Slack comes back. Time is compressed by an injected
clock shared by the bot and the emulator (which enforces Slack's rate tiers throughout).

    .venv/bin/python bench/outage.py [--deals 30] [--speed 60]

Prints deliveries, duplicates (must be 0), lost (must be 0) and the time to drain after Slack is back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import REPS, AcceleratedClock, command, new_emulator, outbox_tick, running_bot, wait_until
from sqlalchemy import func, select

OUTAGE_SECONDS = 600


async def run(deals: int, speed: float) -> int:
    from bot.delivery.outbox import CARD_EVENT, STAGE_EVENT
    from models.infra.tables import OutboxMessage, StageChange

    clock = AcceleratedClock(speed)
    emulator = new_emulator(clock)
    await emulator.start()
    emulator.tier_limits(True)
    moves: Counter[int] = Counter()
    sent_keys: list[str] = []
    notes = 0
    wall = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="dealroom-outage-") as tmp:
            async with running_bot(emulator, clock, f"sqlite+aiosqlite:///{Path(tmp) / 'd.db'}") as bot, \
                    outbox_tick(bot, clock):
                import aiohttp

                emulator.outage(True)
                start = clock.timestamp()
                async with aiohttp.ClientSession() as http:
                    async def rep_works(r: int) -> None:  # each rep: their deals, spread over the outage
                        nonlocal notes
                        rep = REPS[r]
                        for i in range(r, deals, len(REPS)):
                            key = f"new{i}"
                            await command(http, bot, emulator, rep, f"new Outage {i} customer:Cust{i} amount:{i + 1}k",
                                          key)
                            await wait_until(lambda key=key: any(x["url_key"] == key for x in emulator.responses),
                                             timeout=30)
                            reply = next(json.dumps(x["body"]) for x in emulator.responses if x["url_key"] == key)
                            found = re.search(r"D-(\d+)", reply)
                            if found is None:
                                raise RuntimeError(f"/deal new answered: {reply[:300]}")
                            n = int(found.group(1))
                            sent_keys.extend([key, f"score{i}", f"note{i}"] + ([f"next{i}"] if i % 2 else []))
                            await command(http, bot, emulator, rep, f"score D-{n} budget:200k authority:yes need:yes "
                                                                    "timing:10", f"score{i}")
                            if i % 2:
                                await command(http, bot, emulator, rep, f"next D-{n}", f"next{i}")
                            await command(http, bot, emulator, rep, f"note D-{n} called during the outage",
                                          f"note{i}")
                            notes += 1
                            if clock.timestamp() - start > OUTAGE_SECONDS / 2 and emulator._outage_status:
                                emulator.outage(False)  # the second half: dropped connections
                                emulator.fail(None, connection_error=True, times=10**9)
                            await asyncio.sleep(clock.real_seconds(OUTAGE_SECONDS * 0.5 * len(REPS) / deals))

                    await asyncio.gather(*(rep_works(r) for r in range(len(REPS))))
                    remaining = OUTAGE_SECONDS - (clock.timestamp() - start)
                    await asyncio.sleep(clock.real_seconds(max(0.0, remaining)))
                    emulator.heal()
                    back = clock.timestamp()

                    async def pending() -> int:
                        async with bot.deps.sessions() as session:
                            return await session.scalar(select(func.count()).where(OutboxMessage.status == "pending"))

                    deadline = time.monotonic() + clock.real_seconds(3600)

                    def all_answered() -> bool:
                        return {r["url_key"] for r in emulator.responses} >= set(sent_keys)

                    await wait_until(all_answered, timeout=60)  # every command's reply, then the outbox
                    while await pending() and time.monotonic() < deadline:  # noqa: ASYNC110
                        await asyncio.sleep(0.05)
                    drain_s = clock.timestamp() - back
                    await bot.deps.deliverer.close()  # the replies still on their way
                    async with bot.deps.sessions() as session:
                        statuses = dict((await session.execute(
                            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
                        moves = Counter(dict((await session.execute(
                            select(StageChange.deal_id, func.count()).where(StageChange.from_stage.is_not(None))
                            .group_by(StageChange.deal_id))).all()))
                answered = {r["url_key"] for r in emulator.responses}
                unanswered = [k for k in sent_keys if k not in answered]
    finally:
        await emulator.stop()
    channels = [c for c in emulator.channels.values() if c.name.startswith("deal-")]
    creates = Counter(c.args["name"] for c in emulator.calls_to("conversations.create") if c.ok)
    cards = Counter(c.id for c in channels for m in emulator.messages[c.id]
                    if (m.metadata or {}).get("event_type") == CARD_EVENT)
    stage_cards = Counter(int(m.metadata["event_payload"]["deal_id"]) for c in channels for m in emulator.messages[c.id]
                          if (m.metadata or {}).get("event_type") == STAGE_EVENT)
    pins = Counter(c.args["channel"] for c in emulator.calls_to("pins.add") if c.ok)
    invites = Counter(c.args["channel"] for c in emulator.calls_to("conversations.invite") if c.ok)
    duplicates = (sum(v - 1 for v in creates.values()) + sum(v - 1 for v in cards.values())
                  + sum(v - 1 for v in pins.values()) + sum(v - 1 for v in invites.values())
                  + sum(max(0, stage_cards[n] - moves[n]) for n in stage_cards))
    lost = ((deals - len(channels)) + (deals - len(cards)) + (deals - sum(1 for c in channels if c.pins))
            + sum(max(0, moves[n] - stage_cards[n]) for n in moves) + statuses.get("pending", 0)
            + statuses.get("parked", 0))
    ok_calls = sum(1 for c in emulator.calls if c.ok)
    failed = sum(1 for c in emulator.calls if not c.ok)
    print(f"Dealroom outage benchmark: {OUTAGE_SECONDS // 60}-minute Slack outage (503, then dropped connections), "
          f"{deals} deals, {sum(moves.values())} stage moves, {notes} notes; clock x{speed:g}, emulator tiers on "
          f"(wall {time.monotonic() - wall:.1f} s)")
    print(f"commands answered: {len(sent_keys) - len(unanswered)}/{len(sent_keys)}")
    print(f"deliveries: {statuses.get('sent', 0)} outbox rows sent ({ok_calls} Slack calls ok, {failed} failed "
          f"or refused during the outage)")
    print(f"channels {len(channels)}, cards {sum(cards.values())}, pins {sum(pins.values())}, "
          f"stage cards {sum(stage_cards.values())}")
    print(f"duplicates: {duplicates}, lost: {lost}")
    print(f"time to drain after Slack came back: {drain_s:.1f} s (Slack time)")
    return 0 if duplicates == 0 and lost == 0 and not unanswered else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=30)
    parser.add_argument("--speed", type=float, default=30.0, help="simulated seconds per wall second (30)")
    args = parser.parse_args()
    return asyncio.run(run(args.deals, args.speed))


if __name__ == "__main__":
    sys.exit(main())
