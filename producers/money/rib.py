"""Moroccan bank account numbers (RIB) and the cooperative's bank details.

A RIB is 24 digits: bank code (3), town code (3), account number (16) and a
two-digit key chosen so that the whole number is divisible by 97. Only the
masked form ("011 •••• … 4921") is ever shown to other people, written to the
audit log or put in an e-mail.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from producers.models import Cooperative
from producers.money.exceptions import BankDetailsError
from producers.notices import queue_for_managers
from shop.accounts.models import User
from shop.audit import audit
from shop.extensions import db
from shop.models import utcnow

RIB_LENGTH = 24
#: What people type between digit groups: spaces (also non-breaking ones), dots, dashes.
_SEPARATORS = re.compile(r"[\s.-]+")
#: Arabic-Indic and Persian digits, as typed on an Arabic keyboard, read as 0-9.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)


def valid_rib(text: str | None) -> str | None:
    """The RIB as 24 plain digits, or None when ``text`` is not a valid one.

    Spaces, dashes and dots between the digit groups are allowed, and
    Arabic-Indic digits; the number must have exactly 24 digits and be
    divisible by 97.
    """
    digits = _SEPARATORS.sub("", (text or "").translate(_DIGITS))
    if len(digits) != RIB_LENGTH or not digits.isascii() or not digits.isdigit():
        return None
    return digits if int(digits) % 97 == 0 else None


def mask_rib(rib: str | None) -> str:
    """The bank code and the last four digits, the rest hidden: "011 •••• … 4921"."""
    if not rib:
        return ""
    if len(rib) < 8:
        return "••••"
    return f"{rib[:3]} •••• … {rib[-4:]}"


def change_bank_details(
    cooperative: Cooperative, rib_text: str, holder: str, actor: User, password: str
) -> bool:
    """Set the cooperative's RIB and account holder; return False when nothing changed.

    The person must give their current password: a stolen session alone must
    not be able to redirect the cooperative's money. The change is audited
    with masked numbers only, and the other managers are told by e-mail once
    the caller commits. Flushes.
    """
    if not password or not actor.check_password(password):
        raise BankDetailsError(_l("Your password is not right. The bank details were not changed."))
    rib = valid_rib(rib_text)
    if rib is None:
        raise BankDetailsError(
            _l("This RIB is not valid: it has 24 digits and its last two digits are a check key."),
            "rib",
        )
    holder = " ".join((holder or "").split())[:120]
    if not holder:
        raise BankDetailsError(_l("Give the name of the account holder."), "rib_holder")
    if rib == cooperative.rib and holder == cooperative.rib_holder:
        return False
    previous = cooperative.rib
    cooperative.rib, cooperative.rib_holder = rib, holder
    cooperative.rib_updated_at = utcnow()
    audit(
        actor,
        "cooperative.rib_change",
        cooperative,
        label=cooperative.legal_name,
        previous=mask_rib(previous),
        rib=mask_rib(rib),
        holder=holder,
    )
    db.session.flush()
    queue_for_managers(
        cooperative,
        "rib_changed",
        _l("The bank details of %(coop)s were changed", coop=cooperative.legal_name),
        exclude=[actor.id],
        actor=actor,
        masked=mask_rib(rib),
        holder=holder,
        changed_at=cooperative.rib_updated_at,
        link=("producers.bank", {"slug": cooperative.slug}),
    )
    return True
