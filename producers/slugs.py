"""A cooperative's address in the shop (its slug): made from its name, changed by an admin.

The slug is part of every public link to the cooperative (its page, its
products' listing filter), so a change keeps the old address working: it is
stored in ``CooperativeOldSlug`` and the public pages redirect it with a 301.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from producers.exceptions import ProducerError
from producers.models import Cooperative, CooperativeOldSlug
from shop.accounts.models import User
from shop.audit import audit
from shop.extensions import db
from shop.slugs import SLUG_MAX, is_slug, slugify

#: Words a name often starts with that say nothing about which cooperative it is.
_GENERIC_PREFIX = re.compile(r"^(cooperative|coop[eé]rative|تعاونية)\s+", re.IGNORECASE)
#: Slugs that would hide or confuse a page of the shop's own.
RESERVED = frozenset({"apply", "new", "sell", "admin"})


def _taken(base: str) -> set[str]:
    """Current and old slugs starting with ``base`` (one query each)."""
    current = db.session.scalars(select(Cooperative.slug).where(Cooperative.slug.like(f"{base}%")))
    old = db.session.scalars(
        select(CooperativeOldSlug.slug).where(CooperativeOldSlug.slug.like(f"{base}%"))
    )
    return set(current) | set(old) | RESERVED


def unique_cooperative_slug(name: str) -> str:
    """A readable slug for ``name`` (any script) that no cooperative uses or used."""
    base = slugify(_GENERIC_PREFIX.sub("", name.strip()), SLUG_MAX - 4) or "cooperative"
    taken = _taken(base)
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def validate_slug(cooperative: Cooperative, slug: str) -> str:
    """``slug`` normalised, or ProducerError saying why it cannot be this cooperative's."""
    slug = slug.strip()
    if not is_slug(slug):
        raise ProducerError(
            _l(
                "Use lowercase letters a to z, digits and single hyphens "
                "(no spaces or accents), at most %(max)d characters.",
                max=SLUG_MAX,
            )
        )
    if slug in RESERVED:
        raise ProducerError(_l("This address is reserved by the shop. Choose another one."))
    owner = db.session.scalar(select(Cooperative.id).where(Cooperative.slug == slug))
    if owner is not None and owner != cooperative.id:
        raise ProducerError(_l("Another cooperative already has this address."))
    old_owner = db.session.scalar(
        select(CooperativeOldSlug.cooperative_id).where(CooperativeOldSlug.slug == slug)
    )
    if old_owner is not None and old_owner != cooperative.id:
        raise ProducerError(
            _l("Another cooperative used this address before; its old links still lead there.")
        )
    return slug


def change_slug(cooperative: Cooperative, slug: str, actor: User | None, reason: str = "") -> bool:
    """Give the cooperative a new address; the old one redirects to it. False when unchanged.

    Audited. Going back to an address the cooperative had before takes it out
    of the old ones (it is current again). Flushes; the caller commits.
    """
    slug = validate_slug(cooperative, slug)
    old = cooperative.slug
    if slug == old:
        return False
    db.session.execute(
        delete(CooperativeOldSlug).where(
            CooperativeOldSlug.cooperative_id == cooperative.id, CooperativeOldSlug.slug == slug
        )
    )
    db.session.add(CooperativeOldSlug(cooperative_id=cooperative.id, slug=old))
    cooperative.slug = slug
    audit(
        actor,
        "cooperative.slug_change",
        cooperative,
        reason=reason,
        label=cooperative.legal_name,
        old=old,
        new=slug,
    )
    db.session.flush()
    return True


def current_slug(slug: str) -> str | None:
    """The address now used by the cooperative that had ``slug`` before (None if none did)."""
    return db.session.scalar(
        select(Cooperative.slug)
        .join(CooperativeOldSlug, CooperativeOldSlug.cooperative_id == Cooperative.id)
        .where(CooperativeOldSlug.slug == slug)
    )
