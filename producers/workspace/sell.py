"""“Sell on Taawon”: the public page a cooperative reads before it applies.

The application (``/producer/apply``) needs an account and says nothing of
the terms, so this page is the way in: who may sell, what it costs, which
documents to prepare, the steps, and the link to the application. The fees
and the hold are read from the fair-trade policy in force, never written in
the template, so the page changes when an administrator publishes new rules.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from producers import services
from producers.models import DocumentKind
from producers.money.policy import format_bp
from producers.presentation import DOCUMENT_LABELS
from shop.money.policy import current_policy
from shop.money.split import HARD_CAP_BP, split
from shop.pagecache import cacheable

bp = Blueprint("sell", __name__, template_folder="templates", url_prefix="/<lang:lang>")

#: The worked example: what a cooperative receives on a sale of 100 MAD.
EXAMPLE_CENTS = 10_000
#: Documents the application asks for, the required one first.
DOCUMENTS = (DocumentKind.REGISTRATION, DocumentKind.ONSSA, DocumentKind.QUALITY)


@cacheable
def page():
    """Who may sell, the fees of the policy in force, the documents and the steps."""
    policy = current_policy()
    cooperatives = services.managed_cooperatives(current_user)
    return render_template(
        "producers/sell.html",
        policy=policy,
        example=split(EXAMPLE_CENTS, policy),
        cap_bp=HARD_CAP_BP,
        rate=format_bp,
        documents=[(kind, DOCUMENT_LABELS[kind]) for kind in DOCUMENTS],
        cooperatives=cooperatives,
    )


bp.add_url_rule("/sell", "page", page)
