"""Catalog: categories, products, lots and traceability, search, storefront."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the storefront, its template helpers and commands."""
    from flask_babel import lazy_gettext as _l

    from shop.navigation import NavLink, add_link

    from . import models  # noqa: F401  (metadata)
    from .cli import catalog_cli
    from .jobs import init_jobs
    from .presentation import init_presentation
    from .search import init_search
    from .summary import init_summary
    from .trace.views import init_trace
    from .views import bp

    app.register_blueprint(bp)
    init_summary()
    init_presentation(app)
    init_search(app)
    init_trace(app)
    init_jobs(app)  # background: smaller renditions, search reindex
    app.cli.add_command(catalog_cli)
    add_link(app, "footer", NavLink("catalog.listing", _l("All products")))
    add_link(app, "footer", NavLink("catalog.cooperatives", _l("Cooperatives")))
