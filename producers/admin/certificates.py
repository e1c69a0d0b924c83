"""Quality certificates already expired or about to expire."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from catalog.models import Certification
from producers.models import Cooperative
from shop import clock
from shop.accounts import admin_required
from shop.extensions import db

#: Certificates whose validity ends within this many days are listed as expiring.
EXPIRY_WINDOW_DAYS = 30


@admin_required
def certificates():
    """Certificates already expired or expiring within 30 days, soonest first."""
    today = clock.local_date()
    rows = db.session.scalars(
        select(Certification)
        .join(Certification.cooperative)
        .where(Certification.valid_until <= today + timedelta(days=EXPIRY_WINDOW_DAYS))
        .options(contains_eager(Certification.cooperative))
        .order_by(Certification.valid_until, Cooperative.legal_name, Certification.id)
    ).all()
    expired = [c for c in rows if not c.is_valid(today)]
    expiring = [c for c in rows if c.is_valid(today)]
    return render_template(
        "admin/certificates.html",
        expired=expired,
        expiring=expiring,
        today=today,
        window=EXPIRY_WINDOW_DAYS,
    )
