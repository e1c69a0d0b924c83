"""Reviews in the back office: the ones visitors reported, hidden ones; hide or restore
with a reason, both written to the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from catalog.models import Product
from catalog.reviews.models import Review
from catalog.reviews.services import hide_review, restore_review
from shop.accounts import admin_required
from shop.actions import commit_or_flash
from shop.extensions import db

from .listing import PER_PAGE, page_args, page_number

#: The lists: reported and still shown (the queue), hidden, every review.
VIEWS = ("reported", "hidden", "all")


class DecisionForm(FlaskForm):
    """Hide or restore: the reason is required (it goes to the audit log)."""

    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason.")), Length(max=500)],
    )


@admin_required
def reviews():
    """Reviews to moderate: reported first (most reports, latest), hidden, or all."""
    view = request.args.get("show", "reported")
    if view not in VIEWS:
        view = "reported"
    query = select(Review).options(selectinload(Review.photos))
    if view == "reported":
        query = query.where(Review.report_count > 0, Review.hidden.is_(False)).order_by(
            Review.report_count.desc(), Review.reported_at.desc(), Review.id.desc()
        )
    elif view == "hidden":
        query = query.where(Review.hidden.is_(True)).order_by(Review.id.desc())
    else:
        query = query.order_by(Review.id.desc())
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    ids = {review.product_id for review in page.items}
    slugs = (
        dict(db.session.execute(select(Product.id, Product.slug).where(Product.id.in_(ids))).all())
        if ids
        else {}
    )
    return render_template(
        "admin/reviews.html",
        page=page,
        page_args=page_args(),
        view=view,
        views=VIEWS,
        slugs=slugs,
        form=DecisionForm(),
    )


def _decide(review_id: int, operation, done: str):
    review = db.session.get(Review, review_id) or abort(404)
    form = DecisionForm()
    if form.validate():
        with commit_or_flash(done):
            operation(review, form.reason.data, current_user._get_current_object())
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    back = request.form.get("show")
    return redirect(url_for("admin.reviews", show=back if back in VIEWS else None), 303)


@admin_required
def review_hide(review_id: int):
    """Hide a review from every public page, with the reason (audited)."""
    return _decide(review_id, hide_review, _("The review is hidden."))


@admin_required
def review_restore(review_id: int):
    """Show a hidden review again, with the reason (audited)."""
    return _decide(review_id, restore_review, _("The review is shown again."))
