"""Administration of the fair-trade policy and the floor prices."""

from __future__ import annotations

from babel.numbers import get_decimal_symbol
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from catalog.models import Category, FloorPrice
from producers.admin.forms import FloorAmountForm, FloorForm, PolicyForm
from producers.money import policy as services
from producers.money.exceptions import PolicyConflict, PolicyError
from producers.money.policy import UNIT_LABELS
from shop.accounts import admin_required
from shop.accounts.models import User
from shop.actions import commit_or_flash
from shop.extensions import db
from shop.i18n import FORMAT_LOCALES, current_language
from shop.money.amounts import mad_str
from shop.money.split import DEFAULT_POLICY, HARD_CAP_BP, split

#: The worked example on the page: a sale of 200 MAD.
EXAMPLE_CENTS = 20_000


def _attach(form: FlaskForm, exc: PolicyError) -> bool:
    """Put the service's messages on their fields; False when one has no field."""
    placed = True
    for name, message in exc.errors.items():
        if name in form._fields:
            form[name].errors = [*form[name].errors, str(message)]
        else:
            placed = False
    return placed and bool(exc.errors)


# ------------------------------------------------------------------ policy


@admin_required
def policy():
    """The policy in force, its history and the form to publish a new version."""
    row = services.latest_version()
    current = row.as_policy() if row is not None else DEFAULT_POLICY
    form = PolicyForm(
        formdata=None,
        data={
            "base_version": str(current.version),
            "commission": _percent_text(current.commission_bp),
            "premium": _percent_text(current.premium_bp),
            "hold_days": str(current.hold_days),
        },
    )
    return _render_policy(form)


@admin_required
def publish_policy():
    """Publish new numbers as a new version (past orders keep theirs)."""
    form = PolicyForm()
    if not form.validate():
        return _render_policy(form), 400
    try:
        row = services.publish_policy(
            current_user,
            form.commission.bp,
            form.premium.bp,
            form.hold_days.days,
            form.note.data or "",
            base_version=form.base(),
        )
    except PolicyError as exc:
        db.session.rollback()
        conflict = isinstance(exc, PolicyConflict)
        if conflict:
            # The page shows the numbers now in force; the admin's own stay in the form,
            # which now builds on the newer version once reviewed.
            latest = services.latest_version()
            form.base_version.data = str(latest.version if latest else DEFAULT_POLICY.version)
        error = None if _attach(form, exc) else str(exc.message)
        return _render_policy(form, error=error), 409 if conflict else 400
    db.session.commit()
    flash(
        _(
            "Version %(version)d of the fair-trade rules is published. It applies to orders "
            "placed from now on.",
            version=row.version,
        ),
        "success",
    )
    return redirect(url_for("admin.policy"))


def _percent_text(rate_bp: int) -> str:
    """Basis points as the form shows them: 1000 → '10', 725 → '7,25' (the page's decimal mark)."""
    whole, rest = divmod(rate_bp, 100)
    if not rest:
        return str(whole)
    mark = get_decimal_symbol(FORMAT_LOCALES[current_language()])
    return f"{whole}{mark}{rest:02d}".rstrip("0")


def _render_policy(form: PolicyForm, error: str | None = None) -> str:
    rows = services.history()
    current = rows[0].as_policy() if rows else DEFAULT_POLICY
    authors = (
        {
            user.id: user
            for user in db.session.scalars(
                select(User).where(User.id.in_({r.created_by_id for r in rows if r.created_by_id}))
            )
        }
        if rows
        else {}
    )
    return render_template(
        "admin/policy.html",
        form=form,
        error=error,
        current=current,
        current_row=rows[0] if rows else None,
        rows=rows,
        authors=authors,
        cap_bp=HARD_CAP_BP,
        example=split(EXAMPLE_CENTS, current),
        defaults=DEFAULT_POLICY,
    )


# ------------------------------------------------------------------ floor prices


def _category_choices() -> list[SelectChoice]:
    """Every category as "Parent › Child", in tree order (parents are in the identity map)."""
    lang = current_language()
    categories = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))

    def path(category: Category) -> str:
        names = []
        node: Category | None = category
        while node is not None:
            names.append(node.name(lang).text or node.slug)
            node = node.parent
        return " › ".join(reversed(names))

    labelled = sorted(((path(c), c) for c in categories), key=lambda pair: pair[0].casefold())
    return [SelectChoice(value="", label=_("Choose…"))] + [
        SelectChoice(value=str(c.id), label=label) for label, c in labelled
    ]


@admin_required
def floors():
    """Floor prices per category and unit, with forms to add, change and remove them."""
    form = FloorForm(formdata=None)
    return _render_floors(form)


@admin_required
def add_floor():
    """Create a floor price."""
    form = FloorForm()
    form.category.choices = _category_choices()
    if not form.validate():
        return _render_floors(form), 400
    try:
        services.save_floor(
            current_user,
            form.amount.cents,
            category_id=int(form.category.data),
            unit=form.unit.data,
        )
    except PolicyError as exc:
        db.session.rollback()
        error = None if _attach(form, exc) else str(exc.message)
        return _render_floors(form, error=error), 400
    db.session.commit()
    flash(
        _(
            "The floor price is saved. Products already on sale stay published; it applies "
            "when they are next published or their price changes."
        ),
        "success",
    )
    return redirect(url_for("admin.floors"))


@admin_required
def update_floor(floor_id: int):
    """Change a floor's amount."""
    floor = db.session.get(FloorPrice, floor_id)
    if floor is None:  # removed by another administrator meanwhile
        return _render_floors(
            FloorForm(formdata=None),
            error=_("This floor price no longer exists: another administrator removed it."),
        ), 400
    amount_form = FloorAmountForm()
    if amount_form.validate():
        try:
            services.save_floor(current_user, amount_form.amount.cents, floor=floor)
        except PolicyError as exc:
            db.session.rollback()
            _attach(amount_form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "The floor price is saved. Products already on sale stay published; it "
                    "applies when they are next published or their price changes."
                ),
                "success",
            )
            return redirect(url_for("admin.floors"))
    return _render_floors(FloorForm(formdata=None), failed=(floor_id, amount_form)), 400


@admin_required
def delete_floor(floor_id: int):
    """Remove a floor price (products already on sale are not touched)."""
    floor = db.session.get(FloorPrice, floor_id)
    if floor is None:  # removed by another administrator meanwhile: nothing left to do
        flash(_("This floor price was already removed."), "info")
        return redirect(url_for("admin.floors"))
    with commit_or_flash(_("The floor price is removed.")):
        services.delete_floor(current_user, floor)
    return redirect(url_for("admin.floors"))


def _render_floors(
    form: FloorForm, error: str | None = None, failed: tuple[int, FloorAmountForm] | None = None
) -> str:
    form.category.choices = _category_choices()
    rows = services.floors()
    names = {int(c.value): c.label for c in form.category.choices if c.value}
    amount_forms = {}
    for floor in rows:
        if failed is not None and failed[0] == floor.id:
            amount_forms[floor.id] = failed[1]
        else:
            amount_forms[floor.id] = FloorAmountForm(
                formdata=None, data={"amount": mad_str(floor.cents_per_reference)}
            )
        field = amount_forms[floor.id].amount
        field.id = field.label.field_id = f"amount-{floor.id}"
    rows.sort(key=lambda f: (names.get(f.category_id, "").casefold(), f.unit.value))
    return render_template(
        "admin/floors.html",
        form=form,
        error=error,
        rows=rows,
        names=names,
        amount_forms=amount_forms,
        unit_labels=UNIT_LABELS,
        failed_id=failed[0] if failed else None,
    )
