"""Reviewing a delivered product: the form at /<lang>/orders/<number>/review/<line>.

Routes on the orders blueprint (added before it is registered); the order
page and the "delivered" message link here for each delivered line.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, MultipleFileField
from sqlalchemy import select
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lag 3.3
from wtforms.validators import InputRequired, Length

from catalog.models import Product
from catalog.reviews.models import MAX_PHOTOS, MAX_TEXT
from catalog.reviews.services import PHOTO_MAX_BYTES
from shop.actions import commit_or_flash
from shop.extensions import db
from shop.i18n import LANGUAGE_NAMES, LANGUAGES

from . import reviews, services
from .views import bp

STARS = [
    SelectChoice(5, _l("5 stars: excellent")),
    SelectChoice(4, _l("4 stars: good")),
    SelectChoice(3, _l("3 stars: fair")),
    SelectChoice(2, _l("2 stars: poor")),
    SelectChoice(1, _l("1 star: bad")),
]


class ReviewForm(FlaskForm):
    """Stars, a text in one of the three languages, up to three photos."""

    rating = RadioField(
        _l("Your rating"),
        choices=STARS,
        coerce=int,
        validators=[InputRequired(_l("Choose from 1 to 5 stars."))],
    )
    body = TextAreaField(
        _l("Your review"),
        validators=[Length(max=MAX_TEXT, message=_l("Use at most %(max)d characters."))],
    )
    locale = SelectField(
        _l("Written in"), choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    )
    photos = MultipleFileField(
        _l("Photos (up to 3)"),
        validators=[FileAllowed(("jpg", "jpeg", "png", "webp"), _l("JPEG, PNG or WebP only."))],
    )

    def validate_photos(self, field) -> None:
        """At most ``MAX_PHOTOS`` files."""
        if len([f for f in field.data or () if f and f.filename]) > MAX_PHOTOS:
            raise ValueError(
                ngettext("At most %(num)d photo.", "At most %(num)d photos.", MAX_PHOTOS)
            )


@bp.route("/orders/<number>/review/<int:line_id>", methods=["GET", "POST"])
@login_required
def review_line(number: str, line_id: int):
    """Review a delivered line of one's own order: stars, text, photos."""
    found = services.order_for(number, current_user.id, None, is_admin=False)
    if found is None or found.user_id != current_user.id:
        abort(404)
    line = next((line for line in found.lines if line.id == line_id), None)
    if line is None:
        abort(404)
    back = url_for("orders.order", number=found.number, _anchor=f"shipment-{line.shipment_id}")
    problem = reviews.refusal(line)
    if problem is not None:
        flash(str(problem), "error")
        return redirect(back)
    form = ReviewForm()
    if not form.is_submitted():
        form.locale.data = g.lang
    if form.validate_on_submit():
        uploads = [f.read(PHOTO_MAX_BYTES + 1) for f in form.photos.data or () if f and f.filename]
        with commit_or_flash(_("Thank you for your review!")) as outcome:
            reviews.write_review(
                line,
                current_user,
                rating=form.rating.data,
                body=form.body.data or "",
                locale=form.locale.data,
                photos=uploads,
            )
        if outcome.ok:
            slug = db.session.scalar(select(Product.slug).where(Product.id == line.product_id))
            return redirect(url_for("catalog.product", slug=slug, _anchor="reviews"))
    return render_template(
        "orders/write_review.html", order=found, line=line, form=form
    ), 400 if form.errors else 200


def init_reviews(app: Flask) -> None:
    """The order page's per-line review state."""

    @app.context_processor
    def review_helpers() -> dict[str, Any]:
        return {"reviewed_lines": reviews.reviewed_lines}
