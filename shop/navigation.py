"""Links that domain packages add to the shared layout (menus, footer).

The core layout cannot import the domains, so each domain registers its own
entries when ``create_app`` wires it in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_request_context, url_for
from flask_login import current_user
from jinja2.ext import Extension

from .i18n import page_translations


@dataclass(frozen=True)
class NavLink:
    """A link in a shared menu; ``visible`` decides per user."""

    endpoint: str
    label: Any  # a lazy string
    visible: Callable[[Any], bool] = lambda user: True


def add_link(app: Flask, menu: str, link: NavLink) -> None:
    """Add a link to ``menu`` ("account" or "footer")."""
    app.extensions.setdefault("taawon_nav", {}).setdefault(menu, []).append(link)
    app.extensions.pop("taawon_nav_labels", None)  # translated again with it


def _labels(menu: str, links: list[NavLink]) -> list[str]:
    """The labels of ``menu`` in the page's language, translated once per catalogue.

    ``str()`` of a lazy label asks Flask-Babel for the catalogue again each
    time: the footer's six were about a fifth of an empty page's cost. Kept
    per application (its menus) and catalogue (its id, with the catalogue,
    so that the id stays its own).
    """
    translations = page_translations()
    memo = current_app.extensions.setdefault("taawon_nav_labels", {})
    entry = memo.get((menu, id(translations)))
    if entry is None or entry[0] is not translations:
        entry = memo[menu, id(translations)] = (translations, [str(link.label) for link in links])
    return entry[1]


def _links(menu: str) -> list[dict[str, str]]:
    links = current_app.extensions.get("taawon_nav", {}).get(menu, [])
    return [
        {"url": url_for(link.endpoint), "label": label}
        for link, label in zip(links, _labels(menu, links), strict=True)
        if link.visible(current_user)
    ]


#: A line break and the indentation (or blank lines) after it.
_INDENTATION = re.compile(r"\n\s+")


class Unindented(Extension):
    """HTML and XML templates compiled without their source's indentation.

    Templates are indented for their readers; browsers ignore the spaces, but
    they were about 1.4 KB of a listing page's 37 KB (issue #15's page weight
    budget). The line break stays, so words on two lines stay two words. Done
    once when a template is compiled, so it costs no request anything. The
    message catalogues are unaffected: no template has a translated string,
    or a ``trans`` block, across lines (Babel reads the sources as written).
    Text templates (``mail/*.txt``, ``messages/*.txt``) keep their layout.
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if name and name.endswith((".html", ".xml")):
            return _INDENTATION.sub("\n", source)
        return source


def configure_templates(app: Flask) -> None:
    """Template globals shared by every page."""
    app.jinja_env.add_extension(Unindented)

    @app.context_processor
    def layout_context() -> dict[str, Any]:
        # Only pages in a language have the layout (not sitemap.xml, mails).
        in_page = has_request_context() and bool(g.get("lang"))
        return {
            "account_links": _links("account") if in_page and current_user.is_authenticated else [],
            "footer_links": _links("footer") if in_page else [],
            "cart_count": 0,
            "has_endpoint": lambda name: name in current_app.view_functions,
        }
