"""Producers: cooperatives, applications, members, workspace, payouts."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the cooperatives' models, workspace and administration."""
    from flask_babel import lazy_gettext as _l

    from producers import models  # noqa: F401  (metadata)
    from producers.admin.blueprint import bp as admin_bp
    from producers.cli import producers_cli
    from producers.money import models as _payout_models  # noqa: F401  (metadata)
    from producers.money.cli import payouts_cli
    from producers.money.reconciliation import ledger_cli
    from producers.money.transparency import init_transparency
    from producers.presentation import init_presentation
    from producers.workspace.blueprint import bp as workspace_bp
    from shop.navigation import NavLink, add_link

    app.register_blueprint(workspace_bp)
    app.register_blueprint(admin_bp)
    init_transparency(app)
    init_presentation(app)
    app.cli.add_command(producers_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(payouts_cli)
    add_link(
        app,
        "account",
        NavLink(
            "producers.home",
            _l("Cooperative workspace"),
            lambda user: bool(getattr(user, "memberships", None)),
        ),
    )
    add_link(
        app, "account", NavLink("admin.index", _l("Administration"), lambda user: user.is_admin)
    )
