"""The Web API methods' registry and what each method reads its arguments with (Slack's coercions,
cursor pagination). A method is a plain function `(workspace, args) -> body` that raises SlackError."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar

from bot.devtools.emulator.state import SlackError, Workspace

Handler = Callable[[Workspace, "Args"], dict[str, Any]]
METHODS: dict[str, Handler] = {}  # filled by the modules of bot.devtools.emulator.methods
T = TypeVar("T")


def api_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


class Args:
    """The merged query/form/JSON arguments of one call, with Slack-style coercions."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def get(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true")

    def number(self, name: str, default: int) -> int:
        value = self.data.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments", messages=[f"[ERROR] must be an integer: {name}"]) from None

    def ids(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]

    def json(self, name: str, error: str) -> Any:
        """A JSON-typed argument: native in JSON bodies, a JSON string in forms."""
        value = self.data.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise SlackError(error, messages=[f"[ERROR] invalid JSON: {name}"]) from None
        return value


def _encode_cursor(kind: str, value: str) -> str:
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def paginate(
    items: list[T], key: Callable[[T], str], a: Args, kind: str, *, default: int, maximum: int
) -> tuple[list[T], str]:
    """Slack cursor pagination: (page, next_cursor); the cursor names the first item of the next page."""
    limit = a.number("limit", default)
    limit = default if limit <= 0 else min(limit, maximum)
    start = 0
    cursor = a.get("cursor")
    if cursor:
        try:
            prefix, _, value = base64.b64decode(cursor, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise SlackError("invalid_cursor") from None
        keys = [key(item) for item in items]
        if prefix != kind or value not in keys:
            raise SlackError("invalid_cursor")
        start = keys.index(value)
    page = items[start : start + limit]
    rest = items[start + limit :]
    return page, (_encode_cursor(kind, key(rest[0])) if rest else "")

