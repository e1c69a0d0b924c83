"""Storefront pages: home, listing, product, cooperatives, media, sitemap."""

from __future__ import annotations

import mimetypes

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import select

from producers.models import Cooperative, CooperativeOldSlug
from shop.cache import cached
from shop.extensions import db
from shop.i18n import LANGUAGES
from shop.money.policy import current_policy
from shop.money.split import split
from shop.pagecache import cacheable
from shop.params import query_int, query_page
from shop.regions import regions
from shop.storage import (
    MEDIA_CACHE_CONTROL,
    MEDIA_MAX_AGE,
    file_source,
    get_storage,
    is_public_name,
)

from . import queries
from . import sitemap as sitemap_entries
from .cards import cards_of, cooperative_cards, paginate_cards
from .models import Category
from .product_page import product_page
from .search import views as search_views

bp = Blueprint("catalog", __name__, template_folder="templates")
# The search pages are storefront pages on this blueprint, written in catalog/search/.
bp.add_url_rule("/<lang:lang>/search", "search", search_views.search)
bp.add_url_rule("/<lang:lang>/search/suggest", "suggest", search_views.suggest)


@bp.route("/<lang:lang>/")
@cacheable
def home():
    """The storefront's home page."""
    new_products = cards_of(queries.filtered_products(queries.Filters()), 8)
    featured = cooperative_cards(queries.featured_cooperatives())
    return render_template(
        "catalog/home.html",
        products=new_products,
        cooperatives=featured,
        categories=queries.menu_categories(),
        impact=cached("home:impact", queries.impact_figures),
    )


@bp.route("/<lang:lang>/products/")
@cacheable
def listing():
    """Products with combinable filters, sorting and pagination."""
    filters = queries.Filters.from_args(request.args)
    # The category chosen, when it exists: the page's breadcrumbs and canonical address.
    category = (
        db.session.scalar(select(Category).where(Category.slug == filters.category))
        if filters.category
        else None
    )
    page = paginate_cards(queries.filtered_products(filters), filters.page, queries.PAGE_SIZE)
    return render_template(
        "catalog/listing.html",
        page=page,
        filters=filters,
        category=category,
        **queries.listing_choices(filters.cooperative),
    )


@bp.route("/<lang:lang>/products/<slug>")
@cacheable
def product(slug: str):
    """A product's page: gallery, variants, cooperative, origin, fair-trade split."""
    item = product_page(slug)
    if item is None:
        abort(404)
    variants = item.sellable_variants
    chosen = next((v for v in variants if v.sku == request.args.get("variant")), variants[0])
    # The rules a sale made now falls under: what the shopper is told is what is paid.
    policy = current_policy()
    return render_template(
        "catalog/product.html",
        product=item,
        variants=variants,
        chosen=chosen,
        split=split(chosen.price_cents, policy),
        policy=policy,
    )


@bp.route("/<lang:lang>/cooperatives/")
@cacheable
def cooperatives():
    """The directory of approved cooperatives."""
    region = query_int("region", None, min=1, max=12)
    name = " ".join(request.args.get("q", "").split())[:100]
    query = queries.approved_cooperatives()
    if region is not None:
        query = query.where(Cooperative.region_code == region)
    if name:
        query = query.where(Cooperative.legal_name.icontains(name, autoescape=True))
    # One page at a time: the directory's size no longer grows with the federation.
    page = db.paginate(
        query, page=query_page(), per_page=queries.COOPERATIVES_PAGE_SIZE, error_out=False
    )
    ids = [c.id for c in page.items]
    return render_template(
        "catalog/cooperatives.html",
        page=page,
        cooperatives=page.items,
        counts=queries.product_counts_by_cooperative(ids),
        region_choices=regions(),
        region=region,
        name=name,
    )


@bp.route("/<lang:lang>/cooperatives/<slug>")
@cacheable
def cooperative(slug: str):
    """A cooperative's public profile with its products."""
    coop = db.session.scalar(queries.cooperative_page(), {"slug": slug})
    if coop is None:
        # An address the cooperative had before an administrator changed it:
        # links on labels and other sites move permanently to the new one.
        current = db.session.scalar(
            queries.approved_cooperatives()
            .with_only_columns(Cooperative.slug)
            .join(CooperativeOldSlug, CooperativeOldSlug.cooperative_id == Cooperative.id)
            .where(CooperativeOldSlug.slug == slug)
        )
        if current is None:
            abort(404)
        return redirect(url_for("catalog.cooperative", slug=current), 301)
    # The cooperative's products, a page at a time, in the listing's order.
    page = paginate_cards(
        queries.filtered_products(queries.Filters(cooperative=slug)),
        query_page(),
        queries.PAGE_SIZE,
    )
    certs = queries.cooperative_certifications([coop.id])[coop.id]
    return render_template(
        "catalog/cooperative.html",
        coop=coop,
        page=page,
        products=page.items,
        certifications=certs,
    )


@bp.route("/media/<path:name>")
def media(name: str):
    """Serve a public picture; names are content addresses, so cache for long.

    Only the image pipeline's renditions are public: a document's or an
    evidence file's name (``docs/``, ``evidence/``) is refused even if a file
    of that name was left in the public folder, as before the private area.
    """
    if not is_public_name(name):
        abort(404)
    try:
        source = file_source(get_storage(), name)
    except (ValueError, FileNotFoundError):  # not stored, or a name leaving the area
        abort(404)
    # The name is the content's address: the same ETag on every server and backend.
    response = send_file(
        source,
        mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream",
        etag=name,
        max_age=MEDIA_MAX_AGE,
        conditional=True,
    )
    response.headers["Cache-Control"] = MEDIA_CACHE_CONTROL
    return response


@bp.route("/sitemap.xml")
@cacheable
def sitemap():
    """The sitemap index: one file per kind of page and per 50,000 URLs, with dates."""
    size = sitemap_entries.entries_per_file()
    files = [(url_for("catalog.sitemap_part", kind="pages", number=1, _external=True), None)]
    for kind, dates in (
        ("cooperatives", sitemap_entries.cooperative_chunks(size)),
        ("products", sitemap_entries.product_chunks(size)),
    ):
        for number, latest in enumerate(dates, start=1):
            url = url_for("catalog.sitemap_part", kind=kind, number=number, _external=True)
            files.append((url, sitemap_entries.w3c_datetime(latest) if latest else None))
    xml = render_template("catalog/sitemap_index.xml", files=files)
    return Response(xml, mimetype="application/xml")


@bp.route("/sitemaps/<any(pages, cooperatives, products):kind>-<int:number>.xml")
@cacheable
def sitemap_part(kind: str, number: int):
    """One file of the sitemap: every page of a kind, in every language, with alternates."""
    size = sitemap_entries.entries_per_file()
    if kind == "pages":
        if number != 1:
            abort(404)
        entries = list(sitemap_entries.page_entries())
    elif kind == "cooperatives":
        entries = list(sitemap_entries.cooperative_entries(number - 1, size))
    else:
        entries = list(sitemap_entries.product_entries(number - 1, size))
    if not entries and number > 1:
        abort(404)
    xml = render_template("catalog/sitemap.xml", entries=entries, languages=LANGUAGES)
    return Response(xml, mimetype="application/xml")
