"""Orders: cart, checkout, orders and shipments, stock, payments, refunds."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the cart and order pages."""
    from .views import bp

    app.register_blueprint(bp)
