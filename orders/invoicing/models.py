"""Invoices, credit notes and commission invoices, and their numbering counters.

An ``Invoice`` row is a legal document: everything it says is frozen in
``content`` (a JSON snapshot of the seller, the buyer, the lines, the taxes)
when it is issued, in the transaction of the event that causes it. Its PDF
is rendered from that snapshot once, stored under its SHA-256 in the private
storage, and never rendered again: only the three ``pdf_*`` columns may be
filled in later, once, and nothing else ever changes (a listener refuses).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from producers.models import Cooperative
from shop.extensions import Model
from shop.models import str_enum, utcnow

from ..models import Order, Refund, Shipment


class InvoiceKind(enum.StrEnum):
    """What a document is, and who issues it to whom."""

    INVOICE = "invoice"  # a cooperative to the shopper, for one parcel
    CREDIT_NOTE = "credit_note"  # a cooperative to the shopper, for a refund ("avoir")
    COMMISSION = "commission"  # the platform to a cooperative, a month's commission


#: The number's prefix of each kind: F-2026-000123, AV-2026-000124, TW-2026-000007.
PREFIXES = {
    InvoiceKind.INVOICE: "F",
    InvoiceKind.CREDIT_NOTE: "AV",
    InvoiceKind.COMMISSION: "TW",
}


class InvoiceCounter(Model):
    """The last number given in a series and year: the one row numbering locks.

    Series ``coop:<id>`` numbers a cooperative's invoices and credit notes
    together; ``platform`` numbers the commission invoices.
    """

    __tablename__ = "invoice_counter"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_not_negative"),)

    series: Mapped[str] = mapped_column(String(30), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(Model):
    """An issued invoice or credit note, frozen; its PDF is written once."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("series", "year", "sequence"),
        CheckConstraint("sequence > 0", name="sequence_positive"),
        CheckConstraint("total_cents = net_cents + tax_cents", name="total_is_sum"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Names the event, like a ledger entry's key ("invoice:shipment:12",
    #: "credit:refund:3:shipment:12", "commission:coop:4:2026-11"): issuing
    #: twice for the same event finds the first and writes nothing.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[InvoiceKind] = mapped_column(str_enum(InvoiceKind), index=True)
    series: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    #: "F-2026-000123": what the document shows (unique within its series:
    #: two cooperatives each have their F-2026-000001).
    number: Mapped[str] = mapped_column(String(30), index=True)
    #: The shop's calendar day it was issued (Casablanca).
    issue_date: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: The cooperative that sells (invoices, credit notes) or is invoiced (commission).
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipment.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refund.id"), index=True)
    #: A credit note's invoice.
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    #: A commission invoice's month, "2026-11".
    period: Mapped[str] = mapped_column(String(7), default="", server_default="")
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    net_cents: Mapped[int] = mapped_column(Integer)
    tax_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    #: Everything the document says, as issued (orders/invoicing/documents.py).
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The PDF in the private storage (``invoices/<sha256>.pdf``), once rendered.
    pdf_name: Mapped[str | None] = mapped_column(String(120))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    rendered_at: Mapped[datetime | None] = mapped_column(DateTime)

    cooperative: Mapped[Cooperative] = relationship()
    order: Mapped[Order | None] = relationship()
    shipment: Mapped[Shipment | None] = relationship()
    refund: Mapped[Refund | None] = relationship()
    refers_to: Mapped[Invoice | None] = relationship(remote_side="Invoice.id")

    @property
    def download_name(self) -> str:
        """The file name offered to the browser."""
        return f"{self.number}.pdf"

    def __repr__(self) -> str:
        return f"<Invoice {self.number}>"


#: The only columns that may change after issue, and only from empty.
WRITE_ONCE = frozenset({"pdf_name", "pdf_sha256", "rendered_at"})


@event.listens_for(Invoice, "before_update")
def _frozen(_mapper: Any, _connection: Any, target: Invoice) -> None:
    state: Any = inspect(target)
    for attr in state.attrs:
        history = attr.history
        if not history.has_changes():
            continue
        if attr.key not in WRITE_ONCE:
            raise ValueError(f"an issued invoice never changes ({attr.key}); issue a credit note")
        if any(old is not None for old in history.deleted):
            raise ValueError(f"an invoice's PDF is written once ({attr.key})")


@event.listens_for(Invoice, "before_delete")
def _kept(_mapper: Any, _connection: Any, _target: Invoice) -> None:
    raise ValueError("issued invoices are kept (ten years, Code de commerce art. 22)")
