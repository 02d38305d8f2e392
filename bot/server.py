"""The HTTP server: Slack's requests on /slack/events, a health check, and the scheduler's ticks."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.container import Deps
from models.db import ping
from scheduler.jobs import Ticks

DEPS_KEY = web.AppKey("deps", Deps)


def build_web_app(deps: Deps, bolt: AsyncApp | None, *, with_ticks: bool = True) -> web.Application:
    """`bolt` is None in Socket Mode, where Slack's requests arrive on the WebSocket instead."""
    web_app = web.Application()
    web_app[DEPS_KEY] = deps
    if bolt is not None:
        async def slack_events(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

        web_app.router.add_post("/slack/events", slack_events)
    web_app.router.add_get("/healthz", healthz)
    if with_ticks:
        web_app.cleanup_ctx.append(_run_ticks)
    return web_app


async def healthz(request: web.Request) -> web.Response:
    deps = request.app[DEPS_KEY]
    if await ping(deps.engine):
        return web.json_response({"status": "ok", "database": "ok"})
    return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)


async def _run_ticks(web_app: web.Application) -> AsyncIterator[None]:
    ticks = Ticks(web_app[DEPS_KEY])
    ticks.start()
    yield
    await ticks.stop()
