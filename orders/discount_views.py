"""The cart's code: applying and removing it, what the cart and checkout show.

``cart_code`` is a route of the orders blueprint (``orders/views.py`` adds it).
Every attempt to apply a code counts against two rate limits (per client
address and per session, ``DISCOUNT_CODE_LIMIT_PER_ADDRESS`` and
``DISCOUNT_CODE_LIMIT_PER_SESSION``), wherever the answer.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.extensions import limiter
from shop.money.policy import current_policy

from . import cart as store
from .discounts import codes
from .discounts.codes import BasketTooSmall, CodeRefused, Discount
from .discounts.forms import CartCodeForm
from .discounts.models import DiscountCode
from .services import Address, Quote, quote

ATTEMPTS_KEY = "discount_attempts"


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _per_address() -> str:
    return current_app.config.get("DISCOUNT_CODE_LIMIT_PER_ADDRESS", "30 per hour")


def _per_session() -> str:
    return current_app.config.get("DISCOUNT_CODE_LIMIT_PER_SESSION", "10 per 15 minutes")


def _session_key() -> str:
    # A random name for this visitor's session (the cookie holds no id of its own).
    if ATTEMPTS_KEY not in session:
        session[ATTEMPTS_KEY] = secrets.token_hex(8)
    return f"discount-session/{session[ATTEMPTS_KEY]}"


def lines_of(view: store.CartView) -> list[codes.Line]:
    """The cart's buyable lines as discounts see them."""
    return [
        codes.Line(line.variant, line.quantity, group.cooperative.id)
        for group in view.groups
        for line in group.lines
        if line.variant is not None
    ]


@limiter.limit(_per_address, methods=["POST"])
@limiter.limit(_per_session, key_func=_session_key, methods=["POST"])
def cart_code():
    """Apply the code typed in the cart (kept in the session), or remove it."""
    form = CartCodeForm()
    back = redirect(url_for("orders.cart"))
    if not form.validate():
        flash(_("This code cannot be used."), "error")
        return back
    if form.remove.data:
        session.pop(store.DISCOUNT_KEY, None)
        flash(_("The code is removed."), "success")
        return back
    try:
        code = codes.find_usable(form.code.data)
        codes.check_shopper(code, _user_id(), None)
        view = store.build_view(store.contents(), pictures=False)
        codes.apply(code, lines_of(view), current_policy())
    except BasketTooSmall as exc:
        # A valid code: kept, it applies once the basket is large enough.
        session[store.DISCOUNT_KEY] = code.code
        flash(str(exc.message), "warning")
        return back
    except CodeRefused as exc:
        flash(str(exc.message), "error")
        return back
    session[store.DISCOUNT_KEY] = code.code
    flash(_("The code %(code)s is applied.", code=code.code), "success")
    return back


# ---------------------------------------------------------------- what pages show


@dataclass(frozen=True)
class Preview:
    """The cart's code as the cart shows it: applied, or why not."""

    code: str
    discount: Discount | None = None
    problem: str | None = None
    form: CartCodeForm | None = None


def cart_preview(view: store.CartView) -> Preview:
    """The code in the session applied to the cart's items (shipping comes at checkout)."""
    text = session.get(store.DISCOUNT_KEY)
    form = CartCodeForm()
    if not text:
        return Preview("", form=form)
    try:
        code = codes.find_usable(text)
        codes.check_shopper(code, _user_id(), None)
        return Preview(text, codes.apply(code, lines_of(view), current_policy()), form=form)
    except (BasketTooSmall, CodeRefused) as exc:
        return Preview(text, problem=str(exc.message), form=form)


def session_code() -> str | None:
    """The code the shopper applied in the cart, if any."""
    return session.get(store.DISCOUNT_KEY) or None


def checkout_quote(
    items: Mapping[str, int], address: Address, view: store.CartView | None = None
) -> Quote:
    """``services.quote`` with the cart's code; a code that no longer applies is
    dropped with a message, and the order priced without it."""
    text = session_code()
    if text:
        try:
            code: DiscountCode = codes.find_usable(text)
            codes.check_shopper(code, _user_id(), address.email)
            return quote(items, address, view=view, code=code)
        except (BasketTooSmall, CodeRefused) as exc:
            session.pop(store.DISCOUNT_KEY, None)
            without = _("Your order is priced without it.")
            flash(f"{exc.message} {without}", "warning")
    return quote(items, address, view=view)
