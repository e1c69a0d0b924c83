"""Producers: cooperatives, applications, members, workspace, payouts."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the cooperatives' models, workspace, administration and demo data."""
    from flask_babel import lazy_gettext as _l

    from shop.cli import add_seeder
    from shop.navigation import NavLink, add_link

    from producers.workspace import lots as _lot_views  # noqa: F401  (routes on the workspace blueprint)
    from producers import models  # noqa: F401  (metadata)
    from producers.money import models as _payout_models  # noqa: F401  (metadata)
    from producers.workspace import parcels as _parcel_views  # noqa: F401  (routes on the workspace blueprint)
    from producers.workspace import bank as _bank_views  # noqa: F401  (routes on the workspace blueprint)
    from producers.money.cli import payouts_cli
    from producers.workspace import balance as _statement_views  # noqa: F401  (routes on the workspace blueprint)
    from producers.admin.blueprint import bp as admin_bp
    from producers.cli import producers_cli
    from producers.money.reconciliation import ledger_cli
    from producers.demo import seed_cooperatives
    from producers.presentation import init_presentation
    from producers.money.transparency import init_transparency
    from producers.workspace.views import bp as workspace_bp

    app.register_blueprint(workspace_bp)
    app.register_blueprint(admin_bp)
    init_transparency(app)
    init_presentation(app)
    app.cli.add_command(producers_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(payouts_cli)
    add_seeder(app, seed_cooperatives)
    add_link(app, "account", NavLink("producers.home", _l("Cooperative workspace"),
                                     lambda user: bool(getattr(user, "memberships", None))))
    add_link(app, "account", NavLink("admin.index", _l("Administration"),
                                     lambda user: user.is_admin))


def init_late(app: Flask) -> None:
    """Steps that need every domain registered first: demo orders seed after the catalog."""
    from shop.cli import add_seeder

    from producers.demo_orders import seed_orders

    add_seeder(app, seed_orders)
