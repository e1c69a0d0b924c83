"""The cooperative workspace at /<lang>/producer/… and the application to sell."""
from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Callable

from flask import (Blueprint, abort, flash, g, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog import services as catalog_services
from catalog.exceptions import CatalogError, ImageError
from catalog.images import process_image
from catalog.importer import import_catalog
from catalog.models import (Category, Certification, CertificationKind, Product, ProductImage,
                            ProductStatus, Variant)
from shop.extensions import db
from shop.models import utcnow
from shop.storage import get_storage

from producers import services
from producers.workspace.forms import (LANG_LABELS, ApplicationForm, CertificateForm, ConfirmForm, CsvForm, DocumentForm,
                    ImageForm, InviteForm, MemberForm, ProductForm, ProfileForm, VariantForm,
                    options)
from producers.models import (Cooperative, CooperativeStatus, DocumentKind, Member, MemberGender,
                     Membership, MembershipRole)
from producers.exceptions import ProducerError

bp = Blueprint("producers", __name__, template_folder="templates",
               url_prefix="/<lang:lang>/producer")

LOW_STOCK = 5
LOGO_MIN_WIDTH = 320
EXPIRY_WARNING_DAYS = 30
ZIP_MAX_BYTES = 50 * 1024 * 1024  # uncompressed, all entries together
EDITABLE = (CooperativeStatus.DRAFT, CooperativeStatus.CHANGES_REQUESTED)


@bp.context_processor
def workspace_context():
    return {"lang_labels": LANG_LABELS}


def workspace(owner_only: bool = False) -> Callable:
    """Load ``g.coop`` from the URL's slug; only its managers get through.

    Anonymous visitors go to the login page; signed-in people who do not
    manage this cooperative get 403 (an unknown slug is 404).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(slug: str, **kwargs):
            coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
            if coop is None:
                abort(404)
            member = services.membership(current_user, coop)
            if member is None or (owner_only and member.role != MembershipRole.OWNER):
                abort(403)
            g.coop, g.membership = coop, member
            return view(**kwargs)

        return wrapped

    return decorator


def _flash_error(exc: Exception) -> None:
    flash(str(getattr(exc, "message", exc)), "error")


# ------------------------------------------------------------------ home and application

@bp.route("/")
@login_required
def home():
    """The cooperatives the user manages, or an invitation to apply."""
    coops = services.managed_cooperatives(current_user)
    if len(coops) == 1 and coops[0].status not in EDITABLE:
        return redirect(url_for("producers.dashboard", slug=coops[0].slug))
    return render_template("producers/home.html", cooperatives=coops)


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    """Start an application (or resume the one in progress)."""
    for coop in services.managed_cooperatives(current_user):
        if coop.status in EDITABLE:
            return redirect(url_for("producers.application", slug=coop.slug))
    form = ApplicationForm()
    if form.validate_on_submit():
        coop = services.save_application(current_user, _application_data(form))
        db.session.commit()
        flash(_("Your application is saved. Add your documents, then send it."), "success")
        return redirect(url_for("producers.application", slug=coop.slug))
    return render_template("producers/apply.html", form=form, coop=None,
                           document_form=None)


def _application_data(form: ApplicationForm) -> dict:
    data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    data["ice"] = (data.get("ice") or "").strip()
    data["women_members_count"] = data.get("women_members_count") or 0
    return data


@bp.route("/apply/<slug>", methods=["GET", "POST"])
@workspace()
def application(**_kw):
    """Edit an application, add documents and send it."""
    coop: Cooperative = g.coop
    form = ApplicationForm(obj=coop)
    if request.method == "GET":
        for t in coop.translations:
            getattr(form, f"story_{t.locale}").data = t.story
    document_form = DocumentForm(prefix="doc")
    if coop.status in EDITABLE and form.validate_on_submit():
        try:
            services.save_application(current_user, _application_data(form), coop)
            if request.form.get("send"):
                services.transition(coop, "submit", current_user)
        except ProducerError as exc:
            db.session.rollback()
            _flash_error(exc)
            return render_template("producers/apply.html", form=form, coop=coop,
                                   document_form=document_form), 400
        db.session.commit()
        flash(_("Your application was sent. We will write to you.") if request.form.get("send")
              else _("Your application is saved."), "success")
        return redirect(url_for("producers.application", slug=coop.slug))
    return render_template("producers/apply.html", form=form, coop=coop,
                           document_form=document_form)


@bp.route("/apply/<slug>/documents", methods=["POST"])
@workspace()
def add_document(**_kw):
    """Upload a document to an application in progress."""
    coop: Cooperative = g.coop
    form = DocumentForm(prefix="doc")
    if coop.status not in EDITABLE:
        flash(_("This application was already sent; it can no longer be edited."), "error")
    elif form.validate_on_submit():
        upload = form.file.data
        try:
            services.add_document(coop, DocumentKind(form.kind.data), upload.filename or "",
                                  upload.read(services.DOCUMENT_MAX_BYTES + 1))
        except ProducerError as exc:
            _flash_error(exc)
        else:
            db.session.commit()
            flash(_("Document added."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("producers.application", slug=coop.slug))


# ------------------------------------------------------------------ dashboard

@bp.route("/<slug>/")
@workspace()
def dashboard(**_kw):
    """What needs attention: low stock, expiring certificates, drafts."""
    coop: Cooperative = g.coop
    if coop.status in EDITABLE:
        return redirect(url_for("producers.application", slug=coop.slug))
    low = db.session.execute(
        select(Variant, Product).join(Product)
        .where(Product.cooperative_id == coop.id, Product.status == ProductStatus.PUBLISHED,
               Variant.active.is_(True), Variant.stock <= LOW_STOCK)
        .order_by(Variant.stock, Variant.sku)
        .options(selectinload(Product.translations))).all()
    soon = utcnow().date() + timedelta(days=EXPIRY_WARNING_DAYS)
    expiring = db.session.scalars(
        select(Certification).where(Certification.cooperative_id == coop.id,
                                    Certification.valid_until.is_not(None),
                                    Certification.valid_until <= soon)
        .order_by(Certification.valid_until)).all()
    counts = dict(db.session.execute(
        select(Product.status, db.func.count()).where(Product.cooperative_id == coop.id)
        .group_by(Product.status)).all())
    from producers.workspace.parcels import to_prepare_count

    return render_template("producers/dashboard.html", coop=coop, low_stock=low,
                           expiring=expiring, counts=counts, today=utcnow().date(),
                           parcels=to_prepare_count(coop.id))


# ------------------------------------------------------------------ listings

def _product_or_404(product_id: int) -> Product:
    product = catalog_services.product_of(g.coop, product_id)
    if product is None:
        abort(404)
    return product


def _product_form(product: Product | None) -> ProductForm:
    form = ProductForm(obj=product)
    categories = db.session.scalars(select(Category).order_by(Category.position)).all()
    form.category_id.choices = options(
        (c.id, ("— " if c.parent_id else "") + c.name(g.lang).text) for c in categories)
    form.certification_ids.choices = options(
        (c.id, f"{c.kind.value.upper()} {c.number}".strip()) for c in db.session.scalars(
            select(Certification).where(Certification.cooperative_id == g.coop.id)))
    if product is not None and request.method == "GET":
        for t in product.translations:
            for field in catalog_services.TEXT_FIELDS:
                getattr(form, f"{field}_{t.locale}").data = getattr(t, field)
        form.certification_ids.data = [c.id for c in product.certifications]
    return form


def _product_data(form: ProductForm) -> dict:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


@bp.route("/<slug>/products")
@workspace()
def products(**_kw):
    """All the cooperative's products with their sizes and status."""
    items = db.session.scalars(
        select(Product).where(Product.cooperative_id == g.coop.id)
        .order_by(Product.status, Product.id.desc())
        .options(selectinload(Product.translations), selectinload(Product.variants),
                 selectinload(Product.images))).all()
    return render_template("producers/products.html", coop=g.coop, products=items)


@bp.route("/<slug>/products/new", methods=["GET", "POST"])
@workspace()
def new_product(**_kw):
    """Create a product (a draft until published)."""
    form = _product_form(None)
    if form.validate_on_submit():
        try:
            product = catalog_services.save_product(g.coop, _product_data(form))
        except CatalogError as exc:
            db.session.rollback()
            _flash_error(exc)
        else:
            db.session.commit()
            flash(_("Product created. Add a size and a picture, then publish it."), "success")
            return redirect(url_for("producers.edit_product", slug=g.coop.slug, product_id=product.id))
    return render_template("producers/product_form.html", coop=g.coop, form=form, product=None)


@bp.route("/<slug>/products/<int:product_id>", methods=["GET", "POST"])
@workspace()
def edit_product(product_id: int):
    """Edit a product's texts, category and certifications; see its sizes and pictures."""
    product = _product_or_404(product_id)
    form = _product_form(product)
    if form.validate_on_submit():
        try:
            catalog_services.save_product(g.coop, _product_data(form), product)
        except CatalogError as exc:
            db.session.rollback()
            _flash_error(exc)
            return render_template("producers/product_form.html", coop=g.coop, form=form,
                                   product=product, image_form=ImageForm(),
                                   confirm=ConfirmForm()), 400
        db.session.commit()
        flash(_("Product saved."), "success")
        return redirect(url_for("producers.edit_product", slug=g.coop.slug, product_id=product.id))
    return render_template("producers/product_form.html", coop=g.coop, form=form,
                           product=product, image_form=ImageForm(), confirm=ConfirmForm())


@bp.route("/<slug>/products/<int:product_id>/status", methods=["POST"])
@workspace()
def product_status(product_id: int):
    """Publish, unpublish or archive."""
    product = _product_or_404(product_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        status = ProductStatus(request.form.get("status", ""))
        catalog_services.set_status(product, status)
    except ValueError:
        abort(400)
    except CatalogError as exc:
        db.session.rollback()
        _flash_error(exc)
    else:
        db.session.commit()
        flash({ProductStatus.PUBLISHED: _("Published: shoppers can see it now."),
               ProductStatus.DRAFT: _("Unpublished: it is hidden from shoppers."),
               ProductStatus.ARCHIVED: _("Archived.")}[status], "success")
    return redirect(url_for("producers.edit_product", slug=g.coop.slug, product_id=product.id))


def _variant_data(form: VariantForm) -> dict:
    return {"sku": form.sku.data, "unit_quantity": form.unit_quantity.data,
            "unit": form.unit.data, "price_cents": form.price.cents, "stock": form.stock.data or 0,
            "weight_g": form.weight_g.data, "gtin": form.gtin.data or None,
            "active": form.active.data}


@bp.route("/<slug>/products/<int:product_id>/variants/new", methods=["GET", "POST"])
@bp.route("/<slug>/products/<int:product_id>/variants/<int:variant_id>", methods=["GET", "POST"])
@workspace()
def variant(product_id: int, variant_id: int | None = None):
    """Add or edit a size of a product."""
    product = _product_or_404(product_id)
    item = None
    if variant_id is not None:
        item = next((v for v in product.variants if v.id == variant_id), None)
        if item is None:
            abort(404)
    form = VariantForm(obj=item)
    if item is not None and request.method == "GET":
        form.price.data = f"{item.price_cents // 100}.{item.price_cents % 100:02d}"
    if form.validate_on_submit():
        try:
            catalog_services.save_variant(product, _variant_data(form), item)
        except CatalogError as exc:
            db.session.rollback()
            form.price.errors = [*form.price.errors, str(exc.message)]
            return render_template("producers/variant_form.html", coop=g.coop, form=form,
                                   product=product, variant=item), 400
        db.session.commit()
        flash(_("Size saved."), "success")
        return redirect(url_for("producers.edit_product", slug=g.coop.slug, product_id=product.id))
    return render_template("producers/variant_form.html", coop=g.coop, form=form,
                           product=product, variant=item)


@bp.route("/<slug>/products/<int:product_id>/images", methods=["POST"])
@workspace()
def upload_image(product_id: int):
    """Add a picture through the image pipeline."""
    product = _product_or_404(product_id)
    form = ImageForm()
    if form.validate_on_submit():
        try:
            catalog_services.add_image(product, form.image.data.read())
        except CatalogError as exc:
            db.session.rollback()
            _flash_error(exc)
        else:
            db.session.commit()
            flash(_("Picture added."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("producers.edit_product", slug=g.coop.slug, product_id=product.id,
                            _anchor="pictures"))


def _image_or_404(product: Product, image_id: int) -> ProductImage:
    image = next((i for i in product.images if i.id == image_id), None)
    if image is None:
        abort(404)
    return image


@bp.route("/<slug>/products/<int:product_id>/images/<int:image_id>/move", methods=["POST"])
@workspace()
def move_image(product_id: int, image_id: int):
    """Move a picture earlier or later."""
    product = _product_or_404(product_id)
    image = _image_or_404(product, image_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    catalog_services.move_image(product, image, -1 if request.form.get("to") == "earlier" else 1)
    db.session.commit()
    return redirect(url_for("producers.edit_product", slug=g.coop.slug, product_id=product.id,
                            _anchor="pictures"))


@bp.route("/<slug>/products/<int:product_id>/images/<int:image_id>/delete", methods=["POST"])
@workspace()
def delete_image(product_id: int, image_id: int):
    """Remove a picture."""
    product = _product_or_404(product_id)
    image = _image_or_404(product, image_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    catalog_services.delete_image(product, image)
    db.session.commit()
    flash(_("Picture removed."), "success")
    return redirect(url_for("producers.edit_product", slug=g.coop.slug, product_id=product.id,
                            _anchor="pictures"))


# ------------------------------------------------------------------ stock and import

@bp.route("/<slug>/stock", methods=["GET", "POST"])
@workspace()
def stock(**_kw):
    """Every size's stock, editable inline, and a bulk update by CSV."""
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        sku = request.form.get("sku", "")
        item = db.session.scalar(select(Variant).join(Product).where(
            Variant.sku == sku, Product.cooperative_id == g.coop.id))
        if item is None:
            abort(404)
        value = request.form.get("stock", "").strip()
        if not value.isdigit():
            flash(_("Stock must be a whole number from 0."), "error")
        else:
            catalog_services.update_stock(item, int(value))
            db.session.commit()
            flash(_("Stock of %(sku)s is now %(n)s.", sku=item.sku, n=value), "success")
        return redirect(url_for("producers.stock", slug=g.coop.slug))
    rows = db.session.execute(
        select(Variant, Product).join(Product).where(Product.cooperative_id == g.coop.id)
        .where(Product.status != ProductStatus.ARCHIVED)
        .order_by(Variant.stock, Variant.sku).options(selectinload(Product.translations))).all()
    return render_template("producers/stock.html", coop=g.coop, rows=rows, confirm=ConfirmForm(),
                           csv_form=CsvForm(), errors=None)


@bp.route("/<slug>/stock/import", methods=["POST"])
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
                flash(_("Stock updated for %(n)d sizes.", n=count), "success")
                return redirect(url_for("producers.stock", slug=g.coop.slug))
            db.session.rollback()
            errors = [(e.line, str(e.message)) for e in row_errors]
    rows = db.session.execute(
        select(Variant, Product).join(Product).where(Product.cooperative_id == g.coop.id)
        .order_by(Variant.stock, Variant.sku).options(selectinload(Product.translations))).all()
    return render_template("producers/stock.html", coop=g.coop, rows=rows, confirm=ConfirmForm(),
                           csv_form=form, errors=errors), 400


def _decode_csv(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@bp.route("/<slug>/import", methods=["GET", "POST"])
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
                report = import_catalog(io.StringIO(text, newline=""), Path(tmp), get_storage(),
                                        only_cooperative=g.coop)
                if report.ok:
                    db.session.commit()
                    flash(_("Import done: %(new)d new products, %(updated)d updated.",
                            new=report.products_created, updated=report.products_updated),
                          "success")
                    return redirect(url_for("producers.products", slug=g.coop.slug))
                db.session.rollback()
                errors = [(e.line, str(e.message)) for e in report.errors]
    return render_template("producers/import.html", coop=g.coop, form=form, errors=errors), \
        (400 if errors else 200)


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
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(entry))
        text = _decode_csv((folder / csvs[0].filename).read_bytes())
    if text is None:
        return "", _("The file is not UTF-8 text.")
    return text, None


# ------------------------------------------------------------------ profile

@bp.route("/<slug>/profile", methods=["GET", "POST"])
@workspace()
def profile(**_kw):
    """The cooperative's public profile, in three languages, and its logo."""
    coop: Cooperative = g.coop
    form = ProfileForm(obj=coop)
    if request.method == "GET":
        for t in coop.translations:
            getattr(form, f"tagline_{t.locale}").data = t.tagline
            getattr(form, f"story_{t.locale}").data = t.story
    if form.validate_on_submit():
        for name in ("contact_name", "email", "phone", "members_count"):
            setattr(coop, name, getattr(form, name).data)
        coop.women_members_count = form.women_members_count.data or 0
        services.set_texts(coop, {lang: {"tagline": getattr(form, f"tagline_{lang}").data,
                                         "story": getattr(form, f"story_{lang}").data}
                                  for lang in ("ar", "fr", "en")})
        if form.logo.data:
            try:
                logo = process_image(form.logo.data.read(), get_storage())
                if logo.width < LOGO_MIN_WIDTH:  # pages show the 320 px rendition
                    raise ImageError(_l("The logo must be at least %(px)d pixels wide.",
                                        px=LOGO_MIN_WIDTH))
            except ImageError as exc:
                db.session.rollback()
                form.logo.errors = [str(exc.message)]
                return render_template("producers/profile.html", coop=coop, form=form), 400
            coop.logo_key = logo.key
        db.session.commit()
        flash(_("Profile saved."), "success")
        return redirect(url_for("producers.profile", slug=coop.slug))
    return render_template("producers/profile.html", coop=coop, form=form)


# ------------------------------------------------------------------ certificates

@bp.route("/<slug>/certificates", methods=["GET", "POST"])
@workspace()
def certificates(**_kw):
    """The cooperative's certificates: add them with their scan and expiry date."""
    coop: Cooperative = g.coop
    form = CertificateForm()
    if form.validate_on_submit():
        certificate = Certification(cooperative=coop, kind=CertificationKind(form.kind.data),
                                    number=form.number.data.strip(),
                                    issuer=form.issuer.data.strip(),
                                    valid_until=form.valid_until.data)
        try:
            if form.document.data:
                certificate.document_name = services.store_document(
                    form.document.data.read(services.DOCUMENT_MAX_BYTES + 1))[0]
        except ProducerError as exc:
            form.document.errors = [str(exc.message)]
        else:
            db.session.add(certificate)
            db.session.commit()
            flash(_("Certificate added."), "success")
            return redirect(url_for("producers.certificates", slug=coop.slug))
    items = db.session.scalars(select(Certification).where(Certification.cooperative_id == coop.id)
                               .order_by(Certification.valid_until)).all()
    return render_template("producers/certificates.html", coop=coop, form=form,
                           certificates=items, today=utcnow().date()), \
        400 if form.errors else 200


@bp.route("/<slug>/certificates/<int:certificate_id>/document")
@workspace()
def certificate_document(certificate_id: int):
    """The scan of one of the cooperative's certificates (private)."""
    certificate = db.session.scalar(select(Certification).where(
        Certification.id == certificate_id, Certification.cooperative_id == g.coop.id))
    path = get_storage().path(certificate.document_name) \
        if certificate and certificate.document_name else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="application/pdf" if path.suffix == ".pdf"
                         else "image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------ members

@bp.route("/<slug>/members", methods=["GET", "POST"])
@bp.route("/<slug>/members/<int:member_id>", methods=["GET", "POST"])
@workspace()
def members(member_id: int | None = None):
    """The cooperative's members (private): list, add and edit."""
    coop: Cooperative = g.coop
    item = None
    if member_id is not None:
        item = db.session.scalar(select(Member).where(Member.id == member_id,
                                                      Member.cooperative_id == coop.id))
        if item is None:
            abort(404)
    form = MemberForm(obj=item)
    if item is not None and request.method == "GET":
        form.gender.data = item.gender.value if item.gender else ""
        form.share_capital.data = f"{item.share_capital_cents / 100:.2f}"
    if form.validate_on_submit():
        item = item or Member(cooperative=coop)
        item.full_name = form.full_name.data.strip()
        item.role = (form.role.data or "").strip()
        item.gender = MemberGender(form.gender.data) if form.gender.data else None
        item.joined_on = form.joined_on.data
        item.share_capital_cents = form.share_capital.cents or 0
        db.session.add(item)
        db.session.commit()
        flash(_("Member saved."), "success")
        return redirect(url_for("producers.members", slug=coop.slug))
    people = db.session.scalars(select(Member).where(Member.cooperative_id == coop.id)
                                .order_by(Member.full_name)).all()
    return render_template("producers/members.html", coop=coop, form=form, members=people,
                           editing=item, confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/<slug>/members/<int:member_id>/delete", methods=["POST"])
@workspace()
def delete_member(member_id: int):
    """Remove a member from the register."""
    item = db.session.scalar(select(Member).where(Member.id == member_id,
                                                  Member.cooperative_id == g.coop.id))
    if item is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db.session.delete(item)
    db.session.commit()
    flash(_("Member removed."), "success")
    return redirect(url_for("producers.members", slug=g.coop.slug))


# ------------------------------------------------------------------ team

@bp.route("/<slug>/team", methods=["GET", "POST"])
@workspace()
def team(**_kw):
    """The people who manage the cooperative on Taawon; owners invite and remove."""
    coop: Cooperative = g.coop
    form = InviteForm()
    if form.validate_on_submit():
        if g.membership.role != MembershipRole.OWNER:
            abort(403)
        try:
            services.invite_manager(coop, form.email.data, current_user, form.name.data or "",
                                    MembershipRole(form.role.data), g.lang)
        except ProducerError as exc:
            db.session.rollback()
            form.email.errors = [str(exc.message)]
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("producers.team", slug=coop.slug))
    managers = db.session.scalars(select(Membership).where(Membership.cooperative_id == coop.id)
                                  .options(selectinload(Membership.user))
                                  .order_by(Membership.id)).all()
    return render_template("producers/team.html", coop=coop, form=form, managers=managers,
                           confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/<slug>/team/<int:membership_id>/remove", methods=["POST"])
@workspace(owner_only=True)
def remove_manager(membership_id: int):
    """Take workspace access away from a manager."""
    member = db.session.get(Membership, membership_id)
    if member is None or member.cooperative_id != g.coop.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_manager(g.coop, member, current_user)
    except ProducerError as exc:
        db.session.rollback()
        _flash_error(exc)
    else:
        db.session.commit()
        flash(_("Access removed."), "success")
    return redirect(url_for("producers.team", slug=g.coop.slug))
