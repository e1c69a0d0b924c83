"""One way to read numbers, dates, choices and ids from requests, with bounds.

Every view reads its query-string and form parameters through these
functions (or through the bounded form fields of ``shop/fields.py``) instead
of ``isdigit()`` then ``int()``: ``'²'.isdigit()`` is true but ``int('²')``
fails, and an unbounded integer of 2**63 or more overflows the database's
BIGINT (a 500 on PostgreSQL and SQLite alike).

The rule, the same everywhere:

- **Pagination, filters and sorting in the query string** (``query_int``,
  ``query_page``, ``query_choice``, ``query_date``): a missing, malformed or
  out-of-range value is *ignored* and the default is used. A shared or
  hand-edited link still shows a page; nothing is stored from it.
- **Values that name one thing** (an id, a year and month in a statement,
  a posted quantity) use ``require_int``: a malformed or out-of-range value
  aborts with 404 (it names nothing that exists), or 400 with a translated
  message when ``status=400`` is asked for.
- **Ids in URLs** go through the bounded ``int`` converter registered by
  ``init_params`` (1 … 2**63-1 is the range of every primary key): an
  oversized id is a 404, never a database overflow.
- **NUL bytes** are refused in every path, query-string and form value with
  a translated 400 (``reject_nul``): SQLite stores them, PostgreSQL refuses
  them, and no text typed by a person contains one.

Arabic-Indic and Eastern Arabic-Indic digits are read as ASCII digits
(``shop/digits.py``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeVar

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from .digits import ascii_digits

#: The largest value of a signed 64-bit integer: every id column (BIGINT on
#: PostgreSQL, INTEGER on SQLite) holds at most this.
MAX_ID = 2**63 - 1
#: The largest value of a 32-bit INTEGER column (counts, quantities, stock).
MAX_INT32 = 2**31 - 1
#: The range of dates people may type: far enough for founding years and
#: best-before dates, near enough that date arithmetic never overflows.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)

_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

T = TypeVar("T")


class BadInput(BadRequest):
    """A 400 whose page says, translated, what was wrong with the input."""

    def __init__(self, message: Any) -> None:
        super().__init__()
        self.message = message


def parse_int(text: Any, *, min: int = 0, max: int = MAX_INT32) -> int | None:
    """``text`` as an integer in ``min..max``, or None (never an exception)."""
    if not isinstance(text, str):
        return None
    text = ascii_digits(text).strip()
    if not _INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if min <= value <= max else None


def parse_date(text: Any, *, min: date = MIN_DATE, max: date = MAX_DATE) -> date | None:
    """An ISO date (``YYYY-MM-DD``) in ``min..max``, or None."""
    if not isinstance(text, str):
        return None
    text = ascii_digits(text).strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if min <= value <= max else None


def _args(args: MultiDict | None) -> MultiDict:
    return request.args if args is None else args


def query_int(
    name: str,
    default: T,
    *,
    min: int = 0,
    max: int = MAX_INT32,
    args: MultiDict | None = None,
) -> int | T:
    """Query parameter ``name`` as an integer in ``min..max``; ``default`` otherwise."""
    value = parse_int(_args(args).get(name), min=min, max=max)
    return default if value is None else value


def query_page(name: str = "page", *, max: int = 100_000, args: MultiDict | None = None) -> int:
    """A page number (1 … ``max``); 1 when missing or bad."""
    return query_int(name, 1, min=1, max=max, args=args)


def query_choice(name: str, choices: Any, default: T, *, args: MultiDict | None = None) -> str | T:
    """Query parameter ``name`` if it is one of ``choices``; ``default`` otherwise."""
    value = _args(args).get(name)
    return value if value is not None and value in choices else default


def query_date(
    name: str,
    default: T = None,  # type: ignore[assignment]
    *,
    min: date = MIN_DATE,
    max: date = MAX_DATE,
    args: MultiDict | None = None,
) -> date | T:
    """Query parameter ``name`` as an ISO date in ``min..max``; ``default`` otherwise."""
    value = parse_date(_args(args).get(name), min=min, max=max)
    return default if value is None else value


def require_int(
    text: Any,
    *,
    min: int = 1,
    max: int = MAX_ID,
    status: int = 404,
    message: Any = None,
) -> int:
    """``text`` as an integer in ``min..max``, or abort (404, or a translated 400)."""
    value = parse_int(text, min=min, max=max)
    if value is None:
        if status == 400:
            raise BadInput(message or _l("A number in the request is not valid."))
        abort(status)
    return value


class IdConverter(IntegerConverter):
    """The ``int`` URL converter, bounded to the ids a database can hold.

    Werkzeug's own accepts any number of digits; an id of 2**63 then reaches
    the database and overflows. Bounded, it is a 404 like any unknown id.
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _has_nul(values: Any) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vals) for key, vals in values.lists())


def reject_nul() -> None:
    """Refuse a request with a NUL byte in its path, query string or form (a translated 400)."""
    if (
        "\x00" in request.path
        or _has_nul(request.args)
        or (request.mimetype in _FORM_TYPES and _has_nul(request.form))
    ):
        raise BadInput(_l("The request contains a character that is not allowed (NUL)."))


_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def init_params(app: Flask) -> None:
    """Bound the ``int`` URL converter and refuse NUL bytes (before any blueprint)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(reject_nul)
