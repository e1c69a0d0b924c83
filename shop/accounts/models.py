"""Users: shoppers, cooperative managers and administrators."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..messaging.models import Channel
from ..models import Timestamped, str_enum


class User(UserMixin, Timestamped, db.Model):
    """A person with an account. Managers are linked to cooperatives through
    ``producers.models.Membership``; administrators carry ``is_admin``."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased so that look-ups ignore case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Language for e-mails and the first page after login.
    locale: Mapped[str] = mapped_column(String(2), default="fr")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Inactive accounts cannot log in (Flask-Login reads ``is_active``).
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: The mobile number text messages go to, in E.164 (``+212612345678``); "" if none.
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    #: How the person wants to hear about their orders: e-mail, SMS or
    #: WhatsApp (``shop.messaging.Recipient.for_user``; e-mail without a phone).
    message_channel: Mapped[Channel] = mapped_column(
        str_enum(Channel), default=Channel.EMAIL, server_default=Channel.EMAIL.value
    )
    #: Part of the login identity (``get_id``): raising it ends every session
    #: and every remember-me cookie issued before (``services.end_sessions``).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    def get_id(self) -> str:
        """``"<id>:<session version>"``, stored in the session and the remember cookie.

        Flask-Login's documented alternative-token pattern: the user loader
        refuses an identity whose version is no longer the user's, so a copied
        session or remember cookie dies when the version moves on.
        """
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def set_password(self, password: str) -> None:
        """Hash and store a new password (``PASSWORD_HASH_METHOD``, scrypt by default)."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
