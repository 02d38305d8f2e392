"""The HTTP server: Slack's requests on /slack/events, a health check, and the scheduler's ticks."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.config.logs import new_request_id
from bot.runtime.deps import Deps
from bot.wiring.http_edge import MAX_BODY_BYTES, from_this_machine, read_body, refuse, signature_problem
from models.infra.db import ping
from models.infra.parked import backlog


class Ticks(Protocol):
    """The scheduler's ticks (scheduler.jobs.Ticks), started with the server and stopped with it."""

    def start(self) -> None: ...
    async def stop(self) -> None: ...


DEPS_KEY = web.AppKey("deps", Deps)
SOCKET_OPEN_KEY: web.AppKey[Callable[[], bool]] = web.AppKey("socket_is_open")  # Socket Mode: is the WebSocket open?
TICKS_KEY: web.AppKey[Ticks] = web.AppKey("ticks")
IDENTITY_AT_START_SECONDS = 5.0

log = logging.getLogger("dealroom")


def build_web_app(deps: Deps, bolt: AsyncApp | None, *, ticks: Ticks | None = None,
                  socket_is_open: Callable[[], bool] | None = None) -> web.Application:
    """`bolt` (handlers.app.build_app) is None in Socket Mode, where Slack's requests arrive on the WebSocket
    instead; then `socket_is_open` tells /healthz whether that socket is open. `ticks`: the scheduler's
    (scheduler.jobs.Ticks), run while the server runs; none in tests and tools that tick themselves."""
    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app[DEPS_KEY] = deps
    if socket_is_open is not None:
        web_app[SOCKET_OPEN_KEY] = socket_is_open
    if bolt is not None:
        web_app.router.add_post("/slack/events", _slack_events(deps, bolt))
    web_app.router.add_get("/healthz", healthz)
    web_app.on_startup.append(_learn_the_workspace)
    if ticks is not None:
        web_app[TICKS_KEY] = ticks
        web_app.cleanup_ctx.append(_run_ticks)
    return web_app


def _slack_events(deps: Deps, bolt: AsyncApp) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The body is read within its limits and its signature checked here, before Bolt parses it:
    Bolt's own check (which stays on) raises on a malformed timestamp and logs a failed request's
    body at INFO."""
    secret = deps.settings.slack_signing_secret
    verifier = SignatureVerifier(secret.get_secret_value()) if secret else None

    async def slack_events(request: web.Request) -> web.Response:
        new_request_id()  # every log line of this request and the work it starts carries it
        body = await read_body(request)
        problem = "no signing secret" if verifier is None else signature_problem(verifier, body, request)
        if problem:
            raise refuse(request, web.HTTPUnauthorized(text="invalid request"), problem)
        bolt_request = AsyncBoltRequest(body=body.decode("utf-8"), query=request.query_string,
                                        # Bolt reads any mapping of header names; its hint says dict
                                        headers=request.headers)  # type: ignore[arg-type]
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return slack_events


async def _learn_the_workspace(web_app: web.Application) -> None:
    """auth.test before the port opens, so the first request is already checked against the installed
    workspace (handlers/app.py). If Slack does not answer in time, requests are served on their signature
    alone until it does (each request asks again in the background)."""
    gateway = web_app[DEPS_KEY].gateway
    try:
        async with asyncio.timeout(IDENTITY_AT_START_SECONDS):
            await gateway.bot_user_id()
    except Exception as exc:  # SlackFailure, TimeoutError, an answer without user_id: the same for us
        log.warning("auth.test failed at start (%s): requests are checked by signature only, not by workspace, "
                    "until it answers", str(exc) or "no answer in time")


def freeze_startup_heap() -> None:
    """Start-up leaves a large, long-lived heap (SQLAlchemy, Bolt, dateparser); keeping it out of
    the cyclic collector's sweeps shortens its pauses, which stall every ack in flight
    (bench/ack.py measured pauses of 0.2-0.5 s without this)."""
    gc.collect()
    gc.freeze()


async def healthz(request: web.Request) -> web.Response:
    """Anyone gets ok or unhealthy; the details only this machine (not through a proxy), or everyone
    with DEALROOM_HEALTH_DETAILS=true."""
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
    answer: dict[str, object] = {"status": "ok" if healthy else "unhealthy"}
    if deps.settings.dealroom_health_details or from_this_machine(request):
        answer.update(body)
    return web.json_response(answer, status=200 if healthy else 503)


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
    ticks = web_app[TICKS_KEY]
    ticks.start()
    yield
    await ticks.stop()
