"""Template helpers for catalog content: images, labels, badges, schema.org data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup, escape

from shop.i18n import Localized
from shop.money.amounts import mad_str

from .images import rendition_name
from .models import Category, CertificationKind, Product, ProductImage, Unit, Variant
from .reviews.presentation import reviews_jsonld

if TYPE_CHECKING:
    from producers.models import Cooperative

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


#: A URL value werkzeug writes as it is (no character quoted): letters,
#: digits, ``._~-`` and, past the first character, ``/``.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9._~-][A-Za-z0-9._~/-]*")
_SLOT = "0slot0"


def fast_url_for(endpoint: str, name: str, value: str) -> str:
    """``url_for(endpoint, **{name: value})``, the rule built once per request.

    A card builds eight links (the product, seven picture renditions), and
    ``url_for`` walks the URL map each time. A value werkzeug would not
    quote goes into the link built for a placeholder instead; anything
    else, or outside a request, goes through ``url_for``.
    """
    values: dict[str, Any] = {name: value}
    if not has_request_context() or not _PLAIN_VALUE.fullmatch(value):
        return url_for(endpoint, **values)
    # Keyed by the page's language too: a mail rendered in another language
    # during the request gets its own links.
    key = (endpoint, name, g.get("lang"))
    built: dict[tuple[str, str, str | None], tuple[str, str]] = g.setdefault("_fast_urls", {})
    parts = built.get(key)
    if parts is None:
        values[name] = _SLOT
        head, _slot, tail = url_for(endpoint, **values).partition(_SLOT)
        parts = built[key] = (head, tail)
    return parts[0] + value + parts[1]


def cert_short_labels() -> dict[CertificationKind, str]:
    """The certificates' short labels in the page's language (a page's cards translate them once)."""
    return {kind: str(label) for kind, label in CERTIFICATION_SHORT.items()}


def media_url(name: str, external: bool = False) -> str:
    """The public URL of a stored picture: under ``MEDIA_URL`` if set (always absolute)."""
    base = current_app.config.get("MEDIA_URL")
    if base:
        return f"{base.rstrip('/')}/{name}"
    if external:
        return url_for("catalog.media", name=name, _external=True)
    return fast_url_for("catalog.media", "name", name)


def product_url(slug: str) -> str:
    """The address of a product's page (relative, in the page's language)."""
    return fast_url_for("catalog.product", "slug", slug)


def cooperative_path(slug: str) -> str:
    """The address of a cooperative's page (relative, in the page's language)."""
    return fast_url_for("catalog.cooperative", "slug", slug)


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


def image_srcset(image: ProductImage, fmt: str = "webp", max_width: int | None = None) -> str:
    """A ``srcset`` over the stored widths (up to ``max_width``, the smallest at least)."""
    widths = image_widths(image)
    if max_width is not None:
        widths = [w for w in widths if w <= max_width] or widths[:1]
    return ", ".join(f"{media_url(rendition_name(image.key, w, fmt))} {w}w" for w in widths)


# ---------------------------------------------------------------- pictures
#
# A <source> offers the WebP renditions with ``sizes`` telling the browser how
# wide the layout shows the picture, so it fetches the smallest one that is
# sharp (a 360 px phone never fetches the 1280 px one); browsers without WebP
# get the JPEG ``src``. The page's first picture (``lead``) is the one a
# visitor sees first: fetched at once with high priority. Every other one
# waits until it is near the viewport.
#
# The ``sizes`` below follow the grids of static/css/src/catalog.css
# (.product-grid, .listing, .product-layout); change both together. On a
# phone two cards share the width: 100vw less 2rem of margins, a .75rem gap
# and each card's 1px borders, halved, is exactly 50vw - 1.5rem (a 412 px
# phone at 1.75x then fetches the 320 px picture, not the 640). Cards leave
# ``decoding`` to the browser: it decodes lazy pictures off the main thread
# anyway, and the attribute was 400 bytes of a listing page (issue #15's
# weight budget).
#
# Written here rather than as Jinja macros: a page of 24 cards called the
# card's macro and its three helpers through Jinja's context 96 times, about
# a seventh of a search results page's time.

CARD_SIZES = {
    "grid": "(min-width: 72rem) 18rem, (min-width: 40rem) 33vw, calc(50vw - 1.5rem)",
    "listing": "(min-width: 60rem) 18rem, calc(50vw - 1.5rem)",
}
GALLERY_SIZES = "(min-width: 74rem) 37rem, (min-width: 60rem) 53vw, calc(100vw - 2rem)"
_LEAD = 'fetchpriority="high"'
_LAZY = 'loading="lazy"'


def card_picture(image: Any, alt: str, layout: str = "grid", lead: bool = False) -> Markup:
    """A product card's picture, at most 640 px (a card is at most 18rem wide), in a
    ``layout``: "grid" (home, cooperative) or "listing" (beside the filters)."""
    return Markup(
        f'<picture><source type="image/webp" srcset="{escape(image_srcset(image, "webp", 640))}"'
        f' sizes="{CARD_SIZES[layout]}"><img src="{escape(image_src(image, 640))}" width="640"'
        f' height="{image_height(image, 640)}" alt="{escape(alt)}" {_LEAD if lead else _LAZY}>'
        "</picture>"
    )


def gallery_picture(image: Any, alt: str, lead: bool = False) -> Markup:
    """A picture of the product page's gallery, in every stored width."""
    return Markup(
        f'<picture><source type="image/webp" srcset="{escape(image_srcset(image, "webp"))}"'
        f' sizes="{GALLERY_SIZES}"><img src="{escape(image_src(image, 1280))}"'
        f' width="{int(image.width)}" height="{int(image.height)}" alt="{escape(alt)}"'
        f' {_LEAD if lead else _LAZY} decoding="async"></picture>'
    )


def logo_src(cooperative, external: bool = False, fmt: str = "jpg") -> str:
    """The URL of a cooperative's logo (smallest rendition; JPEG for other sites, WebP in pages)."""
    return media_url(rendition_name(cooperative.logo_key, 320, fmt), external)


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


def cooperative_url(cooperative: Cooperative, lang: str) -> str:
    """The absolute address of a cooperative's public page."""
    return url_for("catalog.cooperative", slug=cooperative.slug, lang=lang, _external=True)


def seller_jsonld(cooperative: Cooperative, lang: str) -> dict[str, Any]:
    """The cooperative as the seller of an offer: the node its own page describes in full."""
    url = cooperative_url(cooperative, lang)
    return {
        "@type": "Organization",
        "@id": f"{url}#organization",
        "name": cooperative.legal_name,
        "url": url,
    }


def product_jsonld(product: Product, lang: str, reviews: Any = None) -> dict[str, Any]:
    """schema.org Product data: offers in MAD, the cooperative as brand and seller.

    schema.org puts ``seller`` on the Offer, not on the Product (Product has
    no such property), so each offer names the cooperative that sells it.
    With ``reviews`` (the page's ``ReviewPage``) it adds the rating of the
    shown reviews and the reviews the page shows, nothing the page hides.
    """
    url = url_for("catalog.product", slug=product.slug, lang=lang, _external=True)
    seller = seller_jsonld(product.cooperative, lang)
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
                "seller": seller,
                **({"gtin14": v.gtin} if v.gtin else {}),
            }
            for v in product.sellable_variants
        ],
        **(reviews_jsonld(reviews) if reviews is not None and reviews.summary.count else {}),
    }


def cooperative_jsonld(cooperative: Cooperative, lang: str) -> dict[str, Any]:
    """schema.org Organization data for a cooperative's page, in the page's language.

    The address is only what the page shows (commune, region, country), not
    the postal address of the application. There is no ``sameAs``: a
    cooperative has no field for its own website or social pages yet.
    """
    locality = cooperative.commune or cooperative.province
    address: dict[str, Any] = {
        "@type": "PostalAddress",
        "addressRegion": cooperative.region.name(lang),
        "addressCountry": "MA",
    }
    if locality:
        address["addressLocality"] = locality
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        **seller_jsonld(cooperative, lang),
        "address": address,
    }
    description = cooperative.tagline(lang).text or cooperative.story(lang).text
    if description:
        data["description"] = description
    if cooperative.logo_key:
        data["logo"] = logo_src(cooperative, external=True)
    if cooperative.founded_year:
        data["foundingDate"] = str(cooperative.founded_year)
    return data


@dataclass(frozen=True)
class Crumb:
    """One step of a breadcrumb trail: the visible link and its schema.org item."""

    name: Localized
    href: str  # relative, for the page's link
    url: str  # absolute, for the BreadcrumbList


def _crumb(name: Localized | str, lang: str, endpoint: str, **values: Any) -> Crumb:
    if not isinstance(name, Localized):
        name = Localized(str(name), lang)
    return Crumb(
        name,
        url_for(endpoint, lang=lang, **values),
        url_for(endpoint, lang=lang, _external=True, **values),
    )


def category_trail(category: Category, lang: str) -> list[Crumb]:
    """Products › category: the listing of one category."""
    return [
        _crumb(_l("Products"), lang, "catalog.listing"),
        _crumb(category.name(lang), lang, "catalog.listing", category=category.slug),
    ]


def product_trail(product: Product, lang: str) -> list[Crumb]:
    """Products › category › product."""
    return [
        *category_trail(product.category, lang),
        _crumb(product.name(lang), lang, "catalog.product", slug=product.slug),
    ]


def cooperative_trail(cooperative: Cooperative, lang: str) -> list[Crumb]:
    """Cooperatives › cooperative."""
    return [
        _crumb(_l("Cooperatives"), lang, "catalog.cooperatives"),
        _crumb(cooperative.legal_name, lang, "catalog.cooperative", slug=cooperative.slug),
    ]


def breadcrumb_jsonld(trail: list[Crumb]) -> dict[str, Any]:
    """schema.org BreadcrumbList of the trail the page shows.

    The last step is the page itself: Google takes it without ``item``, as
    the page shows it without a link.
    """
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": crumb.name.text,
                **({} if position == len(trail) else {"item": crumb.url}),
            }
            for position, crumb in enumerate(trail, start=1)
        ],
    }


def listing_canonical(filters: Any, category: Category | None) -> dict[str, Any]:
    """The query values of a listing page's canonical address.

    The order of the results (``sort``) does not make another page: it is
    dropped. A category listing is a page of its own (with breadcrumbs), and
    each page of a paginated list is its own canonical (Google's advice:
    page 2 is not a copy of page 1). Other filters (region, price, stock…)
    narrow a category without making a page worth indexing: they point to
    the first page of the category, or of all products.
    """
    values: dict[str, Any] = {}
    if category is not None:
        values["category"] = category.slug
    narrowed = filters.args(category="", sort=None, page=None)
    if not narrowed and filters.page > 1:
        values["page"] = filters.page
    return values


def init_presentation(app: Flask) -> None:
    """Expose the helpers to templates."""
    # Globals, not context: nothing of the page's context is needed.
    app.jinja_env.globals.update(
        image_src=image_src,
        image_srcset=image_srcset,
        image_height=image_height,
        card_picture=card_picture,
        gallery_picture=gallery_picture,
    )

    @app.context_processor
    def catalog_helpers() -> dict[str, Any]:
        return {
            "media_url": media_url,
            "logo_src": logo_src,
            "variant_label": variant_label,
            "stock_state": stock_state,
            "cert_label": CERTIFICATION_LABELS,
            "cert_short": CERTIFICATION_SHORT,
            "cert_short_labels": cert_short_labels,
            "product_jsonld": product_jsonld,
            "cooperative_jsonld": cooperative_jsonld,
            "breadcrumb_jsonld": breadcrumb_jsonld,
            "product_trail": product_trail,
            "category_trail": category_trail,
            "cooperative_trail": cooperative_trail,
            "listing_canonical": listing_canonical,
            "product_url": product_url,
            "cooperative_path": cooperative_path,
        }
