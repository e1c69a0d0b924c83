"""Published versions of the fair-trade policy (the numbers ``shop.money.split`` applies).

Every change an administrator makes creates a new version; order lines keep
the version they were sold under, so past orders never change. Without any
row (a database created by tests with ``create_all``) the defaults apply as
version 1, the version the migration publishes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, Select, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import Model, db
from shop.models import utcnow

from .split import BASIS, DEFAULT_POLICY, HARD_CAP_BP, Policy

#: Notes the shop wrote itself, not an administrator: the migration publishes
#: version 1 with the first. Stored in English like any note, they are shown
#: in the reader's language; an administrator's note is shown as typed.
SYSTEM_NOTES = {"Initial published rules.": _l("Initial published rules.")}


class PolicyVersion(Model):
    """One published version of the rules; never edited, only superseded."""

    __tablename__ = "policy_version"
    __table_args__ = (
        CheckConstraint(f"commission_bp BETWEEN 0 AND {HARD_CAP_BP}", name="commission_capped"),
        CheckConstraint(
            f"premium_bp >= 0 AND premium_bp + commission_bp <= {BASIS}", name="premium_range"
        ),
        CheckConstraint("hold_days >= 0", name="hold_not_negative"),
    )

    #: The version number itself (1, 2, …), stored on order lines.
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    commission_bp: Mapped[int] = mapped_column(Integer)
    premium_bp: Mapped[int] = mapped_column(Integer)
    hold_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: Why it changed (shown in the audit log and on the public page's history).
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def shown_note(self) -> str:
        """The note to display: translated when the shop wrote it (version 1's)."""
        known = SYSTEM_NOTES.get(self.note)
        return str(known) if known is not None else self.note

    def as_policy(self) -> Policy:
        """The pure value the split function takes."""
        return Policy(
            version=self.version,
            commission_bp=self.commission_bp,
            premium_bp=self.premium_bp,
            hold_days=self.hold_days,
        )


def current_policy() -> Policy:
    """The policy new sales are made under: the latest version."""
    row = db.session.scalar(_latest_version())
    return row.as_policy() if row is not None else DEFAULT_POLICY


@cache
def _latest_version() -> Select[PolicyVersion]:
    """The statement of ``current_policy``, built once (every product page asks it)."""
    return select(PolicyVersion).order_by(PolicyVersion.version.desc()).limit(1)


def policy_for(version: int) -> Policy:
    """The policy an order line was sold under."""
    row = db.session.get(PolicyVersion, version)
    if row is not None:
        return row.as_policy()
    if version == DEFAULT_POLICY.version:
        return DEFAULT_POLICY
    raise LookupError(f"no fair-trade policy version {version}")


def policies_for(versions: Iterable[int]) -> dict[int, Policy]:
    """Several versions at once (one query)."""
    wanted = set(versions)
    found = {
        row.version: row.as_policy()
        for row in db.session.scalars(
            select(PolicyVersion).where(PolicyVersion.version.in_(wanted))
        )
    }
    if DEFAULT_POLICY.version in wanted and DEFAULT_POLICY.version not in found:
        found[DEFAULT_POLICY.version] = DEFAULT_POLICY
    missing = wanted - set(found)
    if missing:
        raise LookupError(f"no fair-trade policy versions {sorted(missing)}")
    return found
