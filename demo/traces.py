"""Demo lots for ``flask seed-demo``: one lot per demo product, with a realistic story."""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from catalog.models import Unit, Variant
from catalog.trace import (
    Contribution,
    ContributionKind,
    EventType,
    Lot,
    LotDetails,
    Place,
    Quantity,
    create_lot,
    record_correction,
    record_trace_event,
    store_evidence,
)
from catalog.validators import gs1_check_digit
from producers.models import Cooperative, Member, MemberGender
from shop.extensions import db

from .art import draw_product
from .catalog import PRODUCTS, DemoProduct
from .trace_stories import (
    ARGAN_CORRECTION,
    ARGAN_FILTERING,
    ARGAN_TYPO,
    CHAINS,
    GTIN_PRODUCTS,
    LOT,
    MEN,
    MOROCCO,
    SPECIAL_CHAINS,
    WOMEN,
    DemoStep,
)


def _gtin(number: int) -> str:
    body = f"6112345{number:05d}"
    return (body + str(gs1_check_digit(body))).zfill(14)


def _members(coop: Cooperative) -> list[Member]:
    """The cooperative's members, creating six fictional ones the first time."""
    existing = list(
        db.session.scalars(
            select(Member).where(Member.cooperative_id == coop.id).order_by(Member.id)
        )
    )
    if existing:
        return existing
    women_only = coop.women_members_count == coop.members_count
    names = list(WOMEN[:6]) if women_only else [*WOMEN[:4], *MEN[:2]]
    seed = zlib.crc32(coop.slug.encode())
    members = []
    for index, name in enumerate(names[seed % 3 :] + names[: seed % 3]):
        members.append(
            Member(
                cooperative=coop,
                full_name=name,
                role="présidente" if index == 0 else "membre",
                gender=MemberGender.FEMALE if name in WOMEN else MemberGender.MALE,
            )
        )
    db.session.add_all(members)
    db.session.flush()
    return members


def _lab_report_pdf(lines: list[str]) -> bytes:
    """A one-page PDF (what a lab would send), small enough to write by hand."""
    text = (
        "BT /F1 12 Tf 56 780 Td 16 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
            for line in lines
        )
        + " ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(text.encode("cp1252"))
        + text.encode("cp1252")
        + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _quantities(specs, bulk: float, units: int) -> list[Quantity]:
    return [
        Quantity(
            material,
            Decimal(units) if material == "lot" else Decimal(str(round(factor * bulk, 3))),
            uom,
        )
        for material, factor, uom in specs
    ]


def _record(
    lot: Lot,
    coop: Cooperative,
    spec: DemoStep,
    start: date,
    bulk: float,
    units: int,
    product: DemoProduct,
    corrects=None,
):
    moment = datetime.combine(
        start + timedelta(days=spec.day), datetime.min.time(), MOROCCO
    ).replace(hour=spec.hour)
    evidence = None
    if spec.evidence == "pdf":
        evidence = store_evidence(
            _lab_report_pdf(
                [
                    "Certificat d'analyse / Certificate of analysis",
                    f"Lot {lot.code} - {coop.legal_name}".encode("cp1252", "replace").decode(
                        "cp1252"
                    ),
                    spec.texts[2].encode("cp1252", "replace").decode("cp1252"),
                ]
            )
        )
    elif spec.evidence == "photo":
        evidence = store_evidence(draw_product(product.art, product.seed, size=640))
    fields = dict(
        event_type=EventType.OBJECT if spec.action else EventType.TRANSFORMATION,
        step=spec.step,
        occurred_at=moment,
        action=spec.action,
        place=Place(spec.place or coop.commune),
        description=dict(zip(("fr", "ar", "en"), spec.texts)),
        inputs=_quantities(spec.inputs, bulk, units),
        outputs=_quantities(spec.outputs, bulk, units),
        evidence=evidence,
    )
    if corrects is not None:
        return record_correction(corrects, coop, **fields)
    return record_trace_event(lot, coop, **fields)


def seed_trace() -> list[str]:
    """A lot with a realistic, hash-chained story for every demo product."""
    created = missing = 0
    for product in PRODUCTS:
        number, art = product.number, product.art
        variant = db.session.scalar(select(Variant).where(Variant.sku == product.sku))
        if variant is None:  # the catalog step has not run (or the product was removed)
            missing += 1
            continue
        if number in GTIN_PRODUCTS and variant.gtin is None:
            # Every run: re-importing the demo catalog clears GTINs it does not list.
            variant.gtin = _gtin(number)
        coop = variant.product.cooperative
        start, harvest_days, shelf, size, prefix, steps = CHAINS[art]
        steps = SPECIAL_CHAINS.get(product.name_fr, steps)
        code = f"{prefix}-25{number:02d}"
        if (
            db.session.scalar(select(Lot.id).where(Lot.cooperative_id == coop.id, Lot.code == code))
            is not None
        ):
            continue
        if variant.unit == Unit.PIECE:
            units = bulk = int(size)
        else:
            # Litres or kilograms of product, except saffron counted in grams.
            units = max(1, round(size * (1 if art == "saffron" else 1000) / variant.unit_quantity))
            bulk = units * variant.unit_quantity / (1 if art == "saffron" else 1000)
        produced_on = start + timedelta(
            days=next(s.day for s in steps if LOT in s.outputs and s.action is None)
        )
        members = _members(coop)
        contributions = [
            Contribution(member, ContributionKind.KG_SUPPLIED, Decimal(12 + 7 * i))
            for i, member in enumerate(members[:4])
            if art != "crafts"
        ]
        contributions += [
            Contribution(member, ContributionKind.HOURS_WORKED, Decimal(16 + 4 * i))
            for i, member in enumerate(members[2:])
        ]
        lot = create_lot(
            coop,
            variant,
            code,
            LotDetails(
                quantity_produced=units,
                harvest_start=start if harvest_days else None,
                harvest_end=start + timedelta(days=harvest_days) if harvest_days else None,
                produced_on=produced_on,
                best_before=produced_on + timedelta(days=shelf) if shelf else None,
            ),
            certifications=variant.product.certifications,
            contributions=contributions,
        )
        # Some of every lot has already been sold.
        lot.quantity_remaining = max(1, units * 2 // 3)
        with_typo = number == 1
        for spec in steps:
            if with_typo and spec is ARGAN_FILTERING:
                typo = _record(lot, coop, ARGAN_TYPO, start, bulk, units, product)
            else:
                _record(lot, coop, spec, start, bulk, units, product)
        if with_typo:
            _record(lot, coop, ARGAN_CORRECTION, start, bulk, units, product, corrects=typo)
        created += 1
    db.session.flush()
    lines = [f"Demo lots: {created} new, each with a hash-chained story"]
    if missing:
        lines.append(
            f"Demo lots: {missing} demo products not found; run this step after the catalog step"
        )
    return lines
