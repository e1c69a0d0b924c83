"""Storefront pages: home, sitemap."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from shop.i18n import LANGUAGES

bp = Blueprint("catalog", __name__, template_folder="templates")


@bp.route("/<lang:lang>/")
def home():
    """The storefront's home page."""
    return render_template("catalog/home.html")


@bp.route("/sitemap.xml")
def sitemap():
    """Every public page in every language, with hreflang alternates."""
    pages = [{lang: url_for("catalog.home", lang=lang, _external=True) for lang in LANGUAGES}]
    xml = render_template("catalog/sitemap.xml", pages=pages, languages=LANGUAGES)
    return Response(xml, mimetype="application/xml")


@bp.route("/<lang:lang>/search")
def search():
    """Search products (the full-text index arrives with the search issue)."""
    return render_template("catalog/search.html", query=request.args.get("q", "").strip())
