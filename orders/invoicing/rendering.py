"""An issued document as HTML and PDF (French and Arabic at once), stored once.

The PDF is rendered with WeasyPrint from ``invoicing/document.html`` and the
document's frozen content, so it says exactly what was issued. Arabic is
shaped and laid right to left by Pango and HarfBuzz, in Noto Naskh Arabic
(Debian's fonts-noto-core). The bytes are kept in the private storage under
their SHA-256 (``invoices/<sha256>.pdf``), which is also written on the row:
the first render wins (a conditional UPDATE), and a document is never
rendered again once its PDF is recorded.
"""

from __future__ import annotations

import hashlib
from datetime import date

from flask import render_template
from sqlalchemy import update

from shop import jobs
from shop.extensions import db
from shop.i18n import format_money
from shop.models import utcnow
from shop.storage import get_private_storage

from .issuing import month_names
from .models import Invoice

#: Every fixed text of the documents, in French and Arabic (a legal document
#: says both at once, whatever the reader's language: not gettext's job).
LABELS: dict[str, tuple[str, str]] = {
    "invoice": ("Facture", "فاتورة"),
    "credit_note": ("Facture d'avoir", "إشعار دائن"),
    "commission": ("Facture de commission", "فاتورة العمولة"),
    "number": ("N°", "رقم"),
    "date": ("Date", "التاريخ"),
    "order": ("Commande", "الطلب"),
    "period": ("Période", "الفترة"),
    "refers_to": ("Avoir sur la facture", "إشعار دائن عن الفاتورة"),
    "of_date": ("du", "بتاريخ"),
    "seller": ("Vendeur", "البائع"),
    "buyer": ("Client", "الزبون"),
    "id_ice": ("ICE", "التعريف الموحد للمقاولة"),
    "id_if": ("IF", "التعريف الضريبي"),
    "id_rc": ("RC", "السجل التجاري"),
    "id_tp": ("TP", "الرسم المهني"),
    "id_odco": ("ODCo", "رقم التسجيل في سجل التعاونيات"),
    "item": ("Désignation", "البيان"),
    "quantity": ("Qté", "الكمية"),
    "unit_price": ("P.U. TTC", "ثمن الوحدة"),
    "net": ("Montant HT", "المبلغ دون الضريبة"),
    "vat_rate": ("Taux TVA", "نسبة الضريبة"),
    "tax": ("TVA", "الضريبة"),
    "total": ("Montant TTC", "المبلغ مع الضريبة"),
    "total_net": ("Total HT", "المجموع دون احتساب الضريبة"),
    "total_tax": ("Total TVA", "مجموع الضريبة على القيمة المضافة"),
    "total_gross": ("Total TTC", "المجموع مع احتساب الضريبة"),
    "payment": ("Mode de paiement :", "طريقة الأداء:"),
    "pay_card": ("carte bancaire (paiement en ligne)", "بطاقة بنكية (أداء عبر الإنترنت)"),
    "pay_cod": ("paiement à la livraison, en espèces", "الدفع عند الاستلام نقدا"),
    "pay_deduction": (
        "retenue sur les versements de Taawon à la coopérative",
        "اقتطاع من الدفعات المالية التي تحولها تعاون إلى التعاونية",
    ),
    "credit_explained": (
        "Cet avoir annule, pour les montants ci-dessus, la facture à laquelle il se rapporte.",
        "يلغي هذا الإشعار الدائن الفاتورة المشار إليها في حدود المبالغ أعلاه.",
    ),
    "marketplace": (
        "Vente réalisée par la coopérative sur la place de marché Taawon.",
        "بيع أنجزته التعاونية عبر منصة تعاون.",
    ),
    "amounts_in": ("Montants en dirhams marocains (MAD).", "المبالغ بالدرهم المغربي."),
}


def _amount(cents: int) -> str:
    return format_money(int(cents), "MAD", "fr")


def _rate(rate_bp: int) -> str:
    if not rate_bp:
        return "0 %"
    return f"{rate_bp / 100:g} %".replace(".", ",")


def _day(value: str) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def _direction(text: str | None) -> str:
    """``rtl`` for a name or address written in Arabic script, else ``ltr``."""
    for char in text or "":
        if "\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f":
            return "rtl"
        if char.isalpha():
            return "ltr"
    return "ltr"


def render_html(invoice: Invoice) -> str:
    """The document as one HTML page (its styles inline, for WeasyPrint)."""
    doc = invoice.content
    period_fr, period_ar = month_names(doc["period"]) if doc.get("period") else ("", "")
    return render_template(
        "invoicing/document.html",
        doc=doc,
        t=LABELS,
        amount=_amount,
        rate=_rate,
        day=_day,
        direction=_direction,
        period_fr=period_fr,
        period_ar=period_ar,
    )


def render_pdf(invoice: Invoice) -> bytes:
    """The document as PDF bytes."""
    from PIL import ImageFile

    # Imported here: Pango and the fonts load once, when first needed.
    from weasyprint import HTML  # type: ignore[import-untyped]

    # WeasyPrint's import turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole
    # process; the image pipeline refuses to run so (catalog/images.py: a cut
    # upload must fail, not be saved half grey). The invoices embed no image.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    return HTML(string=render_html(invoice)).write_pdf()  # type: ignore[no-any-return]


def storage_name(data: bytes) -> tuple[str, str]:
    """The private storage name of a PDF and its SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    return f"invoices/{digest}.pdf", digest


def ensure_pdf(invoice: Invoice) -> str:
    """The stored PDF's name: rendered and recorded now if it is not yet (then committed).

    The row's PDF columns are written with ``WHERE pdf_sha256 IS NULL``: of
    two renders at once, the first recorded stays and the other's bytes are
    never named.
    """
    if invoice.pdf_name:
        return invoice.pdf_name
    data = render_pdf(invoice)
    name, digest = storage_name(data)
    get_private_storage().save(name, data)
    db.session.execute(
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.pdf_sha256.is_(None))
        .values(pdf_name=name, pdf_sha256=digest, rendered_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(invoice)
    return invoice.pdf_name or name


@jobs.job("invoice-pdf")
def invoice_pdf(invoice_id: int) -> str | None:
    """Render and store a newly issued document's PDF (once; a rerun finds it done)."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        return None
    return ensure_pdf(invoice)


def read_pdf(invoice: Invoice) -> bytes:
    """The stored PDF's bytes (rendered first if the job has not run yet)."""
    return get_private_storage().read(ensure_pdf(invoice))
