"""Socket Mode side of the Slack emulator: `apps.connections.open` and the WebSocket it hands out.

    emu.socket_mode.app_token                        # the app-level token it accepts ("xapp-…")
    await emu.socket_mode.wait_connected()           # the bot has opened a socket (and got `hello`)
    env = await emu.socket_mode.slash_command({...})  # form fields of a slash command, as a dict
    ack = await emu.socket_mode.wait_ack(env)        # {"envelope_id": …, "payload": …} the bot sent back
    await emu.socket_mode.events_api(body, retry_attempt=1, retry_reason="timeout")
    await emu.socket_mode.disconnect()               # Slack's {"type": "disconnect", …}
    await emu.socket_mode.drop()                     # the TCP connection dies without a close frame

Message shapes are Slack's (as slack_sdk's SocketModeClient reads them): a `hello` on connect, then
envelopes `{"envelope_id", "type", "payload", "accepts_response_payload"[, "retry_attempt",
"retry_reason"]}`; the client answers each with `{"envelope_id"[, "payload"]}`.  Like Slack's
tickets, every URL from `apps.connections.open` opens one connection only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from bot.devtools.emulator.state import Call

DEFAULT_APP_TOKEN = "xapp-1-A0001-1-emulated"


class Emulator(Protocol):
    """What Socket Mode needs of the emulator it lives on (SlackEmulator), without importing it."""

    base_url: str
    app_id: str
    calls: list[Call]

    def now(self) -> float: ...

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None: ...  # noqa: ASYNC109


@dataclass
class Connection:
    id: int
    ticket: str
    ws: web.WebSocketResponse
    request: web.Request
    opened_at: float  # time.monotonic()
    closed_at: float | None = None
    received: list[dict[str, Any]] = field(default_factory=list)  # every JSON message from the client

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and not self.ws.closed


@dataclass
class Envelope:
    envelope_id: str
    type: str
    message: dict[str, Any]  # exactly what was sent
    connection: int
    sent_at: float  # time.monotonic()
    ack: dict[str, Any] | None = None
    acked_at: float | None = None

    @property
    def ack_seconds(self) -> float | None:
        return None if self.acked_at is None else self.acked_at - self.sent_at


class SocketModeServer:
    """Lives on a SlackEmulator as `socket_mode`; its routes are added by `SlackEmulator.start()`."""

    def __init__(self, emulator: Emulator, *, app_token: str = DEFAULT_APP_TOKEN) -> None:
        self.emulator = emulator
        self.app_token = app_token
        self.connections: list[Connection] = []
        self.envelopes: dict[str, Envelope] = {}
        self.acks: list[dict[str, Any]] = []  # every ack, in arrival order: {"envelope_id", "payload"?}
        self._tickets: set[str] = set()  # issued, not yet used
        self._open_errors: list[str] = []
        self._connect_failures = 0
        self._connect_failure_status = 503
        self.refused: list[str] = []  # tickets whose handshake was refused (failure injected, used or unknown)

    # ---- routes -----------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Register before the generic `/api/{method}` route: this method takes an app-level token."""
        app.router.add_post("/api/apps.connections.open", self._handle_open)
        app.router.add_get("/socket/{ticket}", self._handle_socket)

    async def close(self) -> None:
        for conn in self.open_connections:
            with contextlib.suppress(Exception):
                await conn.ws.close()

    # ---- inspection ---------------------------------------------------------------------------

    @property
    def open_connections(self) -> list[Connection]:
        return [c for c in self.connections if c.is_open]

    @property
    def connection_count(self) -> int:
        """Connections ever opened."""
        return len(self.connections)

    async def wait_connected(self, count: int | None = None, timeout: float = 5.0) -> Connection:  # noqa: ASYNC109
        """Until a connection is open (and, with `count`, at least that many were ever opened)."""

        def connected() -> bool:
            return bool(self.open_connections) and (count is None or self.connection_count >= count)

        await self.emulator.wait_for(connected, timeout=timeout)
        return self.open_connections[-1]

    async def wait_ack(self, envelope: Envelope | str, timeout: float = 3.0) -> dict[str, Any]:  # noqa: ASYNC109
        env = self.envelopes[envelope if isinstance(envelope, str) else envelope.envelope_id]

        def acked() -> bool:
            return env.ack is not None

        await self.emulator.wait_for(acked, timeout=timeout)
        assert env.ack is not None
        return env.ack

    # ---- driving the bot ---------------------------------------------------------------------

    def fail_open(self, error: str = "internal_error", *, times: int = 1) -> None:
        """The next `times` calls of apps.connections.open answer `{"ok": false, "error": error}`."""
        self._open_errors.extend([error] * times)

    def fail_connect(self, *, times: int = 1, status: int = 503) -> None:
        """The next `times` WebSocket handshakes are refused with `status`; each still uses up its URL."""
        self._connect_failures += times
        self._connect_failure_status = status

    async def send(self, type_: str, payload: dict[str, Any], *, accepts_response_payload: bool = False,
                   retry_attempt: int | None = None, retry_reason: str | None = None,
                   envelope_id: str | None = None, timeout: float = 5.0) -> Envelope:  # noqa: ASYNC109
        """Push one envelope on the newest open connection (waiting for one, as Slack queues)."""
        conn = await self.wait_connected(timeout=timeout)
        message: dict[str, Any] = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "payload": payload,
            "type": type_,
            "accepts_response_payload": accepts_response_payload,
        }
        if retry_attempt is not None:
            message["retry_attempt"] = retry_attempt
            message["retry_reason"] = retry_reason or ""
        env = Envelope(envelope_id=message["envelope_id"], type=type_, message=message, connection=conn.id,
                       sent_at=time.monotonic())
        self.envelopes[env.envelope_id] = env
        await conn.ws.send_str(json.dumps(message))
        return env

    async def slash_command(self, form: dict[str, Any], **kwargs: Any) -> Envelope:
        return await self.send("slash_commands", form, accepts_response_payload=True, **kwargs)

    async def interactive(self, payload: dict[str, Any], **kwargs: Any) -> Envelope:
        accepts = payload.get("type") in ("view_submission", "block_suggestion")
        return await self.send("interactive", payload, accepts_response_payload=accepts, **kwargs)

    async def events_api(self, body: dict[str, Any], *, retry_attempt: int = 0, retry_reason: str = "",
                         **kwargs: Any) -> Envelope:
        """`body` is the Events API `event_callback` body; Slack always sends the retry fields here."""
        return await self.send("events_api", body, retry_attempt=retry_attempt, retry_reason=retry_reason, **kwargs)

    async def disconnect(self, reason: str = "refresh_requested", *, close_after: float | None = None) -> None:
        """Slack's warning that it will close the socket; with `close_after`, it then does (cleanly)."""
        for conn in self.open_connections:
            await conn.ws.send_str(json.dumps({"type": "disconnect", "reason": reason,
                                               "debug_info": {"host": "applink-emulator"}}))
        if close_after is not None:
            conns = self.open_connections
            await asyncio.sleep(close_after)
            for conn in conns:
                await conn.ws.close()

    async def drop(self) -> None:
        """Every open connection dies as a network failure would: no close frame, the TCP socket goes."""
        for conn in self.open_connections:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
            conn.closed_at = time.monotonic()

    def stall(self) -> None:
        """Open connections stop reading (so no pong comes back): a half-open socket."""
        for conn in self.open_connections:
            transport = conn.request.transport
            if transport is not None:
                transport.pause_reading()

    # ---- HTTP handlers --------------------------------------------------------------------------

    async def _handle_open(self, request: web.Request) -> web.Response:
        ws = self.emulator
        call = Call(method="apps.connections.open", args={}, at=ws.now())
        ws.calls.append(call)
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if request.can_read_body:
            await request.read()
        body: dict[str, Any]
        if not token:  # Slack wants the app-level token in the header, not as a parameter
            body = {"ok": False, "error": "not_authed"}
        elif not token.startswith("xapp-"):
            body = {"ok": False, "error": "not_allowed_token_type"}
        elif token != self.app_token:
            body = {"ok": False, "error": "invalid_auth"}
        elif self._open_errors:
            body = {"ok": False, "error": self._open_errors.pop(0)}
        else:
            ticket = uuid.uuid4().hex
            self._tickets.add(ticket)
            url = "ws" + ws.base_url.removeprefix("http") + f"/socket/{ticket}"
            body = {"ok": True, "url": url}
        call.ok, call.error, call.status, call.response = bool(body["ok"]), body.get("error"), 200, body
        return web.json_response(body)

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.match_info["ticket"]
        if ticket not in self._tickets:
            self.refused.append(ticket)
            return web.Response(status=401, text="invalid or used ticket")
        self._tickets.discard(ticket)
        if self._connect_failures:
            self._connect_failures -= 1
            self.refused.append(ticket)
            return web.Response(status=self._connect_failure_status, text="service unavailable")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = Connection(id=len(self.connections) + 1, ticket=ticket, ws=ws, request=request,
                          opened_at=time.monotonic())
        self.connections.append(conn)
        await ws.send_str(json.dumps({
            "type": "hello",
            "num_connections": len(self.open_connections),
            "debug_info": {"host": "applink-emulator", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.emulator.app_id},
        }))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                conn.received.append(data)
                env = self.envelopes.get(str(data.get("envelope_id")))
                if env is not None:
                    self.acks.append(data)
                    if env.ack is None:
                        env.ack, env.acked_at = data, time.monotonic()
        finally:
            if conn.closed_at is None:
                conn.closed_at = time.monotonic()
        return ws
