"""Orders: cart, checkout, orders and shipments, stock, payments, refunds."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request, session

from shop.pagecache import public_render, watch

#: The default of ``HOLD_RELEASE_INTERVAL_SECONDS``.
HOLD_RELEASE_INTERVAL_SECONDS = 10


def monotonic() -> float:
    """The clock the storefront's hold releases are spaced by (tests move it)."""
    return time.monotonic()


def init_app(app: Flask) -> None:
    """Register the cart and order pages, the header's cart count, the cart merge at
    login, and guest orders joining the account once its address is confirmed."""
    from flask_babel import lazy_gettext as _l
    from flask_login import user_logged_in, user_logged_out

    from shop.extensions import db
    from shop.navigation import NavLink, add_link

    from . import cart, cod, models  # noqa: F401  (metadata; cod registers the reply handler)
    from .discount_views import cart_preview
    from .jobs import init_jobs
    from .review_views import init_reviews
    from .views import bp, confirm_short
    from .webhooks import bp as webhooks_bp

    app.add_template_global(cart_preview, "discount_preview")  # the cart's discount code
    init_reviews(app)  # a delivered line's review form (routes on bp, before registering)
    app.register_blueprint(bp)
    # The short confirmation link of cash-on-delivery texts (no language prefix).
    app.add_url_rule("/c/<token>", "confirm_short", confirm_short)
    app.register_blueprint(webhooks_bp)
    app.config.setdefault("STRIPE_SESSION_MINUTES", 30)
    # How long a cash-on-delivery order waits for the shopper's confirmation
    # before it lapses (a setting, not the published fair-trade policy, which
    # versions money rules only: see orders/services/confirmation.py).
    app.config.setdefault("COD_CONFIRM_HOURS", 48)
    # How often, at most, one process releases lapsed card holds before a
    # catalogue page (seconds; 0: before every one). The "release-holds" job
    # does it too; in between, a page may show held stock a little longer.
    app.config.setdefault("HOLD_RELEASE_INTERVAL_SECONDS", HOLD_RELEASE_INTERVAL_SECONDS)
    init_jobs(app)  # periodic: lapsed card holds and COD confirmations, money that came due
    from .invoicing import init_app as init_invoicing

    init_invoicing(app)  # legal invoices: templates, the PDF job, PLATFORM_LEGAL
    from .threads import init_app as init_threads

    init_threads(app)  # questions and messages between shoppers and cooperatives
    add_link(app, "account", NavLink("orders.history", _l("My orders")))

    @app.context_processor
    def cart_badge() -> dict[str, Any]:
        # Registered after the core's processor, so this count wins over its 0.
        # Mails are rendered with a language but no visitor: they have no cart.
        # A cached page is everyone's: its count comes from the cookie below.
        in_page = has_request_context() and bool(g.get("lang")) and not public_render()
        return {"cart_count": cart.item_count() if in_page else 0}

    @app.after_request
    def cart_count_cookie(response: Response) -> Response:
        # Whenever the cart changed (or logging in or out changed whose it
        # is), and on the cart page itself, which corrects a stale cookie.
        if g.get("cart_changed") or request.endpoint == "orders.cart":
            count = cart.item_count()
            sent = request.cookies.get(cart.COUNT_COOKIE)
            if count and sent != str(count):
                response.set_cookie(
                    cart.COUNT_COOKIE,
                    str(count),
                    samesite="Lax",
                    secure=app.config["SESSION_COOKIE_SECURE"],
                )
            elif not count and sent is not None:
                response.delete_cookie(cart.COUNT_COOKIE, samesite="Lax")
        return response

    @user_logged_out.connect_via(app)
    def logged_out(sender: Flask, user, **extra: Any) -> None:
        g.cart_changed = True  # the visitor's cart is the session's again

    # ---- policy helper (issue #7): shipping estimate and lapsed holds for the storefront.
    from .shipping import free_over, national_estimate
    from .views import _release_holds

    app.add_template_global(national_estimate, "shipping_estimate")
    app.add_template_global(free_over, "shipping_free_over")
    # The product page shows both (cached): a changed rate or threshold renews the pages.
    watch(models.ShippingRate)
    watch(models.CooperativeShipping)

    from .carriers import tracking, tracking_url

    app.add_template_global(tracking_url, "tracking_url")
    app.add_template_global(tracking, "shipment_tracking")

    # When this process last released holds before a page (its clock, per process).
    last_release: list[float | None] = [None]

    @app.before_request
    def release_lapsed_holds() -> None:
        # Storefront pages show stock: give back what lapsed unpaid card orders held.
        # One indexed query when nothing lapsed; commits only when something was released.
        # At most every HOLD_RELEASE_INTERVAL_SECONDS per process: the query was
        # about 8 % of an uncached home page.
        if (
            request.method == "GET"
            and request.blueprint == "catalog"
            and request.endpoint not in ("catalog.media", "catalog.sitemap")
        ):
            interval = app.config["HOLD_RELEASE_INTERVAL_SECONDS"]
            now = monotonic()
            last = last_release[0]
            if interval > 0 and last is not None and now - last < interval:
                return
            last_release[0] = now
            _release_holds()

    # ---- end policy helper

    from shop.accounts.hooks import address_confirmed

    @address_confirmed.connect_via(app)
    def attach_guest_orders(sender: Flask, user, **extra: Any) -> str | None:
        # Inside the confirming view's transaction: saved with it, or not at all.
        from flask_babel import ngettext

        from .services import attach_guest_orders as attach

        attached = attach(user.id, user.email)
        if not attached:
            return None
        return ngettext(
            "Your earlier order is now in your account.",
            "Your %(num)d earlier orders are now in your account.",
            len(attached),
        )

    @user_logged_in.connect_via(app)
    def merge_cart(sender: Flask, user, **extra: Any) -> None:
        # The login view has already committed; this is a step of its own.
        g.cart_changed = True  # the count is now the account's cart's
        guest = session.pop(cart.SESSION_KEY, None)
        if guest:
            cart.merge_guest_cart(user.id, guest)
            db.session.commit()
