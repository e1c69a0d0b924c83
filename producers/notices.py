"""Mails to a cooperative's managers, rendered now and sent once the transaction commits.

A payout marked paid or a bank account changed is told to the people who
manage the cooperative, each in their own language; nothing is sent when the
change is rolled back.
"""
from __future__ import annotations

from collections.abc import Iterable
from email.message import EmailMessage

from flask import current_app, g, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from shop import mail
from shop.accounts.models import User
from shop.extensions import db
from shop.i18n import LANGUAGES

from .models import Cooperative, Membership

QUEUE = "producers_mail"


def managers(cooperative_id: int) -> list[User]:
    """The active users who manage the cooperative, by id."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.cooperative_id == cooperative_id, User.active.is_(True))
        .order_by(User.id)))


def workspace_link(endpoint: str, lang: str, **values) -> str:
    """An absolute link to ``endpoint``, or "" where none can be built (CLI, no SERVER_NAME)."""
    try:
        return url_for(endpoint, lang=lang, _external=True, **values)
    except RuntimeError:
        return ""


def queue_for_managers(cooperative: Cooperative, template: str, subject, *,
                       exclude: Iterable[int] = (), link: tuple[str, dict] | None = None,
                       **context) -> int:
    """Render ``mail/<template>`` for each manager in their language; queue it; return how many.

    ``link`` is an (endpoint, values) pair, built in each recipient's language.
    """
    skip = set(exclude)
    count = 0
    for user in managers(cooperative.id):
        if user.id in skip:
            continue
        lang = user.locale if user.locale in LANGUAGES else "fr"
        previous = g.get("lang")
        g.lang = lang  # money, dates and links follow the recipient
        try:
            with force_locale(lang):
                url = workspace_link(link[0], lang, **link[1]) if link else ""
                values = {"user": user, "cooperative": cooperative, "lang": lang,
                          "link": url, **context}
                text = render_template(f"mail/{template}.txt", **values)
                html = render_template(f"mail/{template}.html", **values)
                message = mail.build_message(user.email, str(subject), text, html)
        finally:
            g.lang = previous
        db.session.info.setdefault(QUEUE, []).append(message)
        count += 1
    return count


def _send_queued(session: Session) -> None:
    messages: list[EmailMessage] = session.info.pop(QUEUE, [])
    for message in messages:
        try:
            mail.send(message)
        except OSError:  # a mail server down must not undo what was committed
            current_app.logger.exception("could not send %s", message["Subject"])


def _drop_queued(session: Session) -> None:
    session.info.pop(QUEUE, None)


if not event.contains(Session, "after_commit", _send_queued):
    event.listen(Session, "after_commit", _send_queued)
    event.listen(Session, "after_rollback", _drop_queued)
