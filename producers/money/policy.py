"""Publishing the fair-trade policy and setting floor prices (administrators).

A policy is never edited: each change publishes a new ``PolicyVersion``
(latest + 1). Order lines keep the version they were sold under, so a change
only applies to sales made after it. Floor prices apply when a product is
next published or its price cut (``catalog.services.check_floor``); products
already on sale stay published.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.core import Locale
from babel.numbers import format_percent
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from catalog.models import Category, FloorPrice, Unit
from producers.money.exceptions import PolicyConflict, PolicyError
from shop.audit import audit
from shop.extensions import db
from shop.i18n import FORMAT_LOCALES, current_language, format_money
from shop.money.policy import PolicyVersion
from shop.money.split import BASIS, DEFAULT_POLICY, HARD_CAP_BP, Policy

#: A hold longer than a year would starve the cooperatives: refused as a typing mistake.
MAX_HOLD_DAYS = 365
#: The largest floor (1 000 000 MAD per litre, kilogram or piece): fits the column.
MAX_FLOOR_CENTS = 100_000_000
#: What a floor is counted per, by unit (the same words as the catalog's floor message).
UNIT_LABELS: dict[str, Any] = {
    Unit.ML.value: _l("per litre"),
    Unit.G.value: _l("per kilogram"),
    Unit.PIECE.value: _l("per piece"),
}


def format_bp(rate_bp: int, lang: str | None = None) -> str:
    """Basis points as a percentage in the page's conventions, decimals only when needed.

    1000 → "10 %" (fr), 725 → "7,25 %"; the locale's own percent pattern.
    """
    locale = Locale.parse(FORMAT_LOCALES[lang or current_language()])
    pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.##", 1)
    return format_percent(Decimal(rate_bp) / BASIS, format=pattern, locale=locale)


# ------------------------------------------------------------------ policy


def latest_version() -> PolicyVersion | None:
    """The published version in force (None before any row: the defaults apply)."""
    return db.session.scalar(select(PolicyVersion).order_by(PolicyVersion.version.desc()).limit(1))


def history() -> list[PolicyVersion]:
    """Every published version, newest first."""
    return list(db.session.scalars(select(PolicyVersion).order_by(PolicyVersion.version.desc())))


def _policy_problems(commission_bp: int, premium_bp: int, hold_days: int) -> dict[str, Any]:
    problems: dict[str, Any] = {}
    if commission_bp < 0:
        problems["commission"] = _l("The commission cannot be negative.")
    elif commission_bp > HARD_CAP_BP:
        problems["commission"] = _l(
            "The commission can never be above %(cap)s.", cap=format_bp(HARD_CAP_BP)
        )
    if premium_bp < 0:
        problems["premium"] = _l("The premium cannot be negative.")
    elif commission_bp >= 0 and commission_bp + premium_bp > BASIS:
        problems["premium"] = _l("Commission and premium together cannot exceed 100 %.")
    if hold_days < 0:
        problems["hold_days"] = _l("The hold period cannot be negative.")
    elif hold_days > MAX_HOLD_DAYS:
        problems["hold_days"] = _l("The hold period is at most %(days)d days.", days=MAX_HOLD_DAYS)
    return problems


def publish_policy(
    actor,
    commission_bp: int,
    premium_bp: int,
    hold_days: int,
    note: str,
    base_version: int | None = None,
) -> PolicyVersion:
    """Publish new numbers as version latest + 1; audit "policy.publish".

    ``base_version`` is the version the administrator was looking at: when
    another was published since, the change is refused (PolicyConflict), as
    it is when two publish at the same moment (the version is the primary
    key). Flushes; the caller commits, or rolls back on PolicyError.
    """
    for value in (commission_bp, premium_bp, hold_days):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("rates are integer basis points, the hold an integer of days")
    row = latest_version()
    current: Policy = row.as_policy() if row is not None else DEFAULT_POLICY
    if base_version is not None and base_version != current.version:
        raise PolicyConflict(
            _l(
                "Someone published version %(version)d meanwhile. "
                "Review its numbers before publishing yours.",
                version=current.version,
            )
        )
    problems = _policy_problems(commission_bp, premium_bp, hold_days)
    note = (note or "").strip()
    if not note:
        problems["note"] = _l("Say why the rules change.")
    if problems:
        raise PolicyError(_l("The policy was not published."), problems)
    if (commission_bp, premium_bp, hold_days) == (
        current.commission_bp,
        current.premium_bp,
        current.hold_days,
    ):
        raise PolicyError(_l("Nothing changed: these are the numbers of the current version."))
    new = PolicyVersion(
        version=current.version + 1,
        commission_bp=commission_bp,
        premium_bp=premium_bp,
        hold_days=hold_days,
        created_by_id=getattr(actor, "id", None),
        note=note,
    )
    db.session.add(new)
    try:
        db.session.flush()
    except IntegrityError:
        # Another administrator's version took this number first.
        raise PolicyConflict(
            _l(
                "Someone published a new version meanwhile. "
                "Review its numbers before publishing yours."
            )
        ) from None
    entry = audit(
        actor,
        "policy.publish",
        new,
        reason=note,
        label=f"v{new.version}",
        old={
            "version": current.version,
            "commission_bp": current.commission_bp,
            "premium_bp": current.premium_bp,
            "hold_days": current.hold_days,
        },
        new={
            "version": new.version,
            "commission_bp": commission_bp,
            "premium_bp": premium_bp,
            "hold_days": hold_days,
        },
    )
    entry.target_id = new.version  # the version is the policy's key
    db.session.flush()
    return new


# ------------------------------------------------------------------ floor prices


def floors() -> list[FloorPrice]:
    """Every floor price, with its category (and its names) loaded."""
    return list(
        db.session.scalars(
            select(FloorPrice)
            .options(selectinload(FloorPrice.category))
            .order_by(FloorPrice.category_id, FloorPrice.unit)
        )
    )


def _floor_label(floor: FloorPrice) -> str:
    return f"{floor.category.slug} ({floor.unit.value})"


def _check_amount(cents: int | None) -> None:
    if cents is None or cents <= 0:
        raise PolicyError(
            _l("Give an amount above zero."), {"amount": _l("Give an amount above zero.")}
        )
    if cents > MAX_FLOOR_CENTS:
        message = _l("A floor is at most %(amount)s.", amount=format_money(MAX_FLOOR_CENTS))
        raise PolicyError(message, {"amount": message})


def save_floor(
    actor,
    cents: int | None,
    floor: FloorPrice | None = None,
    category_id: int | None = None,
    unit: str | None = None,
) -> FloorPrice:
    """Create a floor (category, unit, amount) or change an existing floor's amount.

    Audits "floor.create" or "floor.update". Products already on sale are not
    unpublished: the floor applies at their next publish or price change.
    Flushes; the caller commits, or rolls back on PolicyError.
    """
    if floor is not None:
        _check_amount(cents)
        if cents == floor.cents_per_reference:
            raise PolicyError(
                _l("Nothing changed: this is already the floor."),
                {"amount": _l("Nothing changed: this is already the floor.")},
            )
        old = floor.cents_per_reference
        floor.cents_per_reference = cents
        db.session.flush()
        audit(
            actor,
            "floor.update",
            floor,
            label=_floor_label(floor),
            category=floor.category.slug,
            unit=floor.unit.value,
            old_cents=old,
            new_cents=cents,
        )
        return floor

    problems: dict[str, Any] = {}
    category = db.session.get(Category, category_id) if category_id is not None else None
    if category is None:
        problems["category"] = _l("Choose a category.")
    if unit not in {u.value for u in Unit}:
        problems["unit"] = _l("Choose a unit.")
    try:
        _check_amount(cents)
    except PolicyError as exc:
        problems.update(exc.errors)
    if problems:
        raise PolicyError(_l("The floor price was not saved."), problems)
    assert category is not None and unit is not None
    taken = _l("This category already has a floor for this unit: change that one.")
    if (
        db.session.scalar(
            select(FloorPrice.id).where(
                FloorPrice.category_id == category.id, FloorPrice.unit == Unit(unit)
            )
        )
        is not None
    ):
        raise PolicyError(taken, {"category": taken})
    floor = FloorPrice(category=category, unit=Unit(unit), cents_per_reference=cents)
    db.session.add(floor)
    try:
        db.session.flush()
    except IntegrityError:  # another administrator created it meanwhile
        raise PolicyConflict(taken, {"category": taken}) from None
    audit(
        actor,
        "floor.create",
        floor,
        label=_floor_label(floor),
        category=category.slug,
        unit=floor.unit.value,
        cents=cents,
    )
    return floor


def delete_floor(actor, floor: FloorPrice) -> None:
    """Remove a floor; audits "floor.delete" with what it was. Flushes."""
    audit(
        actor,
        "floor.delete",
        floor,
        label=_floor_label(floor),
        category=floor.category.slug,
        unit=floor.unit.value,
        cents=floor.cents_per_reference,
    )
    db.session.delete(floor)
    db.session.flush()
