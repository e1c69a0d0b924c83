"""Workspace pages for lots and their trace events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalog.models import Certification, Product, Variant
from catalog.trace import (
    Action,
    Contribution,
    ContributionKind,
    EventType,
    Lot,
    LotDetails,
    Place,
    Quantity,
    Step,
    TraceError,
    TraceEvent,
    create_lot,
    record_trace_event,
    store_evidence,
    timeline,
    update_lot,
    verify_chain,
)
from producers.models import Member
from producers.workspace.access import owned_or_404, workspace
from producers.workspace.forms import options
from producers.workspace.lot_forms import EventForm, LotForm, shop_zone
from shop.actions import commit_or_flash
from shop.extensions import db
from shop.params import require_int


@workspace()
def lots(**_kw):
    """The cooperative's lots, newest first, with their remaining units."""
    items = db.session.scalars(
        select(Lot)
        .where(Lot.cooperative_id == g.coop.id)
        .order_by(Lot.id.desc())
        .options(
            selectinload(Lot.variant)
            .selectinload(Variant.product)
            .selectinload(Product.translations)
        )
    ).all()
    counts = dict(
        db.session.execute(
            select(TraceEvent.lot_id, func.count())
            .join(Lot)
            .where(Lot.cooperative_id == g.coop.id)
            .group_by(TraceEvent.lot_id)
        ).all()
    )
    return render_template("producers/lots.html", coop=g.coop, lots=items, counts=counts)


def _lot_form(lot: Lot | None) -> LotForm:
    form = LotForm(obj=lot)
    variants = db.session.execute(
        select(Variant, Product)
        .join(Product)
        .where(Product.cooperative_id == g.coop.id)
        .order_by(Product.id, Variant.position)
        .options(selectinload(Product.translations))
    ).all()
    # A required <select> starts on an empty choice (HTML forbids preselecting
    # a real one there): the manager picks the product instead of keeping the first.
    form.variant_id.choices = options(
        [("", _("Choose…"))]
        + [(v.id, f"{p.name(g.lang).text} — {v.label} ({v.sku})") for v, p in variants]
    )
    form.certification_ids.choices = options(
        (c.id, f"{c.kind.value.upper()} {c.number}")
        for c in db.session.scalars(
            select(Certification).where(Certification.cooperative_id == g.coop.id)
        )
    )
    members = db.session.scalars(
        select(Member)
        .where(Member.cooperative_id == g.coop.id, Member.active.is_(True))
        .order_by(Member.full_name)
    ).all()
    if lot is not None and request.method == "GET":
        form.variant_id.data = str(lot.variant_id)
        form.certification_ids.data = [c.id for c in lot.certifications]
        while len(form.contributions) < len(lot.contributions) + 2:
            form.contributions.append_entry()
        for entry, contribution in zip(form.contributions, lot.contributions, strict=False):
            entry.member_id.data = str(contribution.member_id)
            entry.kind.data = contribution.kind.value
            entry.amount.data = contribution.amount
    for entry in form.contributions:
        entry.member_id.choices = options([("", "—")] + [(m.id, m.full_name) for m in members])
    return form


def _details(form: LotForm) -> LotDetails:
    return LotDetails(
        quantity_produced=form.quantity_produced.data,
        harvest_start=form.harvest_start.data,
        harvest_end=form.harvest_end.data,
        produced_on=form.produced_on.data,
        best_before=form.best_before.data,
        commune=form.commune.data or "",
        province=form.province.data or "",
        latitude=form.latitude.data,
        longitude=form.longitude.data,
    )


def _contributions(form: LotForm) -> list[Contribution]:
    members = {
        str(m.id): m
        for m in db.session.scalars(select(Member).where(Member.cooperative_id == g.coop.id))
    }
    result = []
    for entry in form.contributions:
        member = members.get(entry.member_id.data or "")
        if member is not None and entry.amount.data:
            result.append(
                Contribution(member, ContributionKind(entry.kind.data), Decimal(entry.amount.data))
            )
    return result


def _certifications(form: LotForm) -> list[Certification]:
    wanted = set(form.certification_ids.data or ())
    return (
        list(
            db.session.scalars(
                select(Certification).where(
                    Certification.cooperative_id == g.coop.id, Certification.id.in_(wanted)
                )
            )
        )
        if wanted
        else []
    )


@workspace()
def lot_form(lot_id: int | None = None):
    """Create a lot, or edit its facts (its code and size stay as created)."""
    lot = owned_or_404(Lot, lot_id) if lot_id is not None else None
    form = _lot_form(lot)
    if lot is not None:
        form.code.data = lot.code  # fixed: printed on labels already
        form.variant_id.data = str(lot.variant_id)
    if form.validate_on_submit():
        # The refusal is shown on the code field, not flashed.
        try:
            if lot is None:
                variant = db.session.get(Variant, int(form.variant_id.data))
                lot = create_lot(
                    g.coop,
                    variant,
                    form.code.data,
                    _details(form),
                    _certifications(form),
                    _contributions(form),
                )
            else:
                update_lot(lot, g.coop, _details(form), _certifications(form), _contributions(form))
        except TraceError as exc:
            db.session.rollback()
            form.code.errors = [*form.code.errors, str(exc.message)]
        else:
            db.session.commit()
            flash(_("Lot %(code)s saved.", code=lot.code), "success")
            return redirect(url_for("producers.lot_events", slug=g.coop.slug, lot_id=lot.id))
    return render_template(
        "producers/lot_form.html", coop=g.coop, form=form, lot=lot
    ), 400 if form.errors else 200


def _quantities(entries) -> list[Quantity]:
    return [
        Quantity(e.material.data, Decimal(e.quantity.data), e.uom.data)
        for e in entries
        if e.material.data and e.quantity.data
    ]


def _event_fields(form: EventForm) -> dict:
    event_type = EventType(form.event_type.data)
    return {
        "event_type": event_type,
        "step": Step(form.step.data),
        "occurred_at": form.moment(),
        "description": {
            lang: getattr(form, f"description_{lang}").data or "" for lang in ("ar", "fr", "en")
        },
        "place": Place(form.place.data or "", form.latitude.data, form.longitude.data),
        "action": Action(form.action.data) if event_type == EventType.OBJECT else None,
        "inputs": _quantities(form.inputs),
        "outputs": _quantities(form.outputs),
    }


@workspace()
def lot_events(lot_id: int):
    """A lot's chain of events, and the form to record the next one (or a correction)."""
    lot = owned_or_404(Lot, lot_id)
    form = EventForm()
    corrects = None
    raw = request.values.get("corrects")
    correct_id = require_int(raw) if raw else None
    if correct_id:
        corrects = db.session.scalar(
            select(TraceEvent).where(TraceEvent.id == correct_id, TraceEvent.lot_id == lot.id)
        )
        if corrects is None:
            abort(404)
    if request.method == "GET" and form.occurred_at.data is None:
        # Now, on the cooperative's clock: most events are recorded as they happen.
        form.occurred_at.data = datetime.now(shop_zone()).replace(
            tzinfo=None, second=0, microsecond=0
        )
    if form.validate_on_submit():
        with commit_or_flash(
            _("Event recorded. It can no longer be changed; record a correction if needed.")
        ) as outcome:
            fields = _event_fields(form)
            if form.evidence.data:
                fields["evidence"] = store_evidence(
                    form.evidence.data.read(), private=form.evidence_private.data
                )
            record_trace_event(lot, g.coop, corrects=corrects, **fields)
        if outcome.ok:
            return redirect(url_for("producers.lot_events", slug=g.coop.slug, lot_id=lot.id))
    events = db.session.scalars(
        select(TraceEvent).where(TraceEvent.lot_id == lot.id).order_by(TraceEvent.sequence)
    ).all()
    status = verify_chain(lot, events)
    return render_template(
        "producers/lot_events.html",
        coop=g.coop,
        lot=lot,
        form=form,
        entries=timeline(events, status),
        status=status,
        corrects=corrects,
    ), 400 if form.errors else 200
