"""Who gets into the workspace, and the small helpers its screens share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from producers import services
from producers.models import Cooperative, CooperativeStatus, MembershipRole
from shop.extensions import db

T = TypeVar("T")

#: An application in these states is still the cooperative's to edit (no dashboard yet).
EDITABLE = (CooperativeStatus.DRAFT, CooperativeStatus.CHANGES_REQUESTED)
#: Methods that only read: a suspended cooperative's managers may still use them.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def refuse_if_suspended(coop: Cooperative):
    """403 with a page saying why, for a change asked of a suspended cooperative; else None.

    Every state-changing request goes through here, whichever screen it is
    for: products cannot be published, bank details cannot be redirected, the
    team cannot be changed. Reading stays open (GET/HEAD): the managers keep
    their statements, balance and parcels lists for their own books and can
    see what the suspension is about.
    """
    if coop.status != CooperativeStatus.SUSPENDED or request.method in SAFE_METHODS:
        return None
    message = _(
        "%(coop)s is suspended: nothing can be changed until the platform lifts the "
        "suspension. Its pages can still be read, and its payouts wait.",
        coop=coop.legal_name,
    )
    return render_template("producers/suspended.html", coop=coop, message=message, code=403), 403


def workspace(owner_only: bool = False) -> Callable:
    """Load ``g.coop`` from the URL's slug; only its managers get through.

    Anonymous visitors go to the login page; signed-in people who do not
    manage this cooperative get 403 (an unknown slug is 404). A suspended
    cooperative's pages can be read but nothing can be changed: every
    state-changing method gets 403 (``refuse_if_suspended``), before the
    view runs, so no screen can forget it.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(slug: str, **kwargs):
            coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
            if coop is None:
                abort(404)
            member = services.membership(current_user, coop)
            if member is None or (owner_only and member.role != MembershipRole.OWNER):
                abort(403)
            g.coop, g.membership = coop, member
            refusal = refuse_if_suspended(coop)
            if refusal is not None:
                return refusal
            return view(**kwargs)

        return wrapped

    return decorator


def owned_or_404(model: type[T], object_id: int) -> T:
    """The row of ``model`` with this id if it belongs to ``g.coop`` (else 404)."""
    item = db.session.scalar(
        select(model).where(model.id == object_id, model.cooperative_id == g.coop.id)
    )
    if item is None:
        abort(404)
    return item


def owned_rows(model: type[T], *order_by: Any) -> list[T]:
    """All of ``g.coop``'s rows of ``model``, in this order."""
    return list(
        db.session.scalars(
            select(model).where(model.cooperative_id == g.coop.id).order_by(*order_by)
        )
    )


def fill_translations(form: FlaskForm, translations: Any, fields: tuple[str, ...]) -> None:
    """On a GET, put each translation's texts in the form's ``<field>_<locale>`` fields."""
    if request.method == "GET":
        for t in translations:
            for field in fields:
                getattr(form, f"{field}_{t.locale}").data = getattr(t, field)


def flash_form_errors(form: FlaskForm) -> None:
    """Flash every error of a form that has no page of its own to show them on."""
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")
