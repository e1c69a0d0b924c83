"""The bank's file: a batch's bank transfers still to make, for the bank's bulk upload.

``bank_csv`` makes it on demand (the batch page's download, ``flask payouts
bank-csv``). After each payout run a job (``write_bank_file``) also keeps
the file as the run made it in the private storage, ``payouts/`` (never
served by ``/media/``): the record of what the bank was asked to pay.
"""

from __future__ import annotations

from sqlalchemy import select

from producers.models import Cooperative
from producers.money.models import Payout, PayoutBatch, PayoutMethod, PayoutStatus
from producers.money.payouts import CURRENCY
from shop import jobs
from shop.extensions import db
from shop.money.amounts import mad_str
from shop.spreadsheet import csv_text, text_cell
from shop.storage import get_private_storage

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


def bank_file_name(batch_id: int) -> str:
    """Where the bank file of batch ``batch_id`` is kept in the private storage."""
    return f"payouts/taawon-payouts-{batch_id}.csv"


@jobs.job("payout-bank-file")
def write_bank_file(batch_id: int) -> bool:
    """Keep batch ``batch_id``'s bank file in the private storage; False if already kept.

    Written once: a retry or a second run finds the file and keeps it (the
    storage never overwrites a name), so the kept file is the run's.
    """
    storage = get_private_storage()
    name = bank_file_name(batch_id)
    batch = db.session.get(PayoutBatch, batch_id)
    if batch is None or storage.exists(name):
        return False
    storage.save(name, bank_csv(batch).encode("utf-8"))
    return True
