"""Catalog: categories, products, lots and traceability, search, storefront."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the storefront blueprint."""
    from .views import bp

    app.register_blueprint(bp)
