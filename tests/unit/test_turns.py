"""After the ack, one person's requests run in arrival order, and only a few run at once."""

from __future__ import annotations

import asyncio

from bot.runtime.deps import AFTER_ACK_CONCURRENCY, Deps


def _deps() -> Deps:
    # turn_of needs none of the other dependencies
    return Deps(settings=None, engine=None, sessions=None, clock=None, ws=None, client=None,  # type: ignore[arg-type]
                gateway=None, deliverer=None, directory=None)


async def test_a_persons_second_request_waits_for_the_first() -> None:
    deps, order, release_first = _deps(), [], asyncio.Event()

    async def request(user: str, name: str, hold: asyncio.Event | None = None) -> None:
        async with deps.turn_of(user):
            order.append(f"{name} starts")
            if hold:
                await hold.wait()
            order.append(f"{name} ends")

    first = asyncio.create_task(request("U1", "first", release_first))
    await asyncio.sleep(0)
    second = asyncio.create_task(request("U1", "second"))
    other = asyncio.create_task(request("U2", "other"))
    await asyncio.sleep(0.01)
    assert order == ["first starts", "other starts", "other ends"], "U2 is not held up; U1's second waits"
    release_first.set()
    await asyncio.gather(first, second, other)
    assert order[-3:] == ["first ends", "second starts", "second ends"]


async def test_only_a_few_requests_work_at_once() -> None:
    deps, running, peak, gate = _deps(), 0, 0, asyncio.Event()

    async def request(user: str) -> None:
        nonlocal running, peak
        async with deps.turn_of(user), deps.after_ack:
            running += 1
            peak = max(peak, running)
            await gate.wait()
            running -= 1

    tasks = [asyncio.create_task(request(f"U{i}")) for i in range(10)]
    await asyncio.sleep(0.01)
    assert peak == AFTER_ACK_CONCURRENCY
    gate.set()
    await asyncio.gather(*tasks)
