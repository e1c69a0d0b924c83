"""The cooperative's public profile, in three languages, and its logo; its legal details."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from catalog.exceptions import ImageError
from catalog.images import process_image
from orders.invoicing import identity
from producers import services
from producers.models import Cooperative
from producers.workspace.access import fill_translations, workspace
from producers.workspace.forms import VAT_EXEMPT, LegalForm, ProfileForm
from shop.audit import audit
from shop.extensions import db
from shop.storage import get_storage

LOGO_MIN_WIDTH = 320


@workspace()
def profile(**_kw):
    """The cooperative's public profile, in three languages, and its logo."""
    coop: Cooperative = g.coop
    form = ProfileForm(obj=coop)
    fill_translations(form, coop.translations, ("tagline", "story"))
    if form.validate_on_submit():
        for name in ("contact_name", "email", "phone", "members_count"):
            setattr(coop, name, getattr(form, name).data)
        coop.women_members_count = form.women_members_count.data or 0
        services.set_texts(
            coop,
            {
                lang: {
                    "tagline": getattr(form, f"tagline_{lang}").data,
                    "story": getattr(form, f"story_{lang}").data,
                }
                for lang in ("ar", "fr", "en")
            },
        )
        if form.logo.data:
            # The refusal is shown on the logo field, not flashed.
            try:
                logo = process_image(form.logo.data.read(), get_storage())
                if logo.width < LOGO_MIN_WIDTH:  # pages show the 320 px rendition
                    raise ImageError(
                        _l("The logo must be at least %(px)d pixels wide.", px=LOGO_MIN_WIDTH)
                    )
            except ImageError as exc:
                db.session.rollback()
                form.logo.errors = [str(exc.message)]
                return render_template("producers/profile.html", coop=coop, form=form), 400
            coop.logo_key = logo.key
        db.session.commit()
        flash(_("Profile saved."), "success")
        return redirect(url_for("producers.profile", slug=coop.slug))
    return render_template("producers/profile.html", coop=coop, form=form)


#: The fields of the legal details copied onto the cooperative as typed.
LEGAL_FIELDS = ("address", "ice", "tax_id", "tp_number", "vat_exemption_fr", "vat_exemption_ar")


@workspace()
def legal(**_kw):
    """What the cooperative's invoices say about it: address, ICE, IF, TP, RC, VAT.

    Parcels ship with an invoice (orders/invoicing), so shipping waits until
    these are given; a bad ICE or a letter in the IF shows the form again
    with its message and the input kept.
    """
    coop: Cooperative = g.coop
    form = LegalForm(obj=coop)
    if not form.is_submitted():
        form.vat.data = str(coop.vat_rate_bp) if coop.vat_rate_bp else VAT_EXEMPT
        form.vat_exemption_fr.data = coop.vat_exemption_fr or identity.DEFAULT_EXEMPTION_FR
        form.vat_exemption_ar.data = coop.vat_exemption_ar or identity.DEFAULT_EXEMPTION_AR
    if form.validate_on_submit():
        before = {name: getattr(coop, name) for name in (*LEGAL_FIELDS, "rc_number", "vat_rate_bp")}
        for name in LEGAL_FIELDS:
            setattr(coop, name, (getattr(form, name).data or "").strip())
        coop.rc_number = (form.rc_number.data or "").strip() or None
        coop.vat_rate_bp = form.vat_rate_bp
        changed = sorted(name for name, old in before.items() if getattr(coop, name) != old)
        audit(
            current_user._get_current_object(),
            "cooperative.legal_details",
            coop,
            label=coop.legal_name,
            changed=changed,
        )
        db.session.commit()
        flash(_("Legal details saved: your invoices will carry them."), "success")
        return redirect(url_for("producers.legal", slug=coop.slug))
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "producers/legal.html",
            coop=coop,
            form=form,
            missing=identity.missing_identifiers(coop),
        ),
        status,
    )
