"""What the back office's list pages share: the page size, the ``page`` argument,
the arguments pagination links keep, and day filters read in Casablanca time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import request

from shop.i18n import LOCAL_TZ
from shop.params import query_page

PER_PAGE = 50


def page_number() -> int:
    """The ``page`` query argument (1 when missing or not a positive number)."""
    return query_page()


def page_args() -> dict[str, str]:
    """The query arguments to keep in pagination links (all but ``page``)."""
    return {k: v for k, v in request.args.items() if k != "page" and v}


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in Casablanca, as the naive UTC time the database stores."""
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)
