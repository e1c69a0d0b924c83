"""Template helpers for catalog content: images, labels, badges."""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from shop.money.amounts import mad_str

from .images import rendition_name
from .models import CertificationKind, Product, ProductImage, Unit, Variant

CERTIFICATION_LABELS = {
    CertificationKind.ORGANIC: _l("Organic"),
    CertificationKind.IGP: _l("PGI (protected geographical indication)"),
    CertificationKind.AOP: _l("PDO (protected designation of origin)"),
    CertificationKind.LABEL_AGRICOLE: _l("Label Agricole"),
    CertificationKind.FAIRTRADE: _l("Fairtrade"),
    CertificationKind.ONSSA: _l("ONSSA food safety authorisation"),
}
CERTIFICATION_SHORT = {
    CertificationKind.ORGANIC: _l("Organic"),
    CertificationKind.IGP: _l("PGI"),
    CertificationKind.AOP: _l("PDO"),
    CertificationKind.LABEL_AGRICOLE: _l("Label Agricole"),
    CertificationKind.FAIRTRADE: _l("Fairtrade"),
    CertificationKind.ONSSA: _l("ONSSA"),
}
LOW_STOCK = 5


def media_url(name: str, external: bool = False) -> str:
    """The public URL of a stored file."""
    return url_for("catalog.media", name=name, _external=external)


def image_widths(image: ProductImage) -> list[int]:
    """The widths stored for an image."""
    return [int(w) for w in image.widths.split(",") if w]


def image_src(
    image: ProductImage, width: int = 640, fmt: str = "jpg", external: bool = False
) -> str:
    """The URL of the rendition closest to ``width`` (not larger unless needed)."""
    widths = image_widths(image)
    best = max([w for w in widths if w <= width] or [min(widths)])
    return media_url(rendition_name(image.key, best, fmt), external)


def image_srcset(image: ProductImage, fmt: str = "webp") -> str:
    """A ``srcset`` over every stored width."""
    return ", ".join(
        f"{media_url(rendition_name(image.key, w, fmt))} {w}w" for w in image_widths(image)
    )


def logo_src(cooperative) -> str:
    """The URL of a cooperative's logo (smallest rendition, JPEG)."""
    return media_url(rendition_name(cooperative.logo_key, 320, "jpg"))


def image_height(image: ProductImage, width: int) -> int:
    """The height of ``image`` shown ``width`` pixels wide."""
    return round(image.height * width / image.width)


def variant_label(variant: Variant) -> str:
    """The size shown to shoppers; pieces are counted in the page's language."""
    if variant.unit == Unit.PIECE:
        return ngettext("%(num)d piece", "%(num)d pieces", variant.unit_quantity)
    return variant.label


def stock_state(variant: Variant) -> tuple[str, str]:
    """A (css class, message) pair for the stock of a variant."""
    if variant.stock <= 0:
        return "out", str(_l("Sold out"))
    if variant.stock <= LOW_STOCK:
        return "low", ngettext("Only %(num)d left", "Only %(num)d left", variant.stock)
    return "in", str(_l("In stock"))


def product_jsonld(product: Product, lang: str) -> dict[str, Any]:
    """schema.org Product data: offers in MAD, the cooperative as brand."""
    url = url_for("catalog.product", slug=product.slug, lang=lang, _external=True)
    return {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name(lang).text,
        "description": product.text("description", lang).text,
        "image": [image_src(i, 1280, external=True) for i in product.images],
        "sku": product.sellable_variants[0].sku,
        "category": product.category.name(lang).text,
        "brand": {"@type": "Brand", "name": product.cooperative.legal_name},
        "countryOfOrigin": "MA",
        "url": url,
        "offers": [
            {
                "@type": "Offer",
                "sku": v.sku,
                "name": v.label,
                "price": mad_str(v.price_cents),
                "priceCurrency": "MAD",
                "availability": "https://schema.org/"
                + ("InStock" if v.stock > 0 else "OutOfStock"),
                "url": f"{url}?variant={v.sku}",
                **({"gtin14": v.gtin} if v.gtin else {}),
            }
            for v in product.sellable_variants
        ],
    }


def init_presentation(app: Flask) -> None:
    """Expose the helpers to templates."""

    @app.context_processor
    def catalog_helpers() -> dict[str, Any]:
        return {
            "media_url": media_url,
            "image_src": image_src,
            "image_srcset": image_srcset,
            "image_height": image_height,
            "logo_src": logo_src,
            "variant_label": variant_label,
            "stock_state": stock_state,
            "cert_label": CERTIFICATION_LABELS,
            "cert_short": CERTIFICATION_SHORT,
            "product_jsonld": product_jsonld,
        }
