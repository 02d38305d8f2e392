"""Amounts and times as users type them, and as we show them back.

Pure domain code: no Slack, no I/O. Every parse error is an :class:`InputError` whose
``str()`` is one friendly English sentence saying what was wrong.

Amounts (models/values/amounts.py): ``150000``, ``150,000``, ``150k``, ``1.5m``, ``2bn``, ``$150,000``,
``¥150,000``, ``15万``, ``1.5亿``, full-width digits. Times (models/values/times.py): ISO, English relative
and named forms, Chinese forms (SPEC section 2), interpreted in the caller's time zone, DST-correct.
How both are shown (``format_amount``, ``format_when``) is models/infra/formats.py, re-exported here.
"""

from __future__ import annotations

from models.infra.formats import format_amount, format_when
from models.values.amounts import MAX_AMOUNT, parse_amount
from models.values.errors import AmountError, InputError, WhenError
from models.values.times import parse_when, split_when, zone

__all__ = [
    "MAX_AMOUNT",
    "AmountError",
    "InputError",
    "WhenError",
    "format_amount",
    "format_when",
    "parse_amount",
    "parse_when",
    "split_when",
    "zone",
]
