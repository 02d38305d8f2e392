"""A burst of 200 `/deal new` in 10 s against Slack's rate tiers (the emulator enforces them: Tier 2
= 20 conversations.create a minute, chat.postMessage 1/s per channel, ...).

    .venv/bin/python bench/burst.py [--deals 200] [--speed 10]

Time runs `--speed` times faster than the wall clock for the bot and the emulator alike (an injected
clock), so Slack's minutes pass in seconds. Prints the time until every channel exists against the
tier's theoretical minimum, 429s received, lost and duplicated channels. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import REPS, AcceleratedClock, command, new_emulator, outbox_tick, running_bot, wait_until

TIER2_PER_MINUTE = 20


async def run(deals: int, speed: float, seconds: float) -> int:
    clock = AcceleratedClock(speed)
    emulator = new_emulator(clock)
    await emulator.start()
    emulator.tier_limits(True)
    try:
        with tempfile.TemporaryDirectory(prefix="dealroom-burst-") as tmp:
            async with running_bot(emulator, clock, f"sqlite+aiosqlite:///{Path(tmp) / 'd.db'}") as bot, \
                    outbox_tick(bot, clock):
                import aiohttp

                started = clock.timestamp()
                wall = time.monotonic()
                async with aiohttp.ClientSession() as http:
                    async def one(i: int) -> float:
                        await asyncio.sleep(clock.real_seconds(seconds * i / deals))
                        return await command(http, bot, emulator, REPS[i % len(REPS)],
                                             f"new Burst {i} customer:Cust{i} amount:{i + 1}k", f"new{i}")

                    acks = await asyncio.gather(*(one(i) for i in range(deals)))

                    def deal_channels() -> list:
                        return [c for c in emulator.channels.values() if c.name.startswith("deal-")]

                    def all_pinned() -> bool:
                        channels = deal_channels()
                        return len(channels) >= deals and all(c.pins for c in channels)

                    budget = clock.real_seconds(3 * 60 * math.ceil(deals / TIER2_PER_MINUTE)) + 30
                    done = await wait_until(all_pinned, timeout=budget)
                replies = {r["url_key"] for r in emulator.responses}
    finally:
        await emulator.stop()
    creates = [c for c in emulator.calls_to("conversations.create") if c.ok]
    per_deal = Counter(c.args["name"].split("-")[1] for c in creates)
    last_channel = max(c.at for c in creates) - started if creates else math.nan
    pins = [c for c in emulator.calls_to("pins.add") if c.ok]
    last_pin = max(c.at for c in pins) - started if pins else math.nan
    minimum = 60.0 * (math.ceil(deals / TIER2_PER_MINUTE) - 1)
    throttled = Counter(c.method for c in emulator.calls if c.status == 429)
    lost = deals - len(per_deal)
    print(f"Dealroom burst benchmark: {deals} `/deal new` in {seconds:.0f} s, emulator enforcing Slack's tiers, "
          f"clock x{speed:g} (wall {time.monotonic() - wall:.1f} s)")
    print(f"acks: max {max(acks):.0f} ms, replies {len(replies & {f'new{i}' for i in range(deals)})}/{deals}")
    print(f"every channel exists after   {last_channel:7.1f} s (Slack time)")
    print(f"theoretical minimum (Tier 2) {minimum:7.1f} s  -> ratio {last_channel / minimum:.2f}")
    print(f"every card pinned after      {last_pin:7.1f} s (pins.add is Tier 2 too)")
    print(f"429s received: {sum(throttled.values())} {dict(throttled) if throttled else ''}")
    print(f"lost: {lost}, duplicate channels: {sum(n - 1 for n in per_deal.values())}, all set up: {done}")
    return 0 if lost == 0 and done else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=200)
    parser.add_argument("--speed", type=float, default=10.0, help="simulated seconds per wall second (10)")
    parser.add_argument("--seconds", type=float, default=10.0, help="the burst's length, simulated (10)")
    args = parser.parse_args()
    return asyncio.run(run(args.deals, args.speed, args.seconds))


if __name__ == "__main__":
    sys.exit(main())
