"""Stock alerts: "tell me when it is back" for a sold-out size.

A shopper leaves an e-mail address or a mobile number (E.164, checked by
``shop.messaging.phones``) on a sold-out size; one ``stock_alert`` row per
size and contact. When the size's stock goes from nothing to some, each is
sent one message in the language it was made in, through
``shop.messaging.notify``, with a link to the product and a signed link that
stops every alert of that contact; the row is deleted in the transaction
that writes the message, so nobody is told twice.

Where stock comes back: every ORM change of ``Variant.stock`` (the
workspace's stock screen and CSV, the catalogue import, the product form)
is seen here at flush (``_collect``); the orders' bulk UPDATEs that put
units back (a cancellation, a lapsed hold, a refund) name their variants
with ``stock_returned``. Either queues the ``stock-alerts-send`` job after
the commit. ``stock-alerts-sweep`` (every hour) sends the alerts of sizes in
stock that a path above missed and deletes those older than ``ALERT_DAYS``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from shop import jobs
from shop.extensions import db
from shop.messaging import Channel, Recipient, notify
from shop.messaging.phones import NotAMobile, NotAPhone, mobile_number
from shop.models import utcnow

from ..exceptions import CatalogError
from ..models import Product, ProductStatus, Variant
from .models import StockAlert

#: Days an alert waits for its size before it is deleted.
ALERT_DAYS = 90
#: Most alerts one contact may wait for at once.
MAX_PER_CONTACT = 30
#: Salt of the links in alert messages: a token signed for anything else is refused.
TOKEN_SALT = "stock-alert"
#: ``Session.info`` key of the variants whose stock came back in this transaction.
RETURNED = "stock_alert_variants"


class Contact(tuple):
    """``(email, phone)``: exactly one is set."""

    @property
    def email(self) -> str:
        return self[0]

    @property
    def phone(self) -> str:
        return self[1]


def parse_contact(text: str) -> Contact:
    """An e-mail address (lower-cased) or a mobile number in E.164; raises ``CatalogError``."""
    value = " ".join((text or "").split())
    if "@" in value:
        # The checks of the site's other e-mail fields (WTForms' ``Email``): one
        # address, nothing a mail header could read as a second one.
        try:
            address = validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            raise CatalogError(_l("Give an e-mail address or a mobile number.")) from None
        if len(address) > 254:
            raise CatalogError(_l("Give an e-mail address or a mobile number."))
        return Contact((address.lower(), ""))
    try:
        return Contact(("", mobile_number(value)))
    except (NotAPhone, NotAMobile):
        raise CatalogError(_l("Give an e-mail address or a mobile number.")) from None


def subscribe(variant: Variant, text: str, lang: str) -> bool:
    """Wait for ``variant`` to return; False when this contact already waits for it.

    Only for a size shown and sold out; a contact waits for at most
    ``MAX_PER_CONTACT`` sizes at once.
    """
    if variant.stock > 0:
        raise CatalogError(_l("This size is in stock: add it to your cart."))
    contact = parse_contact(text)
    waiting = db.session.scalar(
        select(func.count())
        .select_from(StockAlert)
        .where(StockAlert.email == contact.email, StockAlert.phone == contact.phone)
    )
    if (waiting or 0) >= MAX_PER_CONTACT:
        raise CatalogError(_l("This address already waits for too many sizes."))
    try:
        with db.session.begin_nested():
            db.session.add(
                StockAlert(
                    variant_id=variant.id, email=contact.email, phone=contact.phone, lang=lang
                )
            )
    except IntegrityError:
        return False  # the same contact asked twice: one alert is enough
    return True


# ---------------------------------------------------------------- the links


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def alert_token(variant_id: int, email: str, phone: str) -> str:
    """The signed token of an alert's link: the size and the contact (no expiry: it only stops)."""
    return _serializer().dumps([variant_id, email or phone])


def read_token(token: str) -> tuple[int, Contact] | None:
    """The size and contact a token names, or None if it is not ours."""
    try:
        variant_id, contact = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(variant_id, int) or not isinstance(contact, str) or not contact:
        return None
    return variant_id, Contact((contact, "") if "@" in contact else ("", contact))


def unsubscribe(contact: Contact) -> int:
    """Delete every alert of ``contact``; how many."""
    result: Any = db.session.execute(
        delete(StockAlert).where(
            StockAlert.email == contact.email, StockAlert.phone == contact.phone
        )
    )
    return int(result.rowcount)


# ---------------------------------------------------------------- stock coming back


def stock_returned(session: Session, variant_ids: Iterable[int]) -> None:
    """These sizes' stock went from nothing to some in this transaction: alert after the commit.

    For bulk UPDATEs (the ORM's changes are seen by ``_collect``). One job per
    transaction, whose list of ids grows until the commit.
    """
    ids = sorted({int(i) for i in variant_ids if i is not None})
    if not ids:
        return
    known: list[int] | None = session.info.get(RETURNED)
    if known is None:
        known = session.info[RETURNED] = []
        jobs.after_commit(send_alerts, known, session=session)
    known.extend(i for i in ids if i not in known)


def _collect(session: Session, _context, _instances) -> None:
    """Before a flush: the variants whose stock goes from nothing to some.

    A stock that was not loaded before it was set (its old value unknown)
    counts when the new one is positive: the job checks the stock again.
    """
    returned = []
    for obj in session.dirty:
        if isinstance(obj, Variant) and obj.id is not None:
            history: Any = inspect(obj).attrs.stock.history
            if history.added and (history.added[0] or 0) > 0:
                before = history.deleted[0] if history.deleted else None
                if before is None or before <= 0:
                    returned.append(obj.id)
    stock_returned(session, returned)


def _end(session: Session, *_args) -> None:
    session.info.pop(RETURNED, None)


def _end_rollback(session: Session, previous) -> None:
    if previous.parent is None:
        session.info.pop(RETURNED, None)


def _claim(variant_ids: list[int] | None):
    """DELETE … RETURNING the alerts of sizes back on sale (``variant_ids``, or all)."""
    on_sale = (
        select(Variant.id)
        .join(Product)
        .where(
            Variant.stock > 0,
            Variant.active.is_(True),
            Product.status == ProductStatus.PUBLISHED,
        )
    )
    if variant_ids is not None:
        on_sale = on_sale.where(Variant.id.in_(variant_ids))
    return (
        delete(StockAlert)
        .where(StockAlert.variant_id.in_(on_sale))
        .returning(StockAlert.variant_id, StockAlert.email, StockAlert.phone, StockAlert.lang)
        .execution_options(synchronize_session=False)
    )


def send_due(variant_ids: list[int] | None = None) -> int:
    """Write one message to each contact waiting for a size back on sale; delete their alerts.

    The DELETE claims the rows: a second run (a retry, the sweeper) finds
    them gone, and on PostgreSQL waits for the first's commit. The caller
    commits: the messages and the deletions go together or not at all.
    """
    claimed = db.session.execute(_claim(variant_ids)).all()
    if not claimed:
        return 0
    variants = {
        v.id: v
        for v in db.session.scalars(
            select(Variant)
            .where(Variant.id.in_({row.variant_id for row in claimed}))
            .options(selectinload(Variant.product).selectinload(Product.translations))
        )
    }
    for row in claimed:
        variant = variants[row.variant_id]
        recipient = Recipient(
            lang=row.lang,
            email=row.email,
            phone=row.phone,
            channel=Channel.SMS if row.phone else Channel.EMAIL,
        )
        notify(
            recipient,
            "stock_alert",
            _l("Back in stock: %(name)s", name=variant.product.name(row.lang).text),
            product=variant.product,
            variant=variant,
            product_name=variant.product.name(row.lang).text,
            alert_token=alert_token(variant.id, row.email, row.phone),
        )
    return len(claimed)


@jobs.job("stock-alerts-send")
def send_alerts(variant_ids: list[int]) -> int:
    """After a commit that brought these sizes back: their alerts' messages (``send_due``)."""
    sent = send_due([int(i) for i in variant_ids])
    db.session.commit()
    return sent


def expire_old() -> int:
    """Delete the alerts older than ``ALERT_DAYS``; how many."""
    limit = utcnow() - timedelta(days=ALERT_DAYS)
    result: Any = db.session.execute(
        delete(StockAlert)
        .where(StockAlert.created_at < limit)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


@jobs.job("stock-alerts-sweep")
def sweep() -> int:
    """Periodic: the alerts of sizes in stock a restock did not reach; delete expired ones."""
    sent = send_due(None)
    expire_old()
    db.session.commit()
    return sent


def init_alerts(app) -> None:
    """Watch stock at every flush (once per process); the sweeper's period."""
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_commit", _end)
        event.listen(Session, "after_soft_rollback", _end_rollback)
    jobs.every(app, 3600, sweep)
