"""Cash on delivery around its confirmation: replies, the lapse, and the weekly rates.

``services.confirmation`` confirms; this module holds what also cancels
(through ``orders.cancellation``, which sits above the services): a shopper's
"no" by reply, an order nobody confirmed in time, and the rates staff watch
(how many cash-on-delivery orders get confirmed, how many parcels are
refused at the door).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import LazyString, format_timedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from shop import clock
from shop.digits import ascii_digits, international_phone, moroccan_phone
from shop.extensions import db
from shop.messaging import Channel, on_reply
from shop.models import utcnow

from . import cancellation, services
from .exceptions import OrderError
from .models import Order, OrderStatus, PaymentMethod, Shipment, ShipmentStatus
from .services.mails import in_language

#: Replies that confirm (after ``normalise_reply``): the digit the message
#: offers, and "yes" as Moroccans write it (Arabic, Darija, French, English).
YES = frozenset({"1", "نعم", "واخا", "wakha", "oui", "yes", "ok", "okay"})
#: Replies that cancel. Safe because only an order still awaiting confirmation
#: can be cancelled so (nothing prepared, nothing paid, its stock goes back),
#: only the latest one of that phone, and the message offers it ("2 to cancel").
NO = frozenset({"2", "لا", "non", "no"})
#: How many lapsed orders one run of the job cancels (the next run takes the rest).
LAPSE_BATCH = 200

_PUNCTUATION = re.compile(r"[\s.,!?؟،;:'\"()*_\-]+")


def normalise_reply(body: str) -> str:
    """A reply as compared: digits in ASCII, case folded, no accents, punctuation or spaces.

    "  Oui ! " → "oui", "١" → "1", "نعم." → "نعم", "OK" → "ok".
    """
    text = unicodedata.normalize("NFKC", ascii_digits(body or "")).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = text.replace("\u0640", "")  # Arabic tatweel
    return _PUNCTUATION.sub("", text)


def phone_key(phone: str) -> str | None:
    """A phone number as orders store it (``+212…``), or None."""
    return moroccan_phone(phone) or international_phone(phone)


def latest_awaiting(phone: str) -> Order | None:
    """The newest cash-on-delivery order of ``phone`` still awaiting confirmation."""
    return db.session.scalar(
        select(Order)
        .where(Order.phone == phone, Order.status == OrderStatus.AWAITING_CONFIRMATION)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(1)
    )


@on_reply
def handle_reply(phone: str, body: str) -> bool:
    """An SMS or WhatsApp reply: "1"/"yes" confirms, "2"/"no" cancels the phone's latest
    order awaiting confirmation; False (not ours) for anything else.

    The reply is its own unit of work: it commits, like a job.
    """
    answer = normalise_reply(body)
    if answer not in YES and answer not in NO:
        return False
    key = phone_key(phone)
    order = latest_awaiting(key) if key else None
    if order is None:
        return False
    if answer in YES:
        done = services.confirm_cod(order, "reply")
        key_name = "order_confirmed"
        subject = _l("Your order %(number)s is confirmed", number=order.number)
    else:
        reason = in_language(order, _l("You cancelled it by replying to our message."))
        try:
            cancellation.reply_cancelled(order, reason)
            done = True
        except OrderError:
            done = False
        key_name = "order_cancelled"
        subject = _l("Your order %(number)s is cancelled", number=order.number)
    if done and services.for_order(order).effective_channel != Channel.EMAIL:
        # The answer to an answer, on the same channel (e-mail already says it).
        services.tell_shopper(order, key_name, subject)
    db.session.commit()
    return done


def lapse_due(now: datetime | None = None) -> list[Order]:
    """Cancel and restock the cash-on-delivery orders not confirmed in time; return them.

    One indexed query when nothing lapsed. Each order is locked and checked
    again before it is cancelled, so a confirmation at the same moment wins or
    loses whole. The shopper is told (e-mail, and a text by their channel).
    """
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(Order.id)
            .where(
                Order.status == OrderStatus.AWAITING_CONFIRMATION,
                Order.confirm_due_at < now,
            )
            .order_by(Order.id)
            .limit(LAPSE_BATCH)
        )
    )
    lapsed = []
    # "2 days", "يومان": the delay in the order's language when the reason is written.
    delay = LazyString(format_timedelta, services.confirm_delay())
    for order_id in ids:
        order = db.session.get(Order, order_id)
        if order is None:
            continue
        reason = in_language(order, _l("It was not confirmed within %(delay)s.", delay=delay))
        if cancellation.lapse_unconfirmed(order, reason):
            lapsed.append(order)
            if services.for_order(order).effective_channel != Channel.EMAIL:
                services.tell_shopper(
                    order,
                    "order_cancelled",
                    _l("Your order %(number)s is cancelled", number=order.number),
                )
    return lapsed


# ---------------------------------------------------------------- weekly rates


@dataclass(frozen=True)
class WeekRates:
    """One week of cash on delivery (weeks start on Monday, Casablanca time)."""

    week: date
    #: Cash-on-delivery orders placed that week, and how many were confirmed
    #: (at any time since), cancelled unconfirmed, or are still waiting.
    placed: int
    confirmed: int
    awaiting: int
    #: Cash-on-delivery parcels shipped that week, and how many of them were refused.
    shipped: int
    refused: int

    @property
    def confirmation_rate(self) -> float | None:
        """confirmed / placed, None for a week without orders."""
        return self.confirmed / self.placed if self.placed else None

    @property
    def refusal_rate(self) -> float | None:
        """refused / shipped, None for a week without parcels shipped."""
        return self.refused / self.shipped if self.shipped else None

    def as_dict(self) -> dict[str, object]:
        """Plain data (for charts and JSON)."""
        return {
            "week": self.week.isoformat(),
            "placed": self.placed,
            "confirmed": self.confirmed,
            "awaiting": self.awaiting,
            "confirmation_rate": self.confirmation_rate,
            "shipped": self.shipped,
            "refused": self.refused,
            "refusal_rate": self.refusal_rate,
        }


def week_starts(weeks: int, today: date | None = None) -> list[date]:
    """The Mondays of the last ``weeks`` weeks (this one included), oldest first."""
    today = today or clock.local_date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _bucket(column, bounds: list[datetime]):
    return case(
        *[(and_(column >= bounds[i], column < bounds[i + 1]), i) for i in range(len(bounds) - 1)],
        else_=None,
    )


def cod_rates_by_week(weeks: int = 12, today: date | None = None) -> list[dict[str, object]]:
    """``rates_by_week`` as plain data (dicts of numbers and ISO dates), for charts."""
    return [week.as_dict() for week in rates_by_week(weeks, today)]


def rates_by_week(weeks: int = 12, today: date | None = None) -> list[WeekRates]:
    """Confirmation and refusal rates of cash on delivery for the last ``weeks`` weeks.

    Two queries whatever the number of orders: each row is put in its week
    with a CASE over the weeks' bounds (local Mondays as UTC instants, so a
    week is Casablanca's), then counted per week.
    """
    weeks = max(1, min(int(weeks), 104))
    starts = week_starts(weeks, today)
    bounds = [clock.day_start(day) for day in starts] + [
        clock.day_start(starts[-1] + timedelta(weeks=1))
    ]
    placed_rows = (
        select(
            _bucket(Order.created_at, bounds).label("w"),
            Order.confirmed_at,
            Order.status,
        )
        .where(
            Order.payment_method == PaymentMethod.COD,
            Order.created_at >= bounds[0],
            Order.created_at < bounds[-1],
        )
        .subquery()
    )
    placed = {
        row.w: row
        for row in db.session.execute(
            select(
                placed_rows.c.w,
                func.count().label("placed"),
                func.count(placed_rows.c.confirmed_at).label("confirmed"),
                func.sum(
                    case((placed_rows.c.status == OrderStatus.AWAITING_CONFIRMATION, 1), else_=0)
                ).label("awaiting"),
            ).group_by(placed_rows.c.w)
        )
    }
    shipped_rows = (
        select(_bucket(Shipment.shipped_at, bounds).label("w"), Shipment.status)
        .join(Shipment.order)
        .where(
            Order.payment_method == PaymentMethod.COD,
            Shipment.shipped_at >= bounds[0],
            Shipment.shipped_at < bounds[-1],
        )
        .subquery()
    )
    shipped = {
        row.w: row
        for row in db.session.execute(
            select(
                shipped_rows.c.w,
                func.count().label("shipped"),
                func.sum(case((shipped_rows.c.status == ShipmentStatus.REFUSED, 1), else_=0)).label(
                    "refused"
                ),
            ).group_by(shipped_rows.c.w)
        )
    }
    result = []
    for index, week in enumerate(starts):
        p, s = placed.get(index), shipped.get(index)
        result.append(
            WeekRates(
                week=week,
                placed=int(p.placed) if p else 0,
                confirmed=int(p.confirmed) if p else 0,
                awaiting=int(p.awaiting or 0) if p else 0,
                shipped=int(s.shipped) if s else 0,
                refused=int(s.refused or 0) if s else 0,
            )
        )
    return result
