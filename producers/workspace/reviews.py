"""The cooperative's reviews: what verified buyers said of its products, and its answer.

A cooperative answers each review publicly, once. Another cooperative's
review is 404 here (``owned_or_404``), whatever its id.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from catalog.models import Product, ProductTranslation
from catalog.reviews.models import MAX_TEXT, Review
from catalog.reviews.services import reply_to_review
from producers.workspace.access import flash_form_errors, owned_or_404, workspace
from producers.workspace.forms import options
from shop.actions import commit_or_flash
from shop.extensions import db
from shop.i18n import LANGUAGE_NAMES, LANGUAGES
from shop.params import query_page

PER_PAGE = 20


class ReplyForm(FlaskForm):
    """The cooperative's public answer to one review."""

    text = TextAreaField(
        _l("Your public answer"),
        validators=[
            DataRequired(_l("Write your answer.")),
            Length(max=MAX_TEXT, message=_l("Use at most %(max)d characters.")),
        ],
    )
    locale = SelectField(
        _l("Written in"), choices=options((code, LANGUAGE_NAMES[code]) for code in LANGUAGES)
    )


@workspace()
def reviews(**_kw):
    """The reviews of the cooperative's products, newest first, each with its answer form."""
    page = db.paginate(
        select(Review)
        .where(Review.cooperative_id == g.coop.id)
        .options(selectinload(Review.photos))
        .order_by(Review.created_at.desc(), Review.id.desc()),
        page=query_page(),
        per_page=PER_PAGE,
        error_out=False,
    )
    ids = {review.product_id for review in page.items}
    names: dict[int, dict[str, str]] = {}
    if ids:
        for product_id, slug, locale, name in db.session.execute(
            select(Product.id, Product.slug, ProductTranslation.locale, ProductTranslation.name)
            .join(ProductTranslation, ProductTranslation.product_id == Product.id)
            .where(Product.id.in_(ids))
        ):
            names.setdefault(product_id, {"slug": slug})[locale] = name
    form = ReplyForm()
    form.locale.data = g.lang
    return render_template("producers/reviews.html", coop=g.coop, page=page, names=names, form=form)


@workspace()
def reply(review_id: int, **_kw):
    """Answer a review publicly (once)."""
    review = owned_or_404(Review, review_id)
    form = ReplyForm()
    if form.validate_on_submit():
        with commit_or_flash(_("Your answer is published.")):
            reply_to_review(review, form.text.data or "", form.locale.data or "", current_user)
    else:
        flash_form_errors(form)
    page = request.args.get("page")
    return redirect(
        url_for("producers.reviews", slug=g.coop.slug, page=page, _anchor=f"review-{review.id}")
    )
