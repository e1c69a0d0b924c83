"""Favourites: a guest's in the session, an account's in ``favourite`` rows, read alike.

A guest's list (product ids, newest first, at most ``MAX_FAVOURITES``) joins
the account when they log in (``merge_guest``, no duplicates). Storefront
pages are cached for guests and cannot show who saved what: the ``fav``
cookie (the ids, not HttpOnly) is rewritten whenever the list changes, and
``static/js/taawon.js`` marks the hearts from it; signed-in visitors' pages,
never cached, also get the state from the server (``page_favourites``: one
query per page, whatever its number of cards).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g, request, session
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import delete, func, select

from shop.extensions import db
from shop.pagecache import public_render

from ..exceptions import CatalogError
from ..models import Product
from ..queries import visible_products
from .models import Favourite

SESSION_KEY = "favourites"
#: What ``static/js/taawon.js`` reads to mark the hearts on cached pages.
COOKIE = "fav"
#: Most favourites one person keeps (a guest's session, an account's rows).
MAX_FAVOURITES = 200


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _changed() -> None:
    """The list changed in this request: the cookie follows (``favourites.init_app``)."""
    g.favourites_changed = True


def saved_ids() -> list[int]:
    """The visitor's favourite product ids, newest first."""
    user_id = _user_id()
    if user_id is None:
        return [int(i) for i in session.get(SESSION_KEY, [])][:MAX_FAVOURITES]
    return list(
        db.session.scalars(
            select(Favourite.product_id)
            .where(Favourite.user_id == user_id)
            .order_by(Favourite.created_at.desc(), Favourite.id.desc())
            .limit(MAX_FAVOURITES)
        )
    )


def page_favourites() -> frozenset[int]:
    """The favourites a page's hearts show as pressed (none in public mode: the cookie says).

    Read once per request, so a page of any number of cards costs one query.
    """
    if public_render():
        return frozenset()  # a cached page is everyone's: no session, no query
    if "page_favourites" not in g:
        g.page_favourites = frozenset(saved_ids())
    return g.page_favourites


def is_visible(product_id: int) -> bool:
    """Is this a product the storefront shows (one may save only those)?"""
    query = visible_products().with_only_columns(Product.id).where(Product.id == product_id)
    return db.session.scalar(query) is not None


def toggle(product_id: int) -> bool:
    """Save the product, or forget it if it was saved; True when it is now saved."""
    _changed()
    g.pop("page_favourites", None)
    user_id = _user_id()
    if user_id is None:
        ids = [int(i) for i in session.get(SESSION_KEY, [])]
        if product_id in ids:
            ids.remove(product_id)
            session[SESSION_KEY] = ids
            return False
        if len(ids) >= MAX_FAVOURITES:
            raise _too_many()
        session[SESSION_KEY] = [product_id, *ids]
        return True
    removed: Any = db.session.execute(
        delete(Favourite).where(Favourite.user_id == user_id, Favourite.product_id == product_id)
    )
    if removed.rowcount:
        return False
    count = db.session.scalar(select(func.count()).where(Favourite.user_id == user_id)) or 0
    if count >= MAX_FAVOURITES:
        raise _too_many()
    db.session.add(Favourite(user_id=user_id, product_id=product_id))
    db.session.flush()
    return True


def _too_many() -> CatalogError:
    from flask_babel import lazy_gettext as _l

    return CatalogError(_l("Your list of favourites is full: remove one first."))


def merge_guest(user_id: int, guest: Iterable[int]) -> int:
    """Add a guest's favourites to an account's (those it has already are skipped); how many."""
    wanted = list(dict.fromkeys(int(i) for i in guest))
    if not wanted:
        return 0
    _changed()
    have = set(db.session.scalars(select(Favourite.product_id).where(Favourite.user_id == user_id)))
    room = max(0, MAX_FAVOURITES - len(have))
    existing = set(db.session.scalars(select(Product.id).where(Product.id.in_(wanted))))
    new = [i for i in wanted if i not in have and i in existing][:room]
    # The guest's newest first: the oldest is written first, so it stays oldest.
    db.session.add_all(Favourite(user_id=user_id, product_id=i) for i in reversed(new))
    db.session.flush()
    return len(new)


def cookie_value(ids: Iterable[int]) -> str:
    """The ``fav`` cookie's value: the ids, dot-separated (no quoting needed)."""
    return ".".join(str(i) for i in ids)


def page_path() -> str:
    """This page's path and query: where the heart's form comes back to."""
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def heart(
    product_id: int, pressed: bool, public: bool, form_id: str = "", label: str = ""
) -> Markup:
    """The heart: a button that saves a product to the favourites, or takes it off.

    On a page of cards each heart is tied by ``form=`` to one hidden form
    after the cards (favourites/_heart.html ``heart_form``: the toggle's
    address, the way back, the buttons' label), so that a card costs few
    bytes (pages have a weight budget: tests/shop/test_assets.py); the
    product page's has its own form and ``label``. Both POSTs are checked by
    origin (those pages are cached: no token). ``pressed`` is known on pages
    rendered for one visitor (``page_favourites()``); on a cached page
    (``public``) it is left out and static/js/taawon.js sets aria-pressed
    from the ``fav`` cookie. The heart itself is drawn by the stylesheet.

    Written here rather than as a Jinja macro: a page's 24 macro calls were
    about a tenth of a search results page's time.
    """
    if form_id:
        tie = f' form="{escape(form_id)}" aria-labelledby="{escape(form_id)}l"'
    else:
        tie = f' aria-label="{escape(label)}"'
    state = "" if public else f' aria-pressed="{"true" if pressed else "false"}"'
    return Markup(f'<button class="fav" name="p" value="{int(product_id)}"{tie}{state}></button>')
