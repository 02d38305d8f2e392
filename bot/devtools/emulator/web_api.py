"""The emulator's HTTP side: reading a Web API request, running the method atomically (faults, holds,
rate tiers and the member hooks around it), the upload URL and response_urls; and the middleware that
answers programs on this machine only."""

from __future__ import annotations

import contextlib
import copy
import inspect
import json
import logging
from typing import Any

from aiohttp import web

from bot.devtools.emulator.api import Args
from bot.devtools.emulator.faults import FaultInjection, RateLimited
from bot.devtools.emulator.methods import METHODS
from bot.devtools.emulator.state import Call, SlackError
from bot.wiring.http_edge import foreign_host

logger = logging.getLogger(__name__)

RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL_SECONDS = 30 * 60


class WebApi(FaultInjection):
    """The routes `/api/{method}`, `/upload/v1/{file_id}` and `/hooks/{key}` over the workspace's state."""

    def __init__(self, **workspace: Any) -> None:
        super().__init__(**workspace)
        self.errors: list[BaseException] = []  # emulator bugs and failing hooks; the fixture fails on them

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_post("/hooks/{key}", self._handle_response_url)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args, token, parse_error = await _read_api_request(request)
        call = Call(method=method, args=_decoded(args), at=self.now())
        self.calls.append(call)
        fault = self._take_fault(method)

        if fault is None or fault.process:
            status, body, headers = self._dispatch(method, args, token, parse_error)
            call.ok, call.error, call.status, call.response = bool(body.get("ok")), body.get("error"), status, body
            await self._notify_joined(self.take_joined())
            await self._notify_left(self.take_left())
            if fault is None and (held := self._holds.pop(method, None)) is not None:
                held.reached.set()
                await held.released.wait()
            if fault is None:
                return web.json_response(body, status=status, headers=headers)

        assert fault is not None
        if fault.connection_error:
            call.ok, call.error, call.status = False, "connection_dropped", 0
            if request.transport is not None:
                request.transport.close()
            return web.Response()  # never reaches the client
        status, body, headers = self._fault_reply(fault)
        call.ok, call.error, call.status, call.response = False, body["error"], status, body
        return web.json_response(body, status=status, headers=headers)

    def _dispatch(
        self, method: str, args: dict[str, Any], token: str | None, parse_error: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Run one Web API method synchronously (so the state change is atomic)."""
        try:
            handler = METHODS.get(method)
            if handler is None:
                raise SlackError("unknown_method")
            if not token:
                raise SlackError("not_authed")
            if token != self.bot_token:
                raise SlackError("invalid_auth")
            if parse_error:
                raise SlackError(parse_error)
            self._enforce_tier(method, args)
            return 200, handler(self, Args(args)), {}
        except SlackError as exc:
            return 200, exc.body(), {}
        except RateLimited as exc:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(exc.retry_after)}
        except Exception as exc:  # an emulator bug: make it loud
            logger.exception("emulator failed on %s", method)
            self.errors.append(exc)
            return 500, {"ok": False, "error": "emulator_error", "detail": repr(exc)}, {}

    async def _notify_joined(self, joined: list[tuple[str, str, str | None]]) -> None:
        """Run `on_member_joined` hooks, awaited before the API response is sent."""
        for channel_id, user_id, inviter in joined:
            for hook in list(self.on_member_joined):
                try:
                    result = hook(channel_id, user_id, inviter)
                    if inspect.isawaitable(result):
                        await result
                except Exception as exc:
                    logger.exception("on_member_joined hook failed")
                    self.errors.append(exc)

    async def _notify_left(self, left: list[tuple[str, str]]) -> None:
        """Run `on_member_left` hooks, awaited before the API response is sent."""
        for channel_id, user_id in left:
            for hook in list(self.on_member_left):
                try:
                    result = hook(channel_id, user_id)
                    if inspect.isawaitable(result):
                        await result
                except Exception as exc:
                    logger.exception("on_member_left hook failed")
                    self.errors.append(exc)

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        if request.content_type == "multipart/form-data":
            form = await request.post()
            part = next((v for v in form.values() if hasattr(v, "file")), None)
            data = part.file.read() if part is not None else b""
        else:
            data = await request.read()
        if (faulty := self._injected_fault(request, "file_upload")) is not None:
            return faulty
        file = self.files.get(file_id)
        if file is None or file.completed:
            return web.Response(status=404, text="file_not_found")
        file.content = data
        return web.Response(text=f"OK - {len(data)}")

    def _injected_fault(self, request: web.Request, endpoint: str) -> web.Response | None:
        """The response of a fault injected for this endpoint, if any (a dropped connection too)."""
        fault = self._take_fault(endpoint)
        if fault is None:
            return None
        if fault.connection_error:
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        status, body, headers = self._fault_reply(fault)
        return web.json_response(body, status=status, headers=headers)

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        raw = await request.read()
        if (faulty := self._injected_fault(request, "response_url")) is not None:
            return faulty
        now = self.now()
        issued = self.response_urls.setdefault(key, now)
        entry: dict[str, Any] = {"url_key": key, "body": None, "at": now, "status": 200, "error": None}
        try:
            entry["body"] = json.loads(raw or b"null")
        except ValueError:
            entry["body"] = raw.decode(errors="replace")
            entry["status"], entry["error"] = 400, "invalid_payload"
        if entry["error"] is None:
            used = sum(1 for r in self.responses if r["url_key"] == key and r["status"] == 200)
            if now - issued > RESPONSE_URL_TTL_SECONDS:
                entry["status"], entry["error"] = 404, "expired_url"
            elif used >= RESPONSE_URL_MAX_USES:
                entry["status"], entry["error"] = 404, "used_url"
        self.responses.append(entry)
        return web.Response(status=entry["status"], text=entry["error"] or "ok")


_JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")


@web.middleware
async def programs_on_this_machine_only(request: web.Request, handler: Any) -> web.StreamResponse:
    """The playground's pretend Slack holds what people typed there, under a token anyone can read in
    the source: no foreign Host (DNS rebinding, as the playground's page refuses), and no web page at
    all, not even an <img> (browsers send `Origin` or `Sec-Fetch-Site`; slack_sdk, Bolt, aiohttp never)."""
    if foreign_host(request):
        raise web.HTTPForbidden(text="the local Slack answers on 127.0.0.1 only")
    if "Origin" in request.headers or "Sec-Fetch-Site" in request.headers:
        raise web.HTTPForbidden(text="the local Slack does not answer web pages")
    return await handler(request)


def _decoded(args: dict[str, Any]) -> dict[str, Any]:
    """A copy of `args` for `Call.args`: JSON-typed arguments decoded whatever the transport."""
    decoded = copy.deepcopy(args)  # never shares objects with the stored state
    for name in _JSON_ARGS:
        if isinstance(decoded.get(name), str):
            with contextlib.suppress(ValueError):
                decoded[name] = json.loads(decoded[name])
    return decoded


async def _read_api_request(request: web.Request) -> tuple[dict[str, Any], str | None, str | None]:
    """(arguments, token, parse error) of a Web API request; query, form and JSON bodies are merged."""
    args: dict[str, Any] = dict(request.query)
    token = args.pop("token", None)
    parse_error = None
    if request.content_type == "application/json":
        raw = await request.read()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body, parse_error = {}, "invalid_json"
        if not isinstance(body, dict):
            body, parse_error = {}, "json_not_object"
        body.pop("token", None)  # Slack does not read the token from JSON bodies
        args.update(body)
    elif request.can_read_body:
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
        token = args.pop("token", None) or token
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    return args, token, parse_error
