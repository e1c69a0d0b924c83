"""Public traceability pages (issue #5 fills this module)."""
from __future__ import annotations

from flask import Flask


def init_trace(app: Flask) -> None:
    """Register the trace pages, their helpers and demo lots (none yet)."""
