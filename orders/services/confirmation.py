"""Cash on delivery confirmed by the shopper before anything is prepared.

Most refused parcels in Morocco are cash-on-delivery orders nobody really
meant: a COD order is therefore placed AWAITING_CONFIRMATION, its stock held,
and the shopper confirms it with one tap on a signed link, by replying to
the message, or to staff on the phone. Only then do its parcels reach the
cooperatives' "to prepare" lists and their managers hear of them. An order
nobody confirmed within ``COD_CONFIRM_HOURS`` lapses (``orders.cod``).

The link's token is signed with the application's secret (itsdangerous, as
the account links are), salted for this one purpose, and expires with the
delay; it names the order by id only, so it fits in a text message.
Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shop.accounts.models import User
from shop.audit import audit
from shop.extensions import db
from shop.models import utcnow

from ..models import Order, OrderStatus, PaymentMethod
from .mails import mail_confirmed
from .notices import tell_cooperatives, tell_shopper
from .states import claim_transition

#: Salt of the confirmation links: a token signed for another purpose
#: (password reset, registration) is refused here, and the other way round.
CONFIRM_SALT = "order-confirm-cod"
#: The default delay before an unconfirmed order lapses (``COD_CONFIRM_HOURS``).
DEFAULT_CONFIRM_HOURS = 48


def confirm_delay() -> timedelta:
    """How long a cash-on-delivery order waits for its confirmation."""
    hours = current_app.config.get("COD_CONFIRM_HOURS", DEFAULT_CONFIRM_HOURS)
    return timedelta(hours=max(1, int(hours)))


def confirm_due(placed: datetime | None = None) -> datetime:
    """When an order placed at ``placed`` (now) lapses unconfirmed (naive UTC)."""
    return (placed or utcnow()) + confirm_delay()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def confirm_token(order: Order) -> str:
    """The signed token of ``order``'s confirmation link (about 40 characters)."""
    return _serializer().dumps(order.id)


def order_from_token(token: str) -> Order | None:
    """The order a valid, unexpired confirmation token names; None when tampered or expired."""
    try:
        order_id = _serializer().loads(token, max_age=int(confirm_delay().total_seconds()))
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        return None
    order = db.session.get(Order, order_id)
    if order is None or order.payment_method != PaymentMethod.COD:
        return None
    return order


def ask_confirmation(order: Order, token: str) -> None:
    """Send the shopper the confirmation request (and, by e-mail, the order's private link)."""
    tell_shopper(
        order,
        "order_confirm",
        _l("Confirm your order %(number)s", number=order.number),
        mail_too=True,
        confirm_token=confirm_token(order),
        token=token,
    )


def confirm_cod(order: Order, via: str, actor: User | None = None, note: str = "") -> bool:
    """AWAITING_CONFIRMATION → CONFIRMED; False (changing nothing) if it was not awaiting.

    ``via`` says how ("link", "reply", "phone"): it goes to the audit row.
    Claimed with a conditional UPDATE, so a double tap, a reply and a call at
    once confirm it once, and a lapse at the same moment wins or loses whole.
    The shopper gets the "confirmed" mail, the cooperatives their notices.
    """
    if not claim_transition(
        order.id,
        OrderStatus.AWAITING_CONFIRMATION,
        OrderStatus.CONFIRMED,
        confirmed_at=utcnow(),
        confirm_due_at=None,
    ):
        return False
    action = "order.phone_confirmed" if via == "phone" else "order.confirm"
    audit(actor, action, order, reason=note, label=order.number, via=via)
    db.session.flush()
    mail_confirmed(order)
    tell_cooperatives(order)
    return True


#: What a shopper reads when a confirmation link does not work.
BAD_LINK_MESSAGE = _l(
    "This confirmation link is not valid or has expired. Open your order from the "
    "e-mail we sent, or contact us."
)
