"""Member distribution helper: a proposal for sharing a period's producer revenue.

After the reserve the cooperative keeps (``Cooperative.reserve_bp``), the
producer revenue of a period is shared among members in proportion to their
recorded contributions (kg supplied, hours worked) to the lots sold in that
period, by the largest-remainder method so the shares add up to the centime.

A member's contribution to a lot counts in proportion to the lot's units sold
in the period (``units sold / units produced``): a lot sold over several months
counts, over those months, exactly once. Nothing here pays anyone: the general
assembly decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from math import lcm

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from catalog.trace import ContributionKind, Lot, LotContribution
from orders.models import OrderLine, OrderLineLot
from producers.models import Cooperative, Member
from producers.money.exceptions import DistributionError
from shop.audit import audit
from shop.extensions import db
from shop.money import ledger
from shop.money.ledger import JournalEntry, JournalLine

BASIS = 10_000
#: Entries whose producer revenue lines make a period's revenue: sales, net of refunds.
REVENUE_KINDS = (ledger.SALE_CARD, ledger.SALE_CASH, ledger.REFUND)
SALE_KINDS = (ledger.SALE_CARD, ledger.SALE_CASH)
#: Contributions are kept to the thousandth (kg or hours): weights are whole thousandths.
WEIGHT_SCALE = 1000


# ------------------------------------------------------------------ the pure part


def reserve_of(total_cents: int, reserve_bp: int) -> int:
    """``total × reserve_bp / 10 000``, rounded half-up to the centime."""
    return (total_cents * reserve_bp + BASIS // 2) // BASIS


def distribute(
    total_cents: int, reserve_bp: int, weights: Mapping[int, int]
) -> tuple[int, dict[int, int]]:
    """Share ``total_cents`` after the reserve among members, in proportion to ``weights``.

    Returns ``(reserve_cents, {member_id: cents})``. The reserve is
    ``total × reserve_bp`` rounded half-up; the rest is shared by the
    largest-remainder method (everyone gets the floor of their exact share,
    the centimes left go one by one to the largest remainders, ties to the
    smaller member id), so the shares sum exactly to ``total − reserve``.
    A zero weight gets 0. With no member, or no weight at all, everything
    stays in reserve.
    """
    if not isinstance(total_cents, int) or total_cents < 0:
        raise ValueError("the total is a non-negative integer number of centimes")
    if not 0 <= reserve_bp <= BASIS:
        raise ValueError("the reserve is between 0 and 10 000 basis points")
    if any(not isinstance(w, int) or w < 0 for w in weights.values()):
        raise ValueError("weights are non-negative integers")
    shares = dict.fromkeys(weights, 0)
    weight_total = sum(weights.values())
    if weight_total == 0:
        return total_cents, shares
    reserve = reserve_of(total_cents, reserve_bp)
    to_share = total_cents - reserve
    remainders = []
    for member_id, weight in weights.items():
        shares[member_id], remainder = divmod(to_share * weight, weight_total)
        if weight:
            remainders.append((-remainder, member_id))
    left = to_share - sum(shares.values())
    for _remainder, member_id in sorted(remainders)[:left]:
        shares[member_id] += 1
    return reserve, shares


def percent_to_bp(text: str) -> int:
    """'12,5' or '12.5' (a percentage, 0–100, up to 2 decimals) → 1250 basis points."""
    try:
        value = Decimal(text.strip().replace(",", ".").rstrip("%").strip())
    except (InvalidOperation, AttributeError):
        raise DistributionError(_l("Give a percentage between 0 and 100.")) from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise DistributionError(_l("Give a percentage between 0 and 100."))
    if value != value.quantize(Decimal("0.01")):
        raise DistributionError(_l("Use at most two decimals."))
    return int(value * 100)


def bp_to_percent(reserve_bp: int) -> str:
    """1250 → '12.5', 1000 → '10', 5 → '0.05' (what the form shows)."""
    whole, rest = divmod(reserve_bp, 100)
    return str(whole) if not rest else f"{whole}.{rest:02d}".rstrip("0")


# ------------------------------------------------------------------ reading the period


def period_revenue(cooperative_id: int, start, end) -> int:
    """Producer revenue of the period: sales minus refunds (pending or payable alike)."""
    return -sum(
        ledger.kind_totals(account, REVENUE_KINDS, cooperative_id, start, end)
        for account in (ledger.COOP_REVENUE_PENDING, ledger.COOP_REVENUE)
    )


def units_sold_by_lot(cooperative_id: int, start, end) -> dict[int, int]:
    """Units of each lot in the parcels whose sale the ledger records in the period."""
    sold = (
        select(JournalLine.shipment_id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalEntry.kind.in_(SALE_KINDS),
            JournalLine.cooperative_id == cooperative_id,
            JournalLine.account.in_(ledger.PENDING_ACCOUNTS),
            JournalEntry.created_at >= start,
            JournalEntry.created_at < end,
        )
    )
    return {
        lot_id: int(units)
        for lot_id, units in db.session.execute(
            select(OrderLineLot.lot_id, func.sum(OrderLineLot.quantity))
            .join(OrderLine, OrderLine.id == OrderLineLot.line_id)
            .where(OrderLine.cooperative_id == cooperative_id, OrderLine.shipment_id.in_(sold))
            .group_by(OrderLineLot.lot_id)
        )
    }


@dataclass(frozen=True)
class MemberShare:
    """One line of the proposal."""

    member: Member
    #: Recorded contributions (kg or hours) to the lots sold in the period.
    contributed: Decimal
    #: What counts for this period: each contribution × the share of its lot sold.
    counted: Decimal
    #: The member's part of the shared amount (0–1).
    share: Fraction
    amount: int


@dataclass(frozen=True)
class Distribution:
    """A proposal for the general assembly."""

    revenue: int
    reserve_bp: int
    reserve: int
    kind: ContributionKind
    lots: int
    rows: list[MemberShare]
    #: The sum of the members' weights; 0 when no contribution counts.
    weight_total: int

    @property
    def shared(self) -> int:
        """What goes to members."""
        return sum(row.amount for row in self.rows)


def proposal(cooperative: Cooperative, start, end, kind: ContributionKind) -> Distribution:
    """The period's proposal, in a fixed number of queries."""
    revenue = period_revenue(cooperative.id, start, end)
    sold = units_sold_by_lot(cooperative.id, start, end)
    produced: dict[int, int] = {}
    contributions: list = []
    if sold:
        produced = dict(
            db.session.execute(
                select(Lot.id, Lot.quantity_produced).where(Lot.id.in_(list(sold)))
            ).all()
        )
        contributions = db.session.execute(
            select(LotContribution.lot_id, LotContribution.member_id, LotContribution.amount)
            .where(LotContribution.lot_id.in_(list(sold)), LotContribution.kind == kind)
            .order_by(LotContribution.id)
        ).all()
    # Exact weights: amount (in thousandths) × units sold / units produced, all
    # brought to the common denominator of the lots' sizes.
    denominator = lcm(*(max(produced.get(lot_id, 0), 1) for lot_id in sold)) if sold else 1
    weights: dict[int, int] = {}
    contributed: dict[int, Decimal] = {}
    counted: dict[int, Fraction] = {}
    for lot_id, member_id, amount in contributions:
        units = produced.get(lot_id) or 0
        fraction = Fraction(min(sold[lot_id], units), units) if units else Fraction(1)
        thousandths = int(Decimal(amount) * WEIGHT_SCALE)
        weight = Fraction(thousandths) * fraction * denominator
        weights[member_id] = weights.get(member_id, 0) + int(weight)
        contributed[member_id] = contributed.get(member_id, Decimal(0)) + Decimal(amount)
        counted[member_id] = (
            counted.get(member_id, Fraction(0)) + Fraction(Decimal(amount)) * fraction
        )
    members = db.session.scalars(
        select(Member)
        .where(
            Member.cooperative_id == cooperative.id,
            or_(Member.active.is_(True), Member.id.in_(list(weights) or [-1])),
        )
        .order_by(Member.full_name, Member.id)
    ).all()
    everyone = {m.id: weights.get(m.id, 0) for m in members}
    reserve, amounts = distribute(max(revenue, 0), cooperative.reserve_bp, everyone)
    weight_total = sum(everyone.values())
    rows = [
        MemberShare(
            member=m,
            contributed=contributed.get(m.id, Decimal(0)).quantize(Decimal("0.001")),
            counted=(
                Decimal(counted[m.id].numerator) / Decimal(counted[m.id].denominator)
            ).quantize(Decimal("0.001"), ROUND_HALF_UP)
            if m.id in counted
            else Decimal("0.000"),
            share=Fraction(everyone[m.id], weight_total) if weight_total else Fraction(0),
            amount=amounts[m.id],
        )
        for m in members
    ]
    return Distribution(
        revenue, cooperative.reserve_bp, reserve, kind, len(sold), rows, weight_total
    )


# ------------------------------------------------------------------ changing the reserve


def set_reserve(cooperative: Cooperative, reserve_bp: int, actor) -> bool:
    """Set the share of producer revenue kept in reserve; audited. False if unchanged."""
    if not 0 <= reserve_bp <= BASIS:
        raise DistributionError(_l("Give a percentage between 0 and 100."))
    old = cooperative.reserve_bp
    if old == reserve_bp:
        return False
    cooperative.reserve_bp = reserve_bp
    audit(
        actor,
        "cooperative.reserve",
        cooperative,
        label=cooperative.legal_name,
        old_bp=old,
        new_bp=reserve_bp,
    )
    db.session.flush()
    return True
