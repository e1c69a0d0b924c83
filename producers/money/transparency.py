"""Public pages: the fair-trade rules in plain words, and the impact computed from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask import Blueprint, Flask, render_template
from sqlalchemy import func, select

from catalog.queries import impact_figures
from catalog.services import min_price_for_floor
from producers.money import policy as policy_services
from producers.money.policy import UNIT_LABELS, format_bp
from shop.cache import cached
from shop.extensions import db
from shop.i18n import FORMAT_LOCALES, current_language
from shop.money import ledger
from shop.money.split import BASIS, DEFAULT_POLICY, HARD_CAP_BP, Policy, split
from shop.pagecache import cacheable

bp = Blueprint("transparency", __name__, template_folder="templates", url_prefix="/<lang:lang>")
bp.add_app_template_global(format_bp, "bp_pct")

#: The worked example of the rules page: a 200 MAD bottle.
EXAMPLE_CENTS = 20_000
#: Entry kinds that make and unmake what a cooperative earns (releases only move it).
EARNING_KINDS = (ledger.SALE_CARD, ledger.SALE_CASH, ledger.REFUND)
REVENUE_ACCOUNTS = (
    ledger.COOP_REVENUE_PENDING,
    ledger.COOP_REVENUE,
    ledger.COOP_SHIPPING_PENDING,
    ledger.COOP_SHIPPING,
)
FUND_ACCOUNTS = (ledger.COOP_FUND_PENDING, ledger.COOP_FUND)


def init_transparency(app: Flask) -> None:
    """Register the public pages and their footer links."""
    from flask_babel import lazy_gettext as _l

    from shop.navigation import NavLink, add_link

    app.register_blueprint(bp)
    add_link(app, "footer", NavLink("transparency.fair_trade", _l("Fair-trade rules")))
    add_link(app, "footer", NavLink("transparency.impact", _l("Our impact")))


# ------------------------------------------------------------------ the rules


@dataclass(frozen=True)
class RoundingExample:
    """A price whose commission falls on a fraction of a centime, to show the rounding."""

    gross: int
    rate_bp: int
    exact: str  # the unrounded commission in dirhams, written for the page
    rounded: int


def rounding_example(policy: Policy, lang: str | None = None) -> RoundingExample | None:
    """A price just under 100 MAD whose commission is rounded (half a centime, if any)."""
    rate = policy.commission_bp
    if not rate:
        return None
    prices = range(9_995, 9_000, -1)
    gross = next((g for g in prices if g * rate % BASIS == BASIS // 2), None) or next(
        (g for g in prices if g * rate % BASIS > BASIS // 2), None
    )
    if gross is None:
        return None
    exact = Decimal(gross * rate) / (BASIS * 100)
    text = format_decimal(
        exact, format="#,##0.00##", locale=FORMAT_LOCALES[lang or current_language()]
    )
    return RoundingExample(gross, rate, text, split(gross, policy).commission)


@bp.route("/fair-trade")
@cacheable
def fair_trade():
    """The rules in plain words, with the numbers in force, an example and the history."""
    rows = policy_services.history()
    current = rows[0].as_policy() if rows else DEFAULT_POLICY
    floors = policy_services.floors()
    lowest = {
        floor.id: min_price_for_floor(
            floor.cents_per_reference, floor.reference_quantity, floor.reference_quantity, current
        )
        for floor in floors
    }
    return render_template(
        "transparency/fair_trade.html",
        policy=current,
        rows=rows,
        cap_bp=HARD_CAP_BP,
        defaults=DEFAULT_POLICY,
        producer_bp=BASIS - current.commission_bp - current.premium_bp,
        example=split(EXAMPLE_CENTS, current),
        rounding=rounding_example(current),
        floors=floors,
        lowest=lowest,
        unit_labels=UNIT_LABELS,
    )


# ------------------------------------------------------------------ impact


def impact_totals() -> dict[str, Any]:
    """What the ledger says cooperatives earned and were paid, in centimes.

    - paid: payouts confirmed paid (the IN_TRANSIT debits of PAYOUT_PAID
      entries), and how many cooperatives received one;
    - earned: producer revenue and shipping from sales, net of refunds;
    - premiums: fair-trade premiums credited to community funds, net of refunds.
    """
    paid_row = db.session.execute(
        select(
            func.coalesce(func.sum(ledger.JournalLine.amount_cents), 0),
            func.count(func.distinct(ledger.JournalLine.cooperative_id)),
        )
        .join(ledger.JournalEntry, ledger.JournalEntry.id == ledger.JournalLine.entry_id)
        .where(
            ledger.JournalEntry.kind == ledger.PAYOUT_PAID,
            ledger.JournalLine.account == ledger.IN_TRANSIT,
            ledger.JournalLine.amount_cents > 0,
        )
    ).one()
    # Cooperative accounts hold credits (negative sums): what is owed them, as positive.
    earned = -sum(ledger.kind_totals(account, EARNING_KINDS) for account in REVENUE_ACCOUNTS)
    premiums = -sum(ledger.kind_totals(account, EARNING_KINDS) for account in FUND_ACCOUNTS)
    figures = impact_figures()
    return {
        "paid_cents": int(paid_row[0]),
        "cooperatives_paid": int(paid_row[1]),
        "earned_cents": earned,
        "premiums_cents": premiums,
        "cooperatives": figures["cooperatives"],
        "members": figures["members"],
        "women": figures["women"],
        "women_share": (
            Decimal(figures["women"]) / figures["members"] if figures["members"] else None
        ),
    }


@bp.route("/impact")
@cacheable
def impact():
    """Totals from the ledger: paid to cooperatives, earned, premiums; women members."""
    return render_template(
        "transparency/impact.html", totals=cached("transparency:impact", impact_totals)
    )
