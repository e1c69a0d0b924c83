"""Producers: cooperatives, applications, members, workspace, payouts."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the cooperatives' models, workspace and administration."""
    from flask_babel import lazy_gettext as _l

    from shop.navigation import NavLink, add_link

    from . import lot_views as _lot_views  # noqa: F401  (routes on the workspace blueprint)
    from . import models  # noqa: F401  (metadata)
    from . import payout_models as _payout_models  # noqa: F401  (metadata)
    from . import parcel_views as _parcel_views  # noqa: F401  (routes on the workspace blueprint)
    from . import bank_views as _bank_views  # noqa: F401  (routes on the workspace blueprint)
    from . import payout_admin as _payout_admin  # noqa: F401  (routes on the admin blueprint)
    from .payout_cli import payouts_cli
    from . import statement_views as _statement_views  # noqa: F401  (routes on the workspace blueprint)
    from . import policy_admin as _policy_admin  # noqa: F401  (routes on the admin blueprint)
    from . import admin_orders as _admin_orders  # noqa: F401  (routes on the admin blueprint)
    from .admin import bp as admin_bp
    from .cli import producers_cli
    from .ledger_check import ledger_cli
    from .presentation import init_presentation
    from .transparency import init_transparency
    from .views import bp as workspace_bp

    app.register_blueprint(workspace_bp)
    app.register_blueprint(admin_bp)
    init_transparency(app)
    init_presentation(app)
    app.cli.add_command(producers_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(payouts_cli)
    add_link(app, "account", NavLink("producers.home", _l("Cooperative workspace"),
                                     lambda user: bool(getattr(user, "memberships", None))))
    add_link(app, "account", NavLink("admin.index", _l("Administration"),
                                     lambda user: user.is_admin))
