"""Producers: cooperatives, applications, members, workspace, payouts."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the cooperatives' models, pages and demo data."""
    from shop.cli import add_seeder

    from . import models  # noqa: F401  (metadata)
    from .demo import seed_cooperatives

    add_seeder(app, seed_cooperatives)
