"""Creating, listing and deactivating codes: administrators (platform-funded) and
cooperatives (for their own products, at their own cost). Audited; flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from producers.models import Cooperative
from shop.accounts.models import User
from shop.audit import audit
from shop.extensions import db

from ..exceptions import OrderError
from .codes import CODE_MAX, normalise
from .models import DiscountCode, DiscountKind, FundedBy

#: Characters a code may hold once normalised (no look-alikes are removed: codes are typed).
ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
CODE_MIN = 4
#: The largest fixed amount or minimum basket (1 000 000 MAD).
MAX_CENTS = 100_000_000


class CodeError(OrderError):
    """A code that cannot be created or changed as asked."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CodeInput:
    """What the forms hand over (dates already converted to UTC by the form)."""

    code: str
    kind: DiscountKind
    value: int = 0
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    min_basket_cents: int = 0
    max_uses: int | None = None
    per_shopper: int | None = None


def _checked(data: CodeInput) -> str:
    code = normalise(data.code)
    if not CODE_MIN <= len(code) <= CODE_MAX or not set(code) <= ALLOWED:
        raise CodeError(
            # CODE_MIN to CODE_MAX characters (constant bounds: written out).
            _l("A code has from four to forty letters, digits, hyphens or underscores."),
            "code",
        )
    if data.kind == DiscountKind.PERCENT and not 1 <= data.value <= 100:
        raise CodeError(_l("A percentage is from 1 to 100."), "value")
    if data.kind == DiscountKind.AMOUNT and not 0 < data.value <= MAX_CENTS:
        raise CodeError(_l("Give the amount the code takes off."), "value")
    if not 0 <= data.min_basket_cents <= MAX_CENTS:
        raise CodeError(_l("Give a minimum basket of 0 or more."), "min_basket")
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        raise CodeError(_l("The code must end after it starts."), "ends")
    for name, limit in (("max_uses", data.max_uses), ("per_shopper", data.per_shopper)):
        if limit is not None and not 0 < limit <= 1_000_000:
            raise CodeError(_l("A limit is a number of uses from 1, or empty for none."), name)
    if db.session.scalar(select(DiscountCode.id).where(DiscountCode.code == code)) is not None:
        raise CodeError(_l("This code exists already: choose another."), "code")
    return code


def create_code(
    data: CodeInput, actor: User | None, cooperative: Cooperative | None
) -> DiscountCode:
    """A new code: the platform's (``cooperative`` None) or the cooperative's, for its products."""
    code = DiscountCode(
        code=_checked(data),
        kind=data.kind,
        value=0 if data.kind == DiscountKind.FREE_SHIPPING else data.value,
        funded_by=FundedBy.PLATFORM if cooperative is None else FundedBy.COOPERATIVE,
        cooperative_id=cooperative.id if cooperative is not None else None,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        min_basket_cents=data.min_basket_cents,
        max_uses=data.max_uses,
        per_shopper=data.per_shopper,
        uses=0,
        active=True,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(code)
    db.session.flush()
    audit(
        actor,
        "discount.create",
        code,
        label=code.code,
        cooperative_id=code.cooperative_id,
        kind=code.kind.value,
        value=code.value,
        funded_by=code.funded_by.value,
    )
    return code


def deactivate(code: DiscountCode, actor: User | None) -> None:
    """Stop a code from being used (orders that used it keep it)."""
    if not code.active:
        raise CodeError(_l("This code is already deactivated."))
    code.active = False
    db.session.flush()
    audit(actor, "discount.deactivate", code, label=code.code, cooperative_id=code.cooperative_id)


def codes_of(cooperative: Cooperative | None) -> list[DiscountCode]:
    """A cooperative's codes, or the platform's (None), newest first."""
    where = (
        DiscountCode.cooperative_id.is_(None)
        if cooperative is None
        else DiscountCode.cooperative_id == cooperative.id
    )
    return list(
        db.session.scalars(select(DiscountCode).where(where).order_by(DiscountCode.id.desc()))
    )


def code_of(cooperative: Cooperative | None, code_id: int) -> DiscountCode | None:
    """One code of the cooperative (or the platform's): None for anyone else's."""
    code = db.session.get(DiscountCode, code_id)
    if code is None or code.cooperative_id != (cooperative.id if cooperative else None):
        return None
    return code
