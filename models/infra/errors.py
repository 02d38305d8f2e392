"""The domain's one error hierarchy: what the caller is told, privately, when a request can't be done.

Every error carries its message as a :class:`~models.infra.i18n.Text` (``t("…")``, rendered at the edge
in the workspace's language; a plain ``str`` is shown as is) and, where it helps, the right form of the
command (``usage``, command syntax: never translated). The runner maps :class:`DomainError` to a reply in
one place; nothing else needs to know the subclasses, which say *why* for the code that does:

- :class:`InputError`: what was typed can't be read (an amount, a time, a stage, a command's form);
- :class:`NotFound`: what it names does not exist (any more);
- :class:`Forbidden`: the person may not do it (models/people/permissions.py decides);
- :class:`Refused`: understood and allowed, but the deal's state does not permit it;
- :class:`Conflict`: someone else changed the same thing at the same moment.
"""

from __future__ import annotations

from models.infra.i18n import Text


class DomainError(Exception):
    """A refusal with a friendly one-line message and, where it helps, the right form."""

    def __init__(self, message: Text | str, usage: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.usage = usage


class InputError(DomainError, ValueError):
    """What was typed can't be read. Still a ``ValueError``, as parsers' errors are in Python."""


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Refused(DomainError):
    """The request is understood and allowed, but the deal's state does not permit it."""


class Conflict(DomainError):
    """Someone else changed the same deal at the same moment."""
