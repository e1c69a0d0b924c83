"""Catalog: categories, products, lots and traceability, search, storefront."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the storefront, its template helpers and commands."""
    from flask_babel import lazy_gettext as _l

    from shop.navigation import NavLink, add_link

    from . import models  # noqa: F401  (metadata)
    from .card_html import product_cards
    from .cli import catalog_cli
    from .favourites import init_favourites
    from .jobs import init_jobs
    from .presentation import init_presentation
    from .reviews.views import init_reviews
    from .search import init_search
    from .summary import init_summary
    from .trace.views import init_trace
    from .views import bp

    app.register_blueprint(bp)
    watch_public_data()
    init_summary()
    init_presentation(app)
    app.jinja_env.globals["product_cards"] = product_cards  # _product_cards.html
    init_search(app)
    init_trace(app)
    init_reviews(app)  # verified buyers' reviews: the product page's, reporting one
    init_jobs(app)  # background: smaller renditions, search reindex
    init_favourites(app)  # favourites and stock alerts (issue #18)
    app.cli.add_command(catalog_cli)
    add_link(app, "footer", NavLink("catalog.listing", _l("All products")))
    add_link(app, "footer", NavLink("catalog.cooperatives", _l("Cooperatives")))


def watch_public_data() -> None:
    """What the storefront, search and trace pages show: a commit changing it renews
    the page cache (shop/pagecache.py). Stock is left out: pages may show it a
    cache's lifetime late, and orders change it all day."""
    from shop.pagecache import watch

    from .models import (
        Category,
        CategoryTranslation,
        Certification,
        FloorPrice,
        Product,
        ProductImage,
        ProductTranslation,
        Variant,
    )
    from .trace.models import Lot, LotContribution, TraceEvent

    watch(
        Product,
        ignore=("stock_total", "min_price_cents", "updated_at"),
        relationships=("certifications",),
    )
    watch(Variant, ignore=("stock",))
    for model in (
        ProductTranslation,
        ProductImage,
        Category,
        CategoryTranslation,
        Certification,
        FloorPrice,
        LotContribution,
        TraceEvent,
    ):
        watch(model)
    watch(Lot, ignore=("quantity_remaining",), relationships=("certifications",))
