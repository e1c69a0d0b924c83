"""Cart and order pages."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("orders", __name__, template_folder="templates", url_prefix="/<lang:lang>")


@bp.route("/cart")
def cart():
    """The shopper's cart."""
    return render_template("orders/cart.html", lines=[])
