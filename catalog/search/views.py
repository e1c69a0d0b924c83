"""Search pages on the catalog blueprint."""
from __future__ import annotations

from flask import render_template, request

from ..views import bp


@bp.route("/<lang:lang>/search")
def search():
    """The search page; results come with the search index (issue #8)."""
    query = request.args.get("q", "").strip()[:200]
    return render_template("catalog/search.html", query=query)
