"""Favourites and stock alerts (issue #18): a heart on cards and product pages, a
favourites page, and "tell me when it is back" for a sold-out size.

- ``models.py``: ``favourite`` (an account's saved products) and ``stock_alert``;
- ``saved.py``: favourites in the session (guests) or in rows (accounts),
  merged at login, and the ``fav`` cookie the hearts of cached pages read;
- ``alerts.py``: sign-up, the restock watch, the send and sweep jobs, the
  signed links;
- ``views.py``: the ``favourites`` blueprint (personal: ``private, no-store``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request, session


def init_favourites(app: Flask) -> None:
    """The blueprint, the hearts' template helper and cookie, the merge at login, the jobs."""
    from flask_babel import lazy_gettext as _l
    from flask_login import user_logged_in, user_logged_out

    from shop.extensions import db
    from shop.navigation import NavLink, add_link

    from . import models  # noqa: F401  (metadata)
    from .alerts import init_alerts
    from .saved import (
        COOKIE,
        SESSION_KEY,
        cookie_value,
        heart,
        merge_guest,
        page_favourites,
        page_path,
        saved_ids,
    )
    from .views import alert_short, bp

    app.register_blueprint(bp)
    # The short link of alert texts (no language prefix), like orders' /c/<token>.
    app.add_url_rule("/a/<token>", "stock_alert_short", alert_short)
    app.config.setdefault("STOCK_ALERT_RATE_LIMIT", "5 per minute;30 per day")
    app.add_template_global(page_favourites, "page_favourites")
    app.add_template_global(page_path, "page_path")
    app.add_template_global(heart, "heart")
    add_link(app, "account", NavLink("favourites.page", _l("My favourites")))
    add_link(app, "footer", NavLink("favourites.page", _l("My favourites")))
    init_alerts(app)

    @app.after_request
    def favourites_cookie(response: Response) -> Response:
        # Whenever the list changed (or logging in or out changed whose it
        # is), and on the favourites page itself, which corrects a stale cookie.
        if g.get("favourites_changed") or request.endpoint == "favourites.page":
            known = None if g.get("favourites_changed") else g.get("favourite_ids")
            value = cookie_value(saved_ids() if known is None else known)
            sent = request.cookies.get(COOKIE)
            if value and sent != value:
                response.set_cookie(
                    COOKIE, value, samesite="Lax", secure=app.config["SESSION_COOKIE_SECURE"]
                )
            elif not value and sent is not None:
                response.delete_cookie(COOKIE, samesite="Lax")
        return response

    @user_logged_in.connect_via(app)
    def merge_favourites(sender: Flask, user, **extra: Any) -> None:
        # After the login view's commit (as the cart's merge): a step of its own.
        g.favourites_changed = True  # the hearts are now the account's
        guest = session.pop(SESSION_KEY, None)
        if guest:
            merge_guest(user.id, guest)
            db.session.commit()

    @user_logged_out.connect_via(app)
    def forget_favourites(sender: Flask, user, **extra: Any) -> None:
        g.favourites_changed = True  # back to the session's (none)
