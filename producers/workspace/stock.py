"""Stock: every size's count, edited inline or by CSV, and the catalog import from the browser."""

from __future__ import annotations

import io
import tempfile
import zipfile
import zlib
from pathlib import Path

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog import services as catalog_services
from catalog.importer import import_catalog
from catalog.models import Product, ProductStatus, Variant
from catalog.services import MAX_STOCK
from producers.workspace.access import workspace
from producers.workspace.forms import ConfirmForm, CsvForm
from shop.extensions import db
from shop.params import parse_int
from shop.storage import get_storage

ZIP_MAX_BYTES = 50 * 1024 * 1024  # uncompressed, all entries together


def _stock_rows(include_archived: bool):
    query = select(Variant, Product).join(Product).where(Product.cooperative_id == g.coop.id)
    if not include_archived:
        query = query.where(Product.status != ProductStatus.ARCHIVED)
    return db.session.execute(
        query.order_by(Variant.stock, Variant.sku).options(selectinload(Product.translations))
    ).all()


#: What unpacking a damaged or contradictory ZIP raises.
UNPACK_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
)


@workspace()
def stock(**_kw):
    """Every size's stock, editable inline, and a bulk update by CSV."""
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        sku = request.form.get("sku", "")
        item = db.session.scalar(
            select(Variant)
            .join(Product)
            .where(Variant.sku == sku, Product.cooperative_id == g.coop.id)
        )
        if item is None:
            abort(404)
        value = parse_int(request.form.get("stock", ""), max=MAX_STOCK)
        if value is None:
            flash(_("Stock must be a whole number from 0."), "error")
        else:
            catalog_services.update_stock(item, value)
            db.session.commit()
            flash(_("Stock of %(sku)s is now %(n)s.", sku=item.sku, n=value), "success")
        return redirect(url_for("producers.stock", slug=g.coop.slug))
    return render_template(
        "producers/stock.html",
        coop=g.coop,
        rows=_stock_rows(False),
        confirm=ConfirmForm(),
        csv_form=CsvForm(),
        errors=None,
    )


@workspace()
def stock_import(**_kw):
    """Bulk stock update from a ``sku,stock`` CSV, all or nothing."""
    form = CsvForm()
    errors = None
    if form.validate_on_submit():
        text = _decode_csv(form.file.data.read(5 * 1024 * 1024))
        if text is None:
            errors = [(1, _("The file is not UTF-8 text."))]
        else:
            count, row_errors = catalog_services.bulk_stock(g.coop, text)
            if not row_errors:
                db.session.commit()
                flash(
                    ngettext(
                        "Stock updated for %(num)d size.", "Stock updated for %(num)d sizes.", count
                    ),
                    "success",
                )
                return redirect(url_for("producers.stock", slug=g.coop.slug))
            db.session.rollback()
            errors = [(e.line, str(e.message)) for e in row_errors]
    return render_template(
        "producers/stock.html",
        coop=g.coop,
        rows=_stock_rows(True),
        confirm=ConfirmForm(),
        csv_form=form,
        errors=errors,
    ), 400


def _decode_csv(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@workspace()
def catalog_import(**_kw):
    """The catalog import from the browser: a CSV, or a ZIP with the CSV and pictures."""
    form = CsvForm()
    errors = report = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(ZIP_MAX_BYTES + 1)
        with tempfile.TemporaryDirectory() as tmp:
            text, problem = _unpack_upload(upload.filename or "", data, Path(tmp))
            if problem:
                errors = [(1, problem)]
            else:
                report = import_catalog(
                    io.StringIO(text, newline=""), Path(tmp), get_storage(), only_cooperative=g.coop
                )
                if report.ok:
                    db.session.commit()
                    flash(
                        ngettext(
                            "Import done: %(num)d new product, %(updated)d updated.",
                            "Import done: %(num)d new products, %(updated)d updated.",
                            report.products_created,
                            updated=report.products_updated,
                        ),
                        "success",
                    )
                    return redirect(url_for("producers.products", slug=g.coop.slug))
                db.session.rollback()
                errors = [(e.line, str(e.message)) for e in report.errors]
    return render_template("producers/import.html", coop=g.coop, form=form, errors=errors), (
        400 if errors else 200
    )


def _unpack_upload(filename: str, data: bytes, folder: Path) -> tuple[str, str | None]:
    """The CSV text of an upload; a ZIP's pictures are extracted next to it."""
    if len(data) > ZIP_MAX_BYTES:
        return "", _("The file is too large.")
    if not filename.lower().endswith(".zip"):
        text = _decode_csv(data)
        return (text, None) if text is not None else ("", _("The file is not UTF-8 text."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return "", _("The ZIP file is damaged.")
    with archive:
        entries = [e for e in archive.infolist() if not e.is_dir()]
        # Refuse zip bombs and paths that climb out of the folder before extracting.
        if sum(e.file_size for e in entries) > ZIP_MAX_BYTES or len(entries) > 500:
            return "", _("The ZIP file is too large once unpacked.")
        csvs = [e for e in entries if e.filename.lower().endswith(".csv")]
        if len(csvs) != 1:
            return "", _("The ZIP file must hold exactly one CSV file.")
        for entry in entries:
            target = (folder / entry.filename).resolve()
            if not target.is_relative_to(folder.resolve()):
                return "", _("The ZIP file has a path that leaves its folder.")
        try:
            for entry in entries:
                target = (folder / entry.filename).resolve()
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(entry))
            text = _decode_csv((folder / csvs[0].filename).read_bytes())
        except UNPACK_ERRORS:
            # A bad CRC, an unknown compression, a password, or a name that is
            # both a file and a folder ("a" and "a/b.jpg"): nothing imported.
            return "", _("The ZIP file is damaged.")
    if text is None:
        return "", _("The file is not UTF-8 text.")
    return text, None
