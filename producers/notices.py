"""Mails to a cooperative's managers, rendered now and sent once the transaction commits.

A payout marked paid or a bank account changed is told to the people who
manage the cooperative, each in their own language; nothing is sent when the
change is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from sqlalchemy import select

from producers.models import Cooperative, Membership
from shop import mail
from shop.accounts.models import User
from shop.extensions import db
from shop.i18n import LANGUAGES


def managers(cooperative_id: int) -> list[User]:
    """The active users who manage the cooperative, by id."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.cooperative_id == cooperative_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def workspace_link(endpoint: str, lang: str, **values) -> str:
    """An absolute link to ``endpoint``, or "" where none can be built (CLI, no SERVER_NAME)."""
    try:
        return url_for(endpoint, lang=lang, _external=True, **values)
    except RuntimeError:
        return ""


def queue_for_managers(
    cooperative: Cooperative,
    template: str,
    subject,
    *,
    exclude: Iterable[int] = (),
    link: tuple[str, dict] | None = None,
    **context,
) -> int:
    """Render ``mail/<template>`` for each manager in their language; queue it; return how many.

    ``link`` is an (endpoint, values) pair, built in each recipient's language.
    The mails go out once the transaction commits (``shop.mail.send_after_commit``).
    """
    skip = set(exclude)
    count = 0
    for user in managers(cooperative.id):
        if user.id in skip:
            continue
        lang = user.locale if user.locale in LANGUAGES else "fr"
        url = workspace_link(link[0], lang, **link[1]) if link else ""
        mail.send_after_commit(
            mail.render(
                user.email,
                lang,
                template,
                subject,
                user=user,
                cooperative=cooperative,
                lang=lang,
                link=url,
                **context,
            )
        )
        count += 1
    return count
