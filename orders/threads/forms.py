"""The threads' forms (Flask-WTF: every POST checks its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .services import MAX_BODY


class MessageForm(FlaskForm):
    """A message, and a photo if the shopper or the cooperative wants to show something."""

    body = TextAreaField(
        _l("Your message"),
        validators=[DataRequired(_l("Write a message.")), Length(max=MAX_BODY)],
        render_kw={"rows": 5, "maxlength": MAX_BODY, "dir": "auto"},
    )
    photo = FileField(
        _l("Photo (optional: JPEG, PNG or WebP)"),
        validators=[
            Optional(),
            FileAllowed(("jpg", "jpeg", "png", "webp"), _l("JPEG, PNG or WebP only.")),
        ],
    )

    def photo_bytes(self) -> bytes | None:
        """The uploaded photo's bytes, or None."""
        upload = self.photo.data
        if not upload or not getattr(upload, "filename", ""):
            return None
        return upload.read() or None


class ReportForm(FlaskForm):
    """Report a conversation to the platform's team."""

    reason = TextAreaField(
        _l("What is wrong (optional)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 2, "maxlength": 1000, "dir": "auto"},
    )
