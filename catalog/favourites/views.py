"""Favourites and stock alerts: the page, the heart's toggle, the "tell me" form, its links.

The heart and the "tell me when it is back" form stand on cached storefront
pages, which carry no CSRF token: their POSTs are checked by origin
(``shop.security.same_origin``), as add-to-cart is. The favourites page and
an alert's page are personal (``private, no-store``: ``shop.security``) and
their forms carry the token.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from shop.accounts.forms import ConfirmForm
from shop.accounts.views import local_path
from shop.actions import commit_or_flash
from shop.extensions import db, limiter
from shop.i18n import best_language
from shop.params import parse_int, query_page
from shop.security import same_origin

from ..cards import cards_by_ids
from ..models import Product, Variant
from ..queries import PAGE_SIZE, visible_products
from . import alerts, saved

bp = Blueprint("favourites", __name__, template_folder="templates", url_prefix="/<lang:lang>")


class IdPagination(Pagination):
    """A page of an id list already in memory (at most ``MAX_FAVOURITES``)."""

    def _query_items(self) -> list[int]:
        ids: list[int] = self._query_args["ids"]
        return ids[self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["ids"])


@bp.route("/favourites")
def page():
    """The visitor's favourites, newest first, each with a button that removes it."""
    ids = saved.saved_ids()
    # One read of the list: the hearts' state and the cookie reuse it.
    g.page_favourites, g.favourite_ids = frozenset(ids), ids
    pages = IdPagination(page=query_page(), per_page=PAGE_SIZE, error_out=False, ids=ids)
    cards = cards_by_ids(pages.items, visible_products())
    return render_template("favourites/page.html", page=pages, cards=cards)


def _back(default: str) -> str:
    return local_path(request.form.get("back", ""), default)


@bp.route("/favourites/toggle", methods=["POST"])
@same_origin
def toggle():
    """The heart: save the product, or forget it; back to the page it was pressed on."""
    back = _back(url_for(".page"))
    product_id = parse_int(request.form.get("p"), min=1)
    if product_id is None:
        abort(404)
    saved_now = None
    with commit_or_flash() as outcome:
        if not saved.is_visible(product_id) and product_id not in saved.saved_ids():
            abort(404)
        saved_now = saved.toggle(product_id)
    if outcome.ok:
        if saved_now:
            flash(_("Saved to your favourites."), "success")
        else:
            flash(_("Removed from your favourites."), "success")
    return redirect(back)


def _alert_limit() -> str:
    return current_app.config["STOCK_ALERT_RATE_LIMIT"]


@bp.route("/stock-alerts", methods=["POST"])
@same_origin
@limiter.limit(_alert_limit)
def subscribe():
    """ "Tell me when it is back" for a sold-out size: an e-mail address or a mobile number."""
    sku = (request.form.get("variant") or "")[:64]
    variant = db.session.scalar(
        visible_products()
        .with_only_columns(Variant)
        .join(Variant, Variant.product_id == Product.id)
        .where(Variant.sku == sku, Variant.active.is_(True))
    )
    if variant is None:
        abort(404)
    product_url = url_for("catalog.product", slug=variant.product.slug, variant=variant.sku)
    with commit_or_flash() as outcome:
        alerts.subscribe(variant, request.form.get("contact", ""), g.lang)
    if outcome.ok:
        flash(_("We will tell you once, when this size is back."), "success")
    return redirect(product_url)


@bp.route("/stock-alerts/<token>", methods=["GET", "POST"])
def alert(token: str):
    """An alert message's link: the product, and a button that stops every alert of the contact.

    GET changes nothing (a link preview or a mail scanner may open it); the
    POST, with its CSRF token, unsubscribes. No login: the signed token is
    the proof.
    """
    found = alerts.read_token(token)
    if found is None:
        abort(404)
    variant_id, contact = found
    variant = db.session.get(Variant, variant_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        alerts.unsubscribe(contact)
        db.session.commit()
        flash(_("Done: no more alerts will be sent to this address."), "success")
        return redirect(url_for(".alert", token=token))
    waiting = db.session.scalar(
        select(db.func.count())
        .select_from(alerts.StockAlert)
        .where(alerts.StockAlert.email == contact.email, alerts.StockAlert.phone == contact.phone)
    )
    return render_template(
        "favourites/alert.html",
        variant=variant,
        contact=contact,
        waiting=waiting,
        confirm=form,
        token=token,
    )


def alert_short(token: str):
    """``/a/<token>``: the link as texts carry it (two Arabic SMS parts), in the visitor's language."""
    return redirect(url_for("favourites.alert", lang=best_language(request), token=token), 302)
