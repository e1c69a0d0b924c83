"""The cooperative's products: their texts, sizes (variants), status and pictures."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog import services as catalog_services
from catalog.exceptions import CatalogError
from catalog.models import Category, Certification, Product, ProductImage, ProductStatus
from catalog.presentation import CERTIFICATION_SHORT
from producers.workspace.access import fill_translations, flash_form_errors, workspace
from producers.workspace.forms import ConfirmForm, ImageForm, ProductForm, VariantForm, options
from shop.actions import commit_or_flash
from shop.extensions import db


def _product_or_404(product_id: int) -> Product:
    product = catalog_services.product_of(g.coop, product_id)
    if product is None:
        abort(404)
    return product


def certification_choice(certification: Certification) -> str:
    """A certification as a checkbox names it: its kind in words, then its number.

    The number is a left-to-right code: Unicode isolates (FSI … PDI) keep it
    whole inside an Arabic label, where HTML's <bdi> cannot go.
    """
    label = str(CERTIFICATION_SHORT[certification.kind])
    if not certification.number:
        return label
    return f"{label} · \u2068{certification.number}\u2069"


def _product_form(product: Product | None) -> ProductForm:
    form = ProductForm(obj=product)
    categories = db.session.scalars(select(Category).order_by(Category.position)).all()
    form.category_id.choices = options(
        (c.id, ("— " if c.parent_id else "") + c.name(g.lang).text) for c in categories
    )
    form.certification_ids.choices = options(
        (c.id, certification_choice(c))
        for c in db.session.scalars(
            select(Certification).where(Certification.cooperative_id == g.coop.id)
        )
    )
    if product is not None and request.method == "GET":
        fill_translations(form, product.translations, catalog_services.TEXT_FIELDS)
        form.certification_ids.data = [c.id for c in product.certifications]
    return form


def _product_data(form: ProductForm) -> dict:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


def _to_product(product: Product, anchor: str | None = None):
    return redirect(
        url_for("producers.edit_product", slug=g.coop.slug, product_id=product.id, _anchor=anchor)
    )


@workspace()
def products(**_kw):
    """All the cooperative's products with their sizes and status."""
    items = db.session.scalars(
        select(Product)
        .where(Product.cooperative_id == g.coop.id)
        .order_by(Product.status, Product.id.desc())
        .options(
            selectinload(Product.translations),
            selectinload(Product.variants),
            selectinload(Product.images),
        )
    ).all()
    return render_template("producers/products.html", coop=g.coop, products=items)


@workspace()
def new_product(**_kw):
    """Create a product (a draft until published)."""
    form = _product_form(None)
    if form.validate_on_submit():
        with commit_or_flash(
            _("Product created. Add a size and a picture, then publish it.")
        ) as outcome:
            product = catalog_services.save_product(g.coop, _product_data(form))
        if outcome.ok:
            return _to_product(product)
    return render_template("producers/product_form.html", coop=g.coop, form=form, product=None)


@workspace()
def edit_product(product_id: int):
    """Edit a product's texts, category and certifications; see its sizes and pictures."""
    product = _product_or_404(product_id)
    form = _product_form(product)
    status = 200
    if form.validate_on_submit():
        with commit_or_flash(_("Product saved.")) as outcome:
            catalog_services.save_product(g.coop, _product_data(form), product)
        if outcome.ok:
            return _to_product(product)
        status = 400  # refused by the catalog: the form again, its input kept
    page = render_template(
        "producers/product_form.html",
        coop=g.coop,
        form=form,
        product=product,
        image_form=ImageForm(),
        confirm=ConfirmForm(),
    )
    return page, status


STATUS_MESSAGES = {
    ProductStatus.PUBLISHED: _l("Published: shoppers can see it now."),
    ProductStatus.DRAFT: _l("Unpublished: it is hidden from shoppers."),
    ProductStatus.ARCHIVED: _l("Archived."),
}


@workspace()
def product_status(product_id: int):
    """Publish, unpublish or archive."""
    product = _product_or_404(product_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        status = ProductStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    with commit_or_flash(STATUS_MESSAGES[status]):
        catalog_services.set_status(product, status)
    return _to_product(product)


def _variant_data(form: VariantForm) -> dict:
    return {
        "sku": form.sku.data,
        "unit_quantity": form.unit_quantity.data,
        "unit": form.unit.data,
        "price_cents": form.price.cents,
        "stock": form.stock.data or 0,
        "weight_g": form.weight_g.data,
        "gtin": form.gtin.data or None,
        "active": form.active.data,
    }


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
        # The refusal is shown on the price field, not flashed.
        try:
            catalog_services.save_variant(product, _variant_data(form), item)
        except CatalogError as exc:
            db.session.rollback()
            form.price.errors = [*form.price.errors, str(exc.message)]
            return render_template(
                "producers/variant_form.html", coop=g.coop, form=form, product=product, variant=item
            ), 400
        db.session.commit()
        flash(_("Size saved."), "success")
        return _to_product(product)
    return render_template(
        "producers/variant_form.html", coop=g.coop, form=form, product=product, variant=item
    )


# ------------------------------------------------------------------ pictures


@workspace()
def upload_image(product_id: int):
    """Add a picture through the image pipeline."""
    product = _product_or_404(product_id)
    form = ImageForm()
    if form.validate_on_submit():
        with commit_or_flash(_("Picture added.")):
            catalog_services.add_image(product, form.image.data.read())
    else:
        flash_form_errors(form)
    return _to_product(product, "pictures")


def _confirmed_image(product_id: int, image_id: int) -> tuple[Product, ProductImage]:
    """The product and its picture a confirmed button acts on (404, or 400 without CSRF)."""
    product = _product_or_404(product_id)
    image = next((i for i in product.images if i.id == image_id), None)
    if image is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return product, image


@workspace()
def move_image(product_id: int, image_id: int):
    """Move a picture earlier or later."""
    product, image = _confirmed_image(product_id, image_id)
    catalog_services.move_image(product, image, -1 if request.form.get("to") == "earlier" else 1)
    db.session.commit()
    return _to_product(product, "pictures")


@workspace()
def delete_image(product_id: int, image_id: int):
    """Remove a picture."""
    product, image = _confirmed_image(product_id, image_id)
    catalog_services.delete_image(product, image)
    db.session.commit()
    flash(_("Picture removed."), "success")
    return _to_product(product, "pictures")
