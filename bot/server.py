"""The HTTP server: Slack's requests on /slack/events, a health check, and the scheduler's ticks."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.container import Deps
from bot.logs import new_request_id
from models.db import ping
from models.parked import backlog
from scheduler.jobs import Ticks

DEPS_KEY = web.AppKey("deps", Deps)
SOCKET_OPEN_KEY = web.AppKey("socket_is_open", Callable[[], bool])  # Socket Mode: is the WebSocket open?


def build_web_app(deps: Deps, bolt: AsyncApp | None, *, with_ticks: bool = True,
                  socket_is_open: Callable[[], bool] | None = None) -> web.Application:
    """`bolt` is None in Socket Mode, where Slack's requests arrive on the WebSocket instead;
    then `socket_is_open` tells /healthz whether that socket is open."""
    web_app = web.Application()
    web_app[DEPS_KEY] = deps
    if socket_is_open is not None:
        web_app[SOCKET_OPEN_KEY] = socket_is_open
    if bolt is not None:
        async def slack_events(request: web.Request) -> web.Response:
            new_request_id()  # every log line of this request and the work it starts carries it
            return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

        web_app.router.add_post("/slack/events", slack_events)
    web_app.router.add_get("/healthz", healthz)
    if with_ticks:
        web_app.cleanup_ctx.append(_run_ticks)
    return web_app


def freeze_startup_heap() -> None:
    """Start-up leaves a large, long-lived heap (SQLAlchemy, Bolt, dateparser); keeping it out of
    the cyclic collector's sweeps shortens its pauses, which stall every ack in flight
    (bench/ack.py measured pauses of 0.2-0.5 s without this)."""
    gc.collect()
    gc.freeze()


async def healthz(request: web.Request) -> web.Response:
    deps = request.app[DEPS_KEY]
    healthy = await ping(deps.engine)
    body: dict[str, object] = {"database": "ok" if healthy else "unreachable"}
    if healthy:
        outbox = await outbox_health(deps)
        body["outbox"] = outbox
        healthy = outbox["state"] == "ok"
    socket_is_open = request.app.get(SOCKET_OPEN_KEY)
    if socket_is_open is not None:
        socket_open = socket_is_open()
        body["socket"] = "open" if socket_open else "closed"
        healthy = healthy and socket_open
    return web.json_response({"status": "ok" if healthy else "unavailable", **body}, status=200 if healthy else 503)


OUTBOX_STUCK_AFTER_SECONDS = 300


async def outbox_health(deps: Deps) -> dict[str, object]:
    """The backlog; "stuck" when a due message has waited 5 minutes, "halted" when Slack refuses the token."""
    async with deps.sessions() as session:
        pending, waited, parked = await backlog(session, now=deps.clock.now())
    state = "ok"
    if deps.deliverer.halted_until is not None and deps.deliverer.halted_until > deps.clock.now():
        state = "halted"
    elif waited is not None and waited > OUTBOX_STUCK_AFTER_SECONDS:
        state = "stuck"
    return {"state": state, "pending": pending, "oldest_due_seconds": round(waited or 0.0, 1), "parked": parked}


async def _run_ticks(web_app: web.Application) -> AsyncIterator[None]:
    ticks = Ticks(web_app[DEPS_KEY])
    ticks.start()
    yield
    await ticks.stop()
