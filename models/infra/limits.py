"""How long a person's words may be where a table keeps them.

Each limit is read from the columns in models.tables, never written twice: SQLite does not enforce a
``String(n)`` and PostgreSQL refuses a longer value with a DataError, so the domain checks first and
says which field is too long, on both alike. Custom fields live in a JSON column, which has no
length: a field's name is bounded like a stage key, its value like the customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, String

from models.infra.errors import Refused
from models.infra.i18n import N_, Text, t
from models.infra.tables import ApprovalRequest, Deal, StageChange, TerritoryManager, TerritoryRep, User


def _length(*columns: ColumnElement[Any]) -> int:
    """The shortest of the columns a value is written to (each a ``String(n)``)."""
    lengths = [column.type.length for column in columns if isinstance(column.type, String)]
    if len(lengths) != len(columns) or None in lengths:
        raise TypeError("every column must be a String(n)")
    return min(n for n in lengths if n is not None)


TITLE = _length(Deal.__table__.c.title)
CUSTOMER = _length(Deal.__table__.c.customer)
SOURCE = _length(Deal.__table__.c.source)
STAGE_KEY = _length(Deal.__table__.c.stage_key, Deal.__table__.c.last_open_stage_key,
                    StageChange.__table__.c.from_stage, StageChange.__table__.c.to_stage,
                    ApprovalRequest.__table__.c.from_stage, ApprovalRequest.__table__.c.to_stage)
TERRITORY_KEY = _length(TerritoryRep.__table__.c.territory_key, TerritoryManager.__table__.c.territory_key)
SLACK_ID = _length(User.__table__.c.id, Deal.__table__.c.owner_id)
USER_NAME = _length(User.__table__.c.name)
CUSTOM_KEY = STAGE_KEY
CUSTOM_VALUE = CUSTOMER

_FIELDS = {"title": TITLE, "customer": CUSTOMER, "source": SOURCE}
_TOO_LONG = {
    "title": N_("The title may be at most {limit} characters; this one has {length}."),
    "customer": N_("The customer may be at most {limit} characters; this one has {length}."),
    "source": N_("The source may be at most {limit} characters; this one has {length}."),
}


class TooLong(Refused):
    """A value longer than its column. ``field``: ``title``, ``customer``, ``source`` or ``custom``."""

    def __init__(self, field: str, message: Text) -> None:
        super().__init__(message)
        self.field = field


def check_deal_fields(fields: Mapping[str, str | None], custom: Mapping[str, str] | None = None) -> None:
    """Refuse the first value (``title``, ``customer``, ``source``, then custom fields) that is too long."""
    for field, limit in _FIELDS.items():
        value = fields.get(field)
        if value is not None and len(value) > limit:
            raise TooLong(field, Text(_TOO_LONG[field], (("limit", limit), ("length", len(value)))))
    for key, value in (custom or {}).items():
        if len(key) > CUSTOM_KEY:
            raise TooLong("custom", t('A custom field name may be at most {limit} characters; "{key}…" has {length}.',
                                      limit=CUSTOM_KEY, key=key[:20], length=len(key)))
        if len(value) > CUSTOM_VALUE:
            raise TooLong("custom", t("The custom field {key} may be at most {limit} characters; this one has "
                                      "{length}.", key=key, limit=CUSTOM_VALUE, length=len(value)))
