"""Checking a code for a basket, applying it to lines, redeeming and releasing its use.

Every refusal of the code itself (unknown, deactivated, not yet valid, expired,
used up, used enough by this shopper, nothing of the basket eligible) is the
same ``CodeRefused`` with the same words, so the answer tells a guesser
nothing; attempts are rate-limited too (``attempts.py``). Only a *valid* code
whose minimum basket is not reached says how much more to add
(``BasketTooSmall``): a guesser must first find a valid code, under the rate
limit, to learn it, which tells them nothing the code's owner did not publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from catalog.models import Category, FloorPrice, Variant
from catalog.services import min_price_for_floor
from shop.extensions import db
from shop.i18n import format_money
from shop.models import utcnow
from shop.money.split import Policy

from ..exceptions import OrderError
from .allocation import Applied, spread_amount, spread_percent
from .models import DiscountCode, DiscountKind, DiscountRedemption, FundedBy

#: Longest code kept (the column's size); longer input is refused like an unknown code.
CODE_MAX = 40


class CodeRefused(OrderError):
    """The one answer for every code that cannot be used, whatever the reason."""

    def __init__(self) -> None:
        super().__init__(_l("This code cannot be used."))


class BasketTooSmall(OrderError):
    """A valid code whose minimum basket is not reached."""


def normalise(text: str | None) -> str:
    """What a shopper typed, as codes are stored: trimmed, inner spaces dropped, upper case."""
    return "".join((text or "").split()).upper()


def _valid_now(now: datetime):
    return (
        DiscountCode.active.is_(True),
        or_(DiscountCode.starts_at.is_(None), DiscountCode.starts_at <= now),
        or_(DiscountCode.ends_at.is_(None), DiscountCode.ends_at > now),
        or_(DiscountCode.max_uses.is_(None), DiscountCode.uses < DiscountCode.max_uses),
    )


def find_usable(text: str | None, now: datetime | None = None) -> DiscountCode:
    """The code ``text`` names if it can be used now; else CodeRefused (one message)."""
    code = normalise(text)
    if not code or len(code) > CODE_MAX:
        raise CodeRefused()
    found = db.session.scalar(
        select(DiscountCode).where(DiscountCode.code == code, *_valid_now(now or utcnow()))
    )
    if found is None:
        raise CodeRefused()
    return found


def uses_by(code: DiscountCode, user_id: int | None, email: str | None) -> int:
    """How many orders of this shopper (account, or the e-mail typed) hold a use of ``code``."""
    who = []
    if user_id is not None:
        who.append(DiscountRedemption.user_id == user_id)
    if email:
        who.append(DiscountRedemption.email == email.strip().lower())
    if not who:
        return 0
    count = db.session.scalar(
        select(func.count(DiscountRedemption.id)).where(
            DiscountRedemption.code_id == code.id, or_(*who)
        )
    )
    return int(count or 0)


def check_shopper(code: DiscountCode, user_id: int | None, email: str | None) -> None:
    """CodeRefused when this shopper has used the code as often as allowed."""
    if code.per_shopper is not None and uses_by(code, user_id, email) >= code.per_shopper:
        raise CodeRefused()


# ---------------------------------------------------------------- applying to lines


@dataclass(frozen=True)
class Line:
    """A basket line as discounts see it."""

    variant: Variant
    quantity: int
    cooperative_id: int

    @property
    def gross(self) -> int:
        """The line at its catalogue price."""
        return self.variant.price_cents * self.quantity


@dataclass(frozen=True)
class Discount:
    """A code applied to a basket: each line's discount, and the parcels shipping free."""

    code: DiscountCode
    #: variant id → centimes off (who pays: ``code.funded_by``).
    lines: dict[int, int] = field(default_factory=dict)
    #: True when floor prices (or the one-centime minimum) held some of it back.
    capped: bool = False
    #: Cooperatives whose parcel ships free under the code.
    free_shipping: frozenset[int] = frozenset()

    @property
    def platform(self) -> bool:
        """True when the platform pays it."""
        return self.code.funded_by == FundedBy.PLATFORM

    def cooperative_part(self, variant_id: int) -> int:
        """Centimes a cooperative's code takes off the line's gross before the split."""
        return 0 if self.platform else self.lines.get(variant_id, 0)

    def platform_part(self, variant_id: int) -> int:
        """Centimes the platform pays for the line."""
        return self.lines.get(variant_id, 0) if self.platform else 0

    @property
    def items_cents(self) -> int:
        """Everything taken off the lines."""
        return sum(self.lines.values())


def eligible(code: DiscountCode, lines: Iterable[Line]) -> list[Line]:
    """The lines the code applies to: its cooperative's, or every line for the platform's."""
    if code.cooperative_id is None:
        return list(lines)
    return [line for line in lines if line.cooperative_id == code.cooperative_id]


class Floors:
    """Floor prices, read once: the least gross of a line under a cooperative's code."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.by_key = {(f.category_id, f.unit): f for f in db.session.scalars(select(FloorPrice))}

    def floor_gross(self, variant: Variant, quantity: int) -> int:
        """The least gross whose producer revenue meets the floor (at least a centime a unit)."""
        node: Category | None = variant.product.category
        while node is not None:
            floor = self.by_key.get((node.id, variant.unit))
            if floor is not None:
                least = min_price_for_floor(
                    floor.cents_per_reference,
                    variant.unit_quantity * quantity,
                    floor.reference_quantity,
                    self.policy,
                )
                return max(quantity, least)
            node = node.parent
        return quantity


def apply(
    code: DiscountCode, lines: Sequence[Line], policy: Policy, floors: Floors | None = None
) -> Discount:
    """Spread ``code`` over ``lines``; raises CodeRefused or BasketTooSmall.

    A cooperative's code stops at each line's floor price; the platform's at one
    centime a unit (the shopper always pays something for a line, so its refund
    is never nothing).
    """
    chosen = eligible(code, lines)
    if not chosen:
        raise CodeRefused()
    basket = sum(line.gross for line in chosen)
    if basket < code.min_basket_cents:
        raise BasketTooSmall(
            _l(
                "Add %(amount)s more of the products this code applies to, to use it.",
                amount=format_money(code.min_basket_cents - basket),
            )
        )
    coops = frozenset(line.cooperative_id for line in chosen)
    if code.kind == DiscountKind.FREE_SHIPPING:
        return Discount(code, free_shipping=coops)
    grosses = [line.gross for line in chosen]
    if code.funded_by == FundedBy.COOPERATIVE:
        floors = floors or Floors(policy)
        caps = [
            max(0, line.gross - floors.floor_gross(line.variant, line.quantity)) for line in chosen
        ]
    else:
        caps = [line.gross - line.quantity for line in chosen]
    applied: Applied = (
        spread_percent(code.value, grosses, caps)
        if code.kind == DiscountKind.PERCENT
        else spread_amount(code.value, grosses, caps)
    )
    parts = {
        line.variant.id: part for line, part in zip(chosen, applied.parts, strict=True) if part
    }
    return Discount(code, parts, applied.capped)


# ---------------------------------------------------------------- using and releasing


def redeem(
    code: DiscountCode, order_id: int, user_id: int | None, email: str, amount_cents: int
) -> None:
    """Take one use of ``code`` for the order: a conditional UPDATE, then the redemption.

    Of two checkouts racing for a code's last use, PostgreSQL makes the second
    UPDATE wait for the first's row and re-check ``uses < max_uses``; SQLite
    serialises writers. The loser gets CodeRefused and rolls back its order.
    """
    taken = db.session.execute(
        update(DiscountCode)
        .where(DiscountCode.id == code.id, *_valid_now(utcnow()))
        .values(uses=DiscountCode.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult
        raise CodeRefused()
    db.session.expire(code, ["uses"])
    check_shopper(code, user_id, email)
    db.session.add(
        DiscountRedemption(
            code_id=code.id,
            order_id=order_id,
            user_id=user_id,
            email=email.strip().lower(),
            amount_cents=amount_cents,
        )
    )
    db.session.flush()


def retake(
    order_id: int, code_id: int | None, user_id: int | None, email: str, amount_cents: int
) -> None:
    """A lapsed card order paid late comes back: its code's use is taken again.

    Whatever the limits: the shopper paid the discounted total. Nothing when the
    order has no code or still holds its use.
    """
    if code_id is None:
        return
    held = db.session.scalar(
        select(DiscountRedemption.id).where(DiscountRedemption.order_id == order_id)
    )
    if held is not None:
        return
    db.session.execute(
        update(DiscountCode)
        .where(DiscountCode.id == code_id)
        .values(uses=DiscountCode.uses + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.add(
        DiscountRedemption(
            code_id=code_id,
            order_id=order_id,
            user_id=user_id,
            email=email.strip().lower(),
            amount_cents=amount_cents,
        )
    )
    db.session.flush()


def release(order_ids: Iterable[int]) -> int:
    """Give back the uses of the orders' codes (cancelled, stock released); return how many.

    Deleting the redemption is the claim: a second release of the same order
    finds none and gives nothing back.
    """
    ids = sorted(set(order_ids))
    if not ids:
        return 0
    freed = db.session.scalars(
        delete(DiscountRedemption)
        .where(DiscountRedemption.order_id.in_(ids))
        .returning(DiscountRedemption.code_id)
        .execution_options(synchronize_session=False)
    ).all()
    for code_id in sorted(freed):
        db.session.execute(
            update(DiscountCode)
            .where(DiscountCode.id == code_id, DiscountCode.uses > 0)
            .values(uses=DiscountCode.uses - 1)
            .execution_options(synchronize_session=False)
        )
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, DiscountCode) and obj.id in freed:
            db.session.expire(obj, ["uses"])
    return len(freed)
