"""The bank's file: a batch's bank transfers still to make, for the bank's bulk upload."""

from __future__ import annotations

from sqlalchemy import select

from producers.models import Cooperative
from producers.money.models import Payout, PayoutBatch, PayoutMethod, PayoutStatus
from producers.money.payouts import CURRENCY
from shop.extensions import db
from shop.money.amounts import mad_str
from shop.spreadsheet import csv_text, text_cell

CSV_HEADER = ("reference", "beneficiary", "rib", "amount", "currency", "label")


def bank_csv(batch: PayoutBatch) -> str:
    """The bank transfers of ``batch`` still to make, as CSV text (with a BOM, CRLF lines).

    One row per bank payout in transit: reference, beneficiary (account holder,
    else the legal name), RIB, amount in dirhams with a dot ("1234.56",
    computed from integer centimes), currency, transfer label. The BOM makes
    Excel read the file as UTF-8 (accented and Arabic names), which it
    otherwise reads as Windows-1252; bank portals that want plain CSV skip it
    with the header row.
    """
    rows = [CSV_HEADER]
    for payout, legal_name in db.session.execute(
        select(Payout, Cooperative.legal_name)
        .join(Cooperative, Cooperative.id == Payout.cooperative_id)
        .where(
            Payout.batch_id == batch.id,
            Payout.method == PayoutMethod.BANK,
            Payout.status == PayoutStatus.CREATED,
        )
        .order_by(Payout.id)
    ):
        rows.append(
            [
                payout.reference,
                text_cell(payout.rib_holder or legal_name),
                text_cell(payout.rib or ""),
                mad_str(payout.total_cents),
                CURRENCY,
                text_cell(f"Taawon {payout.reference}"),
            ]
        )
    return csv_text(rows)
