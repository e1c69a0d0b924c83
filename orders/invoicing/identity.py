"""Who issues an invoice, as Moroccan rules want them named, and the VAT on an amount.

A cooperative's identifiers are kept on ``Cooperative`` (asked for in the
workspace's legal details); the platform's come from the configuration
(``PLATFORM_LEGAL``). The invoice freezes a copy of them when it is issued.

Prices on Taawon include taxes: a line's VAT is taken out of its price
(``net = total / (1 + rate)`` rounded half-up, the tax is the rest), so an
invoice's total is always what the shopper paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from producers.models import Cooperative
from shop.digits import is_ice

#: The exemption mention a cooperative starts from (editable in its legal details).
DEFAULT_EXEMPTION_FR = "Exonérée de TVA – article 91 du Code général des impôts"
DEFAULT_EXEMPTION_AR = "معفاة من الضريبة على القيمة المضافة – المادة 91 من المدونة العامة للضرائب"
#: The rates the Moroccan VAT has (CGI art. 98-100), in basis points.
VAT_RATES = (700, 1000, 1400, 2000)
BASIS = 10_000

#: What the platform is, when the configuration says nothing (a development shop).
PLATFORM_DEFAULTS: dict[str, Any] = {
    "legal_name": "Taawon SARL",
    "address": "",
    "ice": "",
    "if": "",
    "rc": "",
    "tp": "",
    "vat_rate_bp": 2000,
}


def net_of(total_cents: int, rate_bp: int | None) -> int:
    """The part of a tax-included amount before VAT at ``rate_bp`` (exempt: all of it)."""
    if not rate_bp:
        return total_cents
    if total_cents < 0:
        return -net_of(-total_cents, rate_bp)
    divisor = BASIS + rate_bp
    return (2 * total_cents * BASIS + divisor) // (2 * divisor)


def cooperative_address(coop: Cooperative) -> str:
    """Street, commune, province: the registered address on one line."""
    parts = [coop.address, coop.commune, coop.province]
    return ", ".join(part.strip() for part in parts if part and part.strip())


def missing_identifiers(coop: Cooperative) -> list[Any]:
    """What the cooperative still has to give before it may invoice (empty: nothing).

    The RC is optional (cooperatives are registered with ODCo and the court,
    most have none); VAT defaults to the cooperatives' usual exemption, with
    its standard mention, until the cooperative says otherwise.
    """
    missing = []
    if not (coop.address or "").strip():
        missing.append(_l("address"))
    if not (coop.ice and is_ice(coop.ice)):
        missing.append(_l("ICE"))
    if not coop.tax_id:
        missing.append(_l("tax identifier (IF)"))
    if not coop.tp_number:
        missing.append(_l("professional tax number (TP)"))
    return missing


def seller(coop: Cooperative) -> dict[str, Any]:
    """The cooperative as its invoices name it."""
    return {
        "name": coop.legal_name,
        "address": cooperative_address(coop),
        "ice": coop.ice or "",
        "if": coop.tax_id or "",
        "rc": coop.rc_number or "",
        "tp": coop.tp_number or "",
        "odco": coop.odco_number or "",
        "court": coop.odco_court or "",
        "email": coop.email or "",
        "phone": coop.phone or "",
    }


def vat_terms(coop: Cooperative) -> dict[str, Any]:
    """The cooperative's VAT: a rate, or the exemption it invokes."""
    if coop.vat_rate_bp:
        return {"rate_bp": coop.vat_rate_bp, "exemption_fr": "", "exemption_ar": ""}
    return {
        "rate_bp": 0,
        "exemption_fr": coop.vat_exemption_fr or DEFAULT_EXEMPTION_FR,
        "exemption_ar": coop.vat_exemption_ar or DEFAULT_EXEMPTION_AR,
    }


def platform(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The platform's identifiers (``PLATFORM_LEGAL``), completed by the defaults."""
    config = config if config is not None else current_app.config
    values = {**PLATFORM_DEFAULTS, **(config.get("PLATFORM_LEGAL") or {})}
    return {
        "name": str(values["legal_name"]),
        "address": str(values["address"]),
        "ice": str(values["ice"]),
        "if": str(values["if"]),
        "rc": str(values["rc"]),
        "tp": str(values["tp"]),
        "vat_rate_bp": int(values["vat_rate_bp"] or 0),
    }


def platform_missing(config: Mapping[str, Any] | None = None) -> list[str]:
    """The platform identifiers the configuration lacks (for the commission invoices)."""
    values = platform(config)
    missing = [key for key in ("name", "address", "if", "rc", "tp") if not values[key]]
    if not is_ice(values["ice"]):
        missing.append("ice")
    return missing
