"""Producers: cooperatives, applications, members, workspace, payouts."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the cooperatives' models, workspace, administration and demo data."""
    from flask_babel import lazy_gettext as _l

    from shop.cli import add_seeder
    from shop.navigation import NavLink, add_link

    from . import lot_views as _lot_views  # noqa: F401  (routes on the workspace blueprint)
    from . import models  # noqa: F401  (metadata)
    from . import payout_models as _payout_models  # noqa: F401  (metadata)
    from . import parcel_views as _parcel_views  # noqa: F401  (routes on the workspace blueprint)
    from .admin import bp as admin_bp
    from .cli import producers_cli
    from .ledger_check import ledger_cli
    from .demo import seed_cooperatives
    from .presentation import init_presentation
    from .views import bp as workspace_bp

    app.register_blueprint(workspace_bp)
    app.register_blueprint(admin_bp)
    init_presentation(app)
    app.cli.add_command(producers_cli)
    app.cli.add_command(ledger_cli)
    add_seeder(app, seed_cooperatives)
    add_link(app, "account", NavLink("producers.home", _l("Cooperative workspace"),
                                     lambda user: bool(getattr(user, "memberships", None))))
    add_link(app, "account", NavLink("admin.index", _l("Administration"),
                                     lambda user: user.is_admin))
