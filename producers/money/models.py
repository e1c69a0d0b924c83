"""Payout batches: what each cooperative is paid, by bank transfer or Stripe Connect."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orders.models import Carrier
from producers.models import Cooperative
from shop.accounts.models import User
from shop.extensions import db
from shop.models import Timestamped, str_enum


class PayoutMethod(enum.StrEnum):
    """How a payout reaches the cooperative."""

    BANK = "bank"  # a bank transfer from the batch's CSV (the default)
    STRIPE = "stripe"  # Stripe Connect transfers to the connected account


class PayoutStatus(enum.StrEnum):
    """Where a payout stands."""

    CREATED = "created"  # in a batch; the money is in transit
    PAID = "paid"  # an administrator (or Stripe) confirmed it
    FAILED = "failed"  # refused by the bank or Stripe; the money returned to the balance


class PayoutBatch(Timestamped, db.Model):
    """One payout run: a payout per cooperative that had money payable."""

    __tablename__ = "payout_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None when run from the command line.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    total_cents: Mapped[int] = mapped_column(Integer, default=0)

    created_by: Mapped[User | None] = relationship()
    payouts: Mapped[list[Payout]] = relationship(back_populates="batch", order_by="Payout.id")


class Payout(Timestamped, db.Model):
    """The money paid to one cooperative in a batch, with the premium fund as its own line."""

    __tablename__ = "payout"
    __table_args__ = (
        CheckConstraint(
            "total_cents = revenue_cents + shipping_cents + fund_cents", name="total_is_sum"
        ),
        CheckConstraint("total_cents > 0", name="total_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batch.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    method: Mapped[PayoutMethod] = mapped_column(str_enum(PayoutMethod))
    status: Mapped[PayoutStatus] = mapped_column(str_enum(PayoutStatus), index=True)
    #: Producer revenue (after netting a negative balance), shipping and the
    #: community fund; each may be negative only when netted by the others.
    revenue_cents: Mapped[int] = mapped_column(Integer)
    shipping_cents: Mapped[int] = mapped_column(Integer)
    fund_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    #: The RIB and holder at the time of the run (a later change does not redirect it).
    rib: Mapped[str | None] = mapped_column(String(24))
    rib_holder: Mapped[str] = mapped_column(String(120), default="")
    stripe_account_id: Mapped[str | None] = mapped_column(String(64))
    #: Stripe transfer ids, one per line ("tr_…"), when paid by Stripe Connect.
    stripe_transfer_ids: Mapped[str] = mapped_column(Text, default="")
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    failure_reason: Mapped[str] = mapped_column(Text, default="")

    batch: Mapped[PayoutBatch] = relationship(back_populates="payouts")
    cooperative: Mapped[Cooperative] = relationship()

    @property
    def reference(self) -> str:
        """What the bank transfer's label and the statements show."""
        return f"TAAWON-P{self.id:06d}"


class CodRemittance(Timestamped, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy
    """A carrier's cash-on-delivery remittance statement, imported once.

    The file's SHA-256 is unique, so the same statement sent twice is refused
    before any line is read; ``producers.money.remittance`` imports it.
    """

    __tablename__ = "cod_remittance"
    __table_args__ = (
        CheckConstraint("parcel_count > 0", name="parcel_count_positive"),
        CheckConstraint("total_cents > 0", name="total_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carrier.id"), index=True)
    #: SHA-256 of the file's bytes, hex.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    parcel_count: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    carrier: Mapped[Carrier] = relationship()
    created_by: Mapped[User | None] = relationship()
