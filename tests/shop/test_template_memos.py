"""Per-process memos of the templates' links and translations (issue #15): they give
what Flask's ``url_for`` and Jinja's "newstyle" gettext give."""

from __future__ import annotations

from flask import g, render_template_string, url_for
from jinja2 import Environment
from markupsafe import Markup

from shop.i18n import template_gettext


def test_links_depend_on_the_page_language_and_values(app):
    for lang in ("fr", "ar", "en"):
        with app.test_request_context(f"/{lang}/"):
            g.lang = lang
            assert url_for("catalog.listing") == f"/{lang}/products/"
            assert url_for("catalog.listing") == f"/{lang}/products/"  # from the memo
            assert url_for("catalog.listing", lang="fr") == "/fr/products/"
            assert url_for("catalog.listing", page=2) == f"/{lang}/products/?page=2"
            assert url_for("catalog.listing", category="a b") == f"/{lang}/products/?category=a+b"
            assert url_for("catalog.home", _external=True) == f"http://shop.test/{lang}/"
            assert url_for("catalog.home", _anchor="x y") == f"/{lang}/#x%20y"


def test_links_follow_the_script_root_and_the_base_url(app, monkeypatch):
    with app.app_context(), app.test_request_context("/fr/", base_url="http://shop.test/shop"):
        g.lang = "fr"
        assert url_for("catalog.home") == "/shop/fr/"
    with app.app_context(), app.test_request_context("/fr/"):
        g.lang = "fr"
        assert url_for("catalog.home") == "/fr/"
        monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://taawon.example")
        assert url_for("catalog.home", _external=True) == "https://taawon.example/fr/"


def test_only_plain_values_are_kept(app):
    memo = app.extensions["taawon_url_memo"]
    with app.test_request_context("/fr/"):
        g.lang = "fr"
        memo.clear()
        url_for("catalog.listing", page=True)  # a bool is not the integer 1
        url_for("catalog.listing", page=2.5)
        assert not memo
        assert url_for("catalog.listing", page=1) == "/fr/products/?page=1"
        assert url_for("catalog.listing", page=True) == "/fr/products/?page=True"
        assert len(memo) == 1


def test_the_memo_stays_bounded(app, monkeypatch):
    memo = app.extensions["taawon_url_memo"]
    monkeypatch.setattr(type(app), "URL_MEMO_SIZE", 5)
    with app.test_request_context("/fr/"):
        g.lang = "fr"
        for page in range(1, 20):
            assert url_for("catalog.listing", page=page) == f"/fr/products/?page={page}"
            assert len(memo) <= 5


def jinja_newstyle(source: str, autoescape: bool = True, **context) -> str:
    """What Jinja's own "newstyle" gettext gives (no catalogue)."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env.from_string(source).render(**context)


def test_translations_are_formatted_as_jinja_formats_them(app):
    sources = (
        '{{ _("100%% natural") }}',
        '{{ _("Hello %(name)s", name=who) }}',
        '{{ _("<b>bold</b>") }}',
        '{{ gettext("Plain") }}',
        '{{ ngettext("%(num)d item", "%(num)d items", n) }}',
        '{{ ngettext("%(num)d item for %(who)s", "%(num)d items for %(who)s", n, who=who) }}',
        "{% trans %}A block{% endtrans %}",
        "{% trans count=n %}One{% pluralize %}{{ count }} many{% endtrans %}",
    )
    with app.test_request_context("/en/"):
        g.lang = "en"
        for source in sources:
            for n in (1, 3):
                expected = jinja_newstyle(source, who="<Salma>", n=n)
                assert render_template_string(source, who="<Salma>", n=n) == expected, source
                # Twice: the second from the memo.
                assert render_template_string(source, who="<Salma>", n=n) == expected, source


def test_text_templates_are_not_escaped(app):
    env = app.jinja_env.overlay(autoescape=False)
    with app.test_request_context("/en/"):
        g.lang = "en"
        text = env.from_string('{{ _("Hello %(name)s", name=who) }} {{ _("a%%") }}').render(
            who="<Salma>"
        )
    assert text == "Hello <Salma> a%"


def test_a_page_is_translated_in_its_language(app):
    # Each request has its own app context (and so its own g): the locale is the page's.
    for _round in range(2):
        for lang, word in (("fr", "Panier"), ("en", "Cart"), ("ar", "السلة")):
            with app.app_context(), app.test_request_context(f"/{lang}/"):
                g.lang = lang
                assert render_template_string('{{ _("Cart") }}') == word


def test_a_mail_in_another_language_is_translated_in_its_own(app):
    from flask_babel import force_locale

    with app.app_context(), app.test_request_context("/fr/"):
        g.lang = "fr"
        assert render_template_string('{{ _("Cart") }}') == "Panier"
        with force_locale("en"):
            assert render_template_string('{{ _("Cart") }}') == "Cart"
        assert render_template_string('{{ _("Cart") }}') == "Panier"


def test_the_memo_gives_markup():
    assert Markup("a%") == Markup("a%%") % {}
    assert callable(template_gettext)
