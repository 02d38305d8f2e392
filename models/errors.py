"""Errors the domain raises for the caller to see; handlers turn them into private replies."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a friendly one-line message and, where it helps, the right form."""

    def __init__(self, message: str, usage: str | None = None) -> None:
        super().__init__(message)
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
