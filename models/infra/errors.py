"""Errors the domain raises for the caller to see; handlers turn them into private replies.

The message is a :class:`~models.i18n.Text` (``t("…")``): the handler renders it in the workspace's
language. A plain ``str`` is shown as is (for text that is already the user's own words)."""

from __future__ import annotations

from models.infra.i18n import Text


class DomainError(Exception):
    """A refusal with a friendly one-line message and, where it helps, the right form."""

    def __init__(self, message: Text | str, usage: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.usage = usage


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Refused(DomainError):
    """The request is understood and allowed, but the deal's state does not permit it."""


class Conflict(DomainError):
    """Someone else changed the same deal at the same moment."""
