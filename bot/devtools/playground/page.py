"""The playground page's own API under /playground/ (its state, a change stream, and what a person does:
a command, a click, a form, closing a modal, joining a channel, opening Home, moving the clock), and the
guard that only this machine's page may use it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from bot.devtools.emulator import SlackEmulator
from bot.devtools.playground.cast import CAST, REP
from bot.devtools.playground.clock import JUMPS, OffsetClock
from bot.devtools.playground.slack_client import Replies, SlackClient
from bot.devtools.playground.view import snapshot
from bot.runtime.deps import Deps
from bot.wiring.http_edge import foreign_host

STATIC = Path(__file__).with_name("static")


class Playground(Protocol):
    """What the page works on (bot.devtools.playground.server.Playground)."""

    slack: SlackEmulator
    replies: Replies
    clock: OffsetClock
    closed_views: set[str]
    deps: Deps | None
    client: SlackClient | None

    @property
    def changed(self) -> asyncio.Event: ...

    def next_digest(self) -> datetime: ...

    def touch(self) -> None: ...

    async def jump(self, to: str) -> None: ...


class Page:
    """The routes of the page on the bot's own web app (the playground adds them beside /slack/events)."""

    def __init__(self, playground: Playground) -> None:
        self.pg = playground

    def add_routes(self, app: web.Application) -> None:
        app.middlewares.append(self._only_this_machine)
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC)
        app.router.add_get("/playground/state", self._state)
        app.router.add_get("/playground/stream", self._stream)
        app.router.add_post("/playground/command", self._command)
        app.router.add_post("/playground/click", self._click)
        app.router.add_post("/playground/submit", self._submit)
        app.router.add_post("/playground/close", self._close)
        app.router.add_post("/playground/join", self._join)
        app.router.add_post("/playground/home", self._home)
        app.router.add_post("/playground/clock", self._clock)

    @web.middleware
    async def _only_this_machine(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Another web site open in the same browser must not drive the playground: no foreign Host
        (DNS rebinding), and the page's actions only as JSON (a cross-site form cannot send that
        without a CORS preflight, which is never answered)."""
        if foreign_host(request):
            raise web.HTTPForbidden(text="the playground answers on 127.0.0.1 only")
        if request.path.startswith("/playground/") and request.method == "POST" \
                and request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="JSON expected")
        return await handler(request)

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    def _person(self, value: Any) -> str:
        if value not in {p.id for p in CAST}:
            raise web.HTTPBadRequest(text="unknown person")
        return str(value)

    def _channel(self, value: Any, user: str) -> str:
        channel = self.pg.slack.channels.get(str(value))
        if channel is None or (channel.is_im and channel.im_user != user):
            raise web.HTTPBadRequest(text="unknown channel")
        return channel.id

    async def _state(self, request: web.Request) -> web.Response:
        user = self._person(request.query.get("user", REP))
        self.pg.replies.collect()
        digest = self.pg.next_digest() if self.pg.deps else None
        body = snapshot(self.pg.slack, self.pg.replies, user=user, channel=request.query.get("channel"),
                        now=self.pg.clock.now(), closed_views=self.pg.closed_views, digest_at=digest,
                        locale=self.pg.deps.ws.locale if self.pg.deps else "en")
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: `change` whenever the local Slack changed; the page then fetches its state."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await response.prepare(request)
        await response.write(b"event: change\ndata: {}\n\n")
        while True:
            changed = self.pg.changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=15)
            try:
                await response.write(b"event: change\ndata: {}\n\n" if changed.is_set() else b": keep-alive\n\n")
            except (ConnectionResetError, RuntimeError):
                return response

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise web.HTTPBadRequest(text="JSON expected") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="JSON object expected")
        return body

    async def _command(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._person(body.get("user"))
        channel = self._channel(body.get("channel"), user)
        text = str(body.get("text") or "").strip()
        if text.startswith("/deal"):
            text = text[len("/deal"):].strip()
        assert self.pg.client is not None
        status, answer = await self.pg.client.command(user, channel, text)
        self.pg.touch()
        return web.json_response({"status": status, "answer": answer})

    async def _click(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._person(body.get("user"))
        action = body.get("action")
        if not isinstance(action, dict) or not action.get("action_id"):
            raise web.HTTPBadRequest(text="action expected")
        assert self.pg.client is not None
        view_id = body.get("view_id")
        if view_id:
            if view_id not in self.pg.slack.views:
                raise web.HTTPBadRequest(text="unknown view")
            status, answer = await self.pg.client.click(user, "", action, view_id=str(view_id))
        else:
            channel = self._channel(body.get("channel"), user)
            ephemeral_id = body.get("ephemeral_id") or None
            message_ts = None if ephemeral_id else body.get("message_ts")
            message = self.pg.slack.find_message(channel, str(message_ts)) if message_ts else None
            if message is not None and message.ephemeral_to not in (None, user):
                raise web.HTTPBadRequest(text="not your message")
            status, answer = await self.pg.client.click(user, channel, action, message_ts=message_ts,
                                                     ephemeral_id=ephemeral_id,
                                                     ephemeral=message is not None and message.ephemeral_to == user)
        self.pg.touch()
        return web.json_response({"status": status, "answer": answer})

    async def _submit(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._person(body.get("user"))
        view_id, root = str(body.get("view_id")), str(body.get("root"))
        if view_id not in self.pg.slack.views or not isinstance(body.get("values"), dict):
            raise web.HTTPBadRequest(text="unknown view")
        assert self.pg.client is not None
        status, answer = await self.pg.client.submit(user, view_id, body["values"])
        outcome = _view_response(answer)
        if status == 200 and outcome.get("response_action") in (None, "clear"):
            self.pg.closed_views.add(root)
        elif outcome.get("response_action") == "update" and isinstance(outcome.get("view"), dict):
            self.pg.slack.views[view_id].update(blocks=outcome["view"].get("blocks", []),
                                             title=outcome["view"].get("title"))
        self.pg.touch()
        return web.json_response({"status": status, "errors": outcome.get("errors") or {}})

    async def _close(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._person(body.get("user"))
        root, view_id = str(body.get("root")), str(body.get("view_id"))
        if view_id in self.pg.slack.views and self.pg.client is not None:
            await self.pg.client.close_view(user, view_id)
        self.pg.closed_views.add(root)
        self.pg.touch()
        return web.json_response({"ok": True})

    async def _join(self, request: web.Request) -> web.Response:
        """A person joins a channel themselves; Slack sends the app member_joined_channel (our hook)."""
        body = await self._body(request)
        user = self._person(body.get("user"))
        channel = self._channel(body.get("channel"), user)
        if user not in self.pg.slack.channels[channel].members:
            await self.pg.slack.add_member(channel, user)
        self.pg.touch()
        return web.json_response({"ok": True})

    async def _home(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._person(body.get("user"))
        assert self.pg.client is not None
        status, _ = await self.pg.client.home_opened(user)
        self.pg.touch()
        return web.json_response({"status": status})

    async def _clock(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        to = str(body.get("jump"))
        if to not in (*JUMPS, "digest"):
            raise web.HTTPBadRequest(text="jump: hour, day or digest")
        await self.pg.jump(to)
        return web.json_response({"now": self.pg.clock.now().isoformat(timespec="seconds")})


def _view_response(answer: str) -> dict[str, Any]:
    try:
        data = json.loads(answer) if answer.strip() else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
