"""The cooperative's public profile, in three languages, and its logo."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.exceptions import ImageError
from catalog.images import process_image
from producers import services
from producers.models import Cooperative
from producers.workspace.access import fill_translations, workspace
from producers.workspace.forms import ProfileForm
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
