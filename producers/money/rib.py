"""Moroccan bank account numbers (RIB) and the cooperative's bank details.

A RIB is 24 digits: bank code (3), town code (3), account number (16) and a
two-digit key chosen so that the whole number is divisible by 97. Only the
masked form ("011 •••• … 4921") is ever shown to other people, written to the
audit log or put in an e-mail.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from producers.models import Cooperative, CooperativeStatus, MembershipRole
from producers.money.exceptions import BankDetailsError
from producers.notices import queue_for_managers
from producers.services import membership
from shop.accounts.models import User
from shop.audit import audit
from shop.extensions import db
from shop.models import utcnow

RIB_LENGTH = 24
#: Days a payout to newly changed bank details waits (``RIB_CHANGE_HOLD_DAYS``).
DEFAULT_RIB_HOLD_DAYS = 7
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


def rib_hold_days() -> int:
    """How many days payouts wait after the bank details change (config, default 7).

    A security setting, not a fair-trade term: it lives in the configuration
    (``RIB_CHANGE_HOLD_DAYS``), not in the published policy versions, whose
    numbers are frozen on each order line and shown to the public.
    """
    return max(0, int(current_app.config.get("RIB_CHANGE_HOLD_DAYS", DEFAULT_RIB_HOLD_DAYS)))


def rib_payable_from(changed_at: datetime | None) -> datetime | None:
    """When a payout may go to bank details changed at ``changed_at`` (None: no wait)."""
    if changed_at is None:
        return None
    return changed_at + timedelta(days=rib_hold_days())


def change_bank_details(
    cooperative: Cooperative, rib_text: str, holder: str, actor: User, password: str
) -> bool:
    """Set the cooperative's RIB and account holder; return False when nothing changed.

    Only an owner may, and not while the cooperative is suspended; the person
    must give their current password: a stolen session alone must not be
    able to redirect the cooperative's money. The change is audited with
    masked numbers only, and every manager (the owner who made it included:
    a classic fraud alarm, should the session not be theirs) is told by
    e-mail once the caller commits. Payouts to the new account wait
    ``rib_hold_days()`` (``producers.money.payouts``). Flushes.
    """
    if cooperative.status == CooperativeStatus.SUSPENDED:
        raise BankDetailsError(
            _l("The cooperative is suspended: its bank details cannot be changed."), "rib"
        )
    member = membership(actor, cooperative)
    if member is None or member.role != MembershipRole.OWNER:
        raise BankDetailsError(
            _l("Only an owner of the cooperative can change its bank details."), "rib"
        )
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
        actor=actor,
        masked=mask_rib(rib),
        holder=holder,
        changed_at=cooperative.rib_updated_at,
        link=("producers.bank", {"slug": cooperative.slug}),
    )
    return True
