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
    from producers.workspace.sell import bp as sell_bp
    from shop.navigation import NavLink, add_link

    app.register_blueprint(workspace_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(sell_bp)
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
    # The way in for a cooperative: the footer for everyone, the account menu
    # for a signed-in person who manages none yet (base.html adds it for visitors).
    add_link(app, "footer", NavLink("sell.page", _l("Sell on Taawon")))
    add_link(
        app,
        "account",
        NavLink(
            "sell.page",
            _l("Sell on Taawon"),
            lambda user: not getattr(user, "memberships", None) and not user.is_admin,
        ),
    )
