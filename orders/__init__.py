"""Orders: cart, checkout, orders and shipments, stock, payments, refunds."""
from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, session


def init_app(app: Flask) -> None:
    """Register the cart and order pages, the header's cart count, the cart merge at login."""
    from flask_babel import lazy_gettext as _l
    from flask_login import user_logged_in

    from shop.cli import add_seeder
    from shop.extensions import db
    from shop.navigation import NavLink, add_link

    from . import cart, models  # noqa: F401  (metadata)
    from .services import init_mail_queue
    from .shipping import ensure_default_rates
    from .views import bp
    from .webhooks import bp as webhooks_bp

    app.register_blueprint(bp)
    app.register_blueprint(webhooks_bp)
    app.config.setdefault("STRIPE_SESSION_MINUTES", 30)
    init_mail_queue()
    add_seeder(app, ensure_default_rates)
    add_link(app, "account", NavLink("orders.history", _l("My orders")))

    @app.context_processor
    def cart_badge() -> dict[str, Any]:
        # Registered after the core's processor, so this count wins over its 0.
        # Mails are rendered with a language but no visitor: they have no cart.
        in_page = has_request_context() and bool(g.get("lang"))
        return {"cart_count": cart.item_count() if in_page else 0}

    @user_logged_in.connect_via(app)
    def merge_cart(sender: Flask, user, **extra: Any) -> None:
        # The login view has already committed; this is a step of its own.
        guest = session.pop(cart.SESSION_KEY, None)
        if guest:
            cart.merge_guest_cart(user.id, guest)
            db.session.commit()
