"""Product search (issue #8 fills this package: index, analysis, backend)."""
from __future__ import annotations

from flask import Flask


def init_search(app: Flask) -> None:
    """Bind the search backend and its commands (none yet)."""
