"""A lot's identifiers: its lot code, GTIN, GS1 Digital Link, EPCIS class and QR code."""

from __future__ import annotations

import re

import segno
from sqlalchemy import select

from producers.models import Cooperative, CooperativeStatus
from shop.extensions import db
from shop.urls import external_url

from ..models import Variant
from ..validators import normalize_gtin
from .models import Lot

LOT_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")  # GS1 AI 10 allows 20 characters


def lot_gtin(lot: Lot) -> str | None:
    """The lot's GTIN-14 when its variant has a valid one."""
    if not lot.variant.gtin:
        return None
    try:
        return normalize_gtin(lot.variant.gtin)
    except ValueError:
        return None


def lot_class_uri(lot: Lot) -> str:
    """The EPCIS class of the lot: its canonical GS1 Digital Link, or our URN."""
    gtin = lot_gtin(lot)
    if gtin:
        return f"https://id.gs1.org/01/{gtin}/10/{lot.code}"
    return f"urn:taawon:lot:{lot.public_id}"


def qr_url(lot: Lot) -> str:
    """What the label's QR code says: the Digital Link with a GTIN, else the trace URL.

    Printed on labels that outlive any request: always the public base URL.
    """
    gtin = lot_gtin(lot)
    if gtin:
        return external_url("trace.digital_link", gtin=gtin, code=lot.code)
    return external_url("trace.resolve", public_id=lot.public_id)


def qr_code(lot: Lot) -> segno.QRCode:
    """The lot's QR code; level M survives a scratched or creased label."""
    return segno.make(qr_url(lot), error="m", micro=False)


def find_lot_by_gtin(gtin: str, code: str) -> Lot | None:
    """Resolve a GS1 Digital Link: ValueError on a bad GTIN, None if unknown."""
    gtin14 = normalize_gtin(gtin)
    return db.session.scalar(
        select(Lot)
        .join(Lot.variant)
        .join(Lot.cooperative)
        .where(
            Variant.gtin == gtin14,
            Lot.code == code.upper(),
            Cooperative.status == CooperativeStatus.APPROVED,
        )
    )
