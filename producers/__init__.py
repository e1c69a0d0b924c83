"""Producers: cooperatives, applications, members, workspace, payouts."""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for


def init_app(app: Flask) -> None:
    """Register the cooperatives' models, workspace and administration."""
    from flask_babel import lazy_gettext as _l

    from producers import models  # noqa: F401  (metadata)
    from producers.admin.blueprint import bp as admin_bp
    from producers.cli import producers_cli
    from producers.money import models as _payout_models  # noqa: F401  (metadata)
    from producers.money.cli import payouts_cli
    from producers.money.commission import init_commission
    from producers.money.reconciliation import ledger_cli
    from producers.money.transparency import init_transparency
    from producers.presentation import init_presentation
    from producers.workspace.blueprint import bp as workspace_bp
    from producers.workspace.sell import bp as sell_bp
    from shop.accounts.hooks import add_landing
    from shop.navigation import NavLink, add_link

    _watch_public_data()
    app.register_blueprint(workspace_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(sell_bp)
    init_transparency(app)
    init_presentation(app)
    app.cli.add_command(producers_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(payouts_cli)
    init_commission(app)  # `flask invoices monthly`, the commission-invoices job
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
    # Where people start after logging in (without an explicit ``next``):
    # an admin in the back office, a manager in their cooperative's workspace.
    add_landing(app, _admin_landing)
    add_landing(app, _workspace_landing)


def _watch_public_data() -> None:
    """What the directory, profiles and product pages show of a cooperative: a commit
    changing it renews the page cache (shop/pagecache.py). Bank and payout
    settings are never shown."""
    from producers.models import Cooperative, CooperativeOldSlug, CooperativeTranslation, Member
    from shop.pagecache import watch

    watch(
        Cooperative,
        ignore=(
            "rib",
            "rib_holder",
            "rib_updated_at",
            "stripe_account_id",
            "reserve_bp",
            # The legal details are on invoices, not on public pages.
            "tax_id",
            "tp_number",
            "rc_number",
            "vat_rate_bp",
            "vat_exemption_fr",
            "vat_exemption_ar",
        ),
    )
    watch(CooperativeTranslation)
    watch(CooperativeOldSlug)
    watch(Member, ignore=("share_capital_cents",))


def _admin_landing(user: Any) -> str | None:
    """An administrator starts on the back office's home."""
    return url_for("admin.index") if user.is_admin else None


def _workspace_landing(user: Any) -> str | None:
    """A manager starts in their cooperative's workspace: its dashboard, or its
    application while that is unfinished, or the list to choose from when
    they manage several."""
    from producers.services import managed_cooperatives
    from producers.workspace.access import EDITABLE

    cooperatives = managed_cooperatives(user)
    if len(cooperatives) != 1:
        return url_for("producers.home") if cooperatives else None
    coop = cooperatives[0]
    if coop.status in EDITABLE:
        return url_for("producers.application", slug=coop.slug)
    return url_for("producers.dashboard", slug=coop.slug)
