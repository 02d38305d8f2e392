"""The HTTP server: Slack's requests on /slack/events, a health check, and the scheduler's ticks."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.container import Deps
from models.db import ping
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
    body = {"database": "ok" if healthy else "unreachable"}
    socket_is_open = request.app.get(SOCKET_OPEN_KEY)
    if socket_is_open is not None:
        socket_open = socket_is_open()
        body["socket"] = "open" if socket_open else "closed"
        healthy = healthy and socket_open
    return web.json_response({"status": "ok" if healthy else "unavailable", **body}, status=200 if healthy else 503)


async def _run_ticks(web_app: web.Application) -> AsyncIterator[None]:
    ticks = Ticks(web_app[DEPS_KEY])
    ticks.start()
    yield
    await ticks.stop()
