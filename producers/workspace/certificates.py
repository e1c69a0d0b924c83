"""The cooperative's certificates, with their scans and expiry dates."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from catalog.models import Certification, CertificationKind
from producers import services
from producers.exceptions import ProducerError
from producers.models import Cooperative
from producers.workspace.access import owned_rows, workspace
from producers.workspace.forms import CertificateForm
from shop import clock
from shop.extensions import db


@workspace()
def certificates(**_kw):
    """The cooperative's certificates: add them with their scan and expiry date."""
    coop: Cooperative = g.coop
    form = CertificateForm()
    if form.validate_on_submit():
        certificate = Certification(
            cooperative=coop,
            kind=CertificationKind(form.kind.data),
            number=form.number.data.strip(),
            issuer=form.issuer.data.strip(),
            valid_until=form.valid_until.data,
        )
        # The refusal is shown on the document field, not flashed.
        try:
            if form.document.data:
                certificate.document_name = services.store_document(
                    form.document.data.read(services.DOCUMENT_MAX_BYTES + 1)
                )[0]
        except ProducerError as exc:
            form.document.errors = [str(exc.message)]
        else:
            db.session.add(certificate)
            db.session.commit()
            flash(_("Certificate added."), "success")
            return redirect(url_for("producers.certificates", slug=coop.slug))
    return render_template(
        "producers/certificates.html",
        coop=coop,
        form=form,
        certificates=owned_rows(Certification, Certification.valid_until),
        today=clock.local_date(),
    ), 400 if form.errors else 200
