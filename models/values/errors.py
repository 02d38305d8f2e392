"""What a value reader raises: an :class:`~models.infra.errors.InputError` whose ``str()`` is one friendly
English sentence (its ``message`` a :class:`~models.infra.i18n.Text`, rendered in the workspace's language)."""

from __future__ import annotations

from models.infra.errors import InputError

__all__ = ["AmountError", "InputError", "WhenError"]


class AmountError(InputError):
    """An amount could not be read, or is not a positive finite amount within range."""


class WhenError(InputError):
    """A time could not be read, does not exist, or is in the past where a future time is needed."""
