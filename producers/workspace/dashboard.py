"""The workspace's entry: the cooperatives a person manages, and each one's dashboard."""

from __future__ import annotations

from datetime import timedelta

from flask import g, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.models import Certification, Product, ProductStatus, Variant
from producers import services
from producers.models import Cooperative
from producers.workspace import earnings
from producers.workspace.access import EDITABLE, workspace
from producers.workspace.parcels import to_prepare_count
from shop import clock
from shop.extensions import db

LOW_STOCK = 5
EXPIRY_WARNING_DAYS = 30


@login_required
def home():
    """The cooperatives the user manages, or an invitation to apply."""
    coops = services.managed_cooperatives(current_user)
    if len(coops) == 1 and coops[0].status not in EDITABLE:
        return redirect(url_for("producers.dashboard", slug=coops[0].slug))
    return render_template("producers/home.html", cooperatives=coops)


@workspace()
def dashboard(**_kw):
    """What needs attention (low stock, expiring certificates, drafts) and the money at a glance."""
    coop: Cooperative = g.coop
    if coop.status in EDITABLE:
        return redirect(url_for("producers.application", slug=coop.slug))
    earnings.release(coop)
    low = db.session.execute(
        select(Variant, Product)
        .join(Product)
        .where(
            Product.cooperative_id == coop.id,
            Product.status == ProductStatus.PUBLISHED,
            Variant.active.is_(True),
            Variant.stock <= LOW_STOCK,
        )
        .order_by(Variant.stock, Variant.sku)
        .options(selectinload(Product.translations))
    ).all()
    soon = clock.local_date() + timedelta(days=EXPIRY_WARNING_DAYS)
    expiring = db.session.scalars(
        select(Certification)
        .where(
            Certification.cooperative_id == coop.id,
            Certification.valid_until.is_not(None),
            Certification.valid_until <= soon,
        )
        .order_by(Certification.valid_until)
    ).all()
    counts = dict(
        db.session.execute(
            select(Product.status, db.func.count())
            .where(Product.cooperative_id == coop.id)
            .group_by(Product.status)
        ).all()
    )
    return render_template(
        "producers/dashboard.html",
        coop=coop,
        low_stock=low,
        expiring=expiring,
        counts=counts,
        today=clock.local_date(),
        parcels=to_prepare_count(coop.id),
        earnings=earnings.earnings(coop),
    )
