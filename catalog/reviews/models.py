"""A verified buyer's review of a product, its photos, the cooperative's answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import Model
from shop.models import utcnow

#: The most photos a review carries.
MAX_PHOTOS = 3
#: The longest text a review or an answer may have.
MAX_TEXT = 2000


class Review(Model):
    """One order line's review: stars, a text in one language, photos, an answer.

    ``order_line_id`` is unique (one review per line bought) and refers to the
    orders' table by name only: the catalogue does not import orders. The
    author is shown by ``author_name`` alone ("Amina A."), written when the
    review is, never the buyer's full name, address or order.
    """

    __tablename__ = "review"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        # The product page's reviews (shown, newest first) and its summary.
        Index("ix_review_product_shown", "product_id", "hidden", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_line.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    rating: Mapped[int] = mapped_column(Integer)
    #: The language the text is written in (ar, fr, en): shown with its lang and dir.
    locale: Mapped[str] = mapped_column(String(2))
    body: Mapped[str] = mapped_column(Text, default="")
    #: First name and initial ("Amina A."), as shown.
    author_name: Mapped[str] = mapped_column(String(60))
    #: The cooperative's public answer (once), in its own language.
    reply: Mapped[str | None] = mapped_column(Text)
    reply_locale: Mapped[str | None] = mapped_column(String(2))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: Hidden by an administrator (audited, with the reason): shown nowhere public.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    #: How many times visitors reported it, and the latest (the back office's queue).
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    photos: Mapped[list[ReviewPhoto]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewPhoto.position"
    )

    @property
    def direction(self) -> str:
        """The text's direction (``rtl`` for Arabic)."""
        return "rtl" if self.locale == "ar" else "ltr"

    @property
    def reply_direction(self) -> str:
        """The answer's direction."""
        return "rtl" if self.reply_locale == "ar" else "ltr"

    def __str__(self) -> str:
        return f"review {self.id} ({self.rating}/5, {self.author_name})"


class ReviewPhoto(Model):
    """A photo of a review: renditions made by the image pipeline (as ``ProductImage``)."""

    __tablename__ = "review_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    widths: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)

    review: Mapped[Review] = relationship(back_populates="photos")
