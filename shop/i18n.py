"""Languages in the URL, locale negotiation, formatting and content fallback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency, format_decimal, format_percent
from flask import Flask, Request, current_app, g, has_request_context, request, url_for
from flask.globals import _cv_app
from flask_babel import Domain, format_date, format_datetime, get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from werkzeug.routing import BaseConverter

from . import clock

LANGUAGES: tuple[str, ...] = ("ar", "fr", "en")
RTL_LANGUAGES = frozenset({"ar"})
#: Order in which missing translated content falls back (ARCHITECTURE.md).
FALLBACK_ORDER: tuple[str, ...] = ("fr", "ar", "en")
#: Babel locale used for numbers and money: Moroccan Arabic conventions.
FORMAT_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en"}
#: Times are stored in UTC and shown, and days and months counted, in Morocco:
#: the one zone object of ``shop.clock`` (from the tzdata package, not the OS).
LOCAL_TZ = clock.ZONE
#: Arabic amounts: ar_MA's pattern (a right-to-left mark first) with the dirham by name.
AR_MONEY = "\u200f#,##0.00\xa0درهم;\u200f-#,##0.00\xa0درهم"
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}
COOKIE = "lang"


class LangConverter(BaseConverter):
    """``<lang:lang>`` matches only the supported languages."""

    regex = "|".join(LANGUAGES)


def text_direction(lang: str) -> str:
    """``rtl`` for right-to-left languages, else ``ltr``."""
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def current_language() -> str:
    """The page's language: from the URL, else negotiated, else the default."""
    app_ctx = _cv_app.get(None)  # ``g.get("lang")``, without the proxy (a page asks ~50 times)
    lang = app_ctx.g.__dict__.get("lang") if app_ctx is not None else None
    if lang:
        return lang  # type: ignore[no-any-return]
    if has_request_context():
        return best_language(request)
    return "fr"


def best_language(req: Request) -> str:
    """Cookie, then Accept-Language, then French."""
    cookie = req.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return req.accept_languages.best_match(LANGUAGES) or current_app.config.get(
        "DEFAULT_LANGUAGE", "fr"
    )


def select_locale() -> str:
    """Flask-Babel locale selector."""
    return current_language()


def select_timezone() -> clock.ShopZone:
    """Flask-Babel timezone selector: the clock's zone, so that screens and CSVs agree.

    Without it Flask-Babel builds its own zone from ``BABEL_DEFAULT_TIMEZONE``
    with pytz's copy of the IANA data, which need not match the one the rest
    of the app reads.
    """
    return clock.ZONE


def format_money(cents: int, currency: str = "MAD", lang: str | None = None) -> str:
    """Format integer centimes, e.g. 123450 → '1 234,50 MAD' in French."""
    if not isinstance(cents, int):
        raise TypeError("money is an integer number of centimes")
    return _money(cents, currency, lang or current_language())


def format_number(value: int | Decimal, lang: str | None = None) -> str:
    """A plain number in the page's conventions."""
    return _number(value, lang or current_language())


def format_pct(value: Decimal | float, lang: str | None = None) -> str:
    """A ratio (0.1 → 10 %) in the page's conventions."""
    return _percent(value, lang or current_language())


# Babel parses the locale and the pattern and rounds with decimal at every
# call: a listing formats 24 prices, often the same ones. The text depends
# only on the arguments, so each is formatted once per process.


@lru_cache(maxsize=4096)
def _money(cents: int, currency: str, lang: str) -> str:
    # CLDR wants a space between an alphabetic code and the digits, which
    # Babel does not apply for English ("MAD1,234.50"): give the pattern.
    # Arabic names the dirham "درهم", as the catalogue does, rather than
    # CLDR's "د.م.": that abbreviation ends with a period, and a sentence
    # ending with an amount showed two ("… د.م..").
    pattern = {"en": "¤\xa0#,##0.00", "ar": AR_MONEY}.get(lang)
    return format_currency(
        Decimal(cents).scaleb(-2), currency, format=pattern, locale=FORMAT_LOCALES[lang]
    )


@lru_cache(maxsize=1024)
def _number(value: int | Decimal, lang: str) -> str:
    return format_decimal(value, locale=FORMAT_LOCALES[lang])


@lru_cache(maxsize=1024)
def _percent(value: Decimal | float, lang: str) -> str:
    return format_percent(value, locale=FORMAT_LOCALES[lang])


def format_when(value: datetime | date | None, fmt: str = "medium") -> str:
    """A UTC timestamp (or a date) shown in Africa/Casablanca time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return format_date(value, fmt)


def format_day(value: datetime | date | None, fmt: str = "long") -> str:
    """The calendar day of a UTC timestamp in Africa/Casablanca, or a date."""
    return format_date(value, fmt) if value is not None else ""


def machine_time(value: datetime | date | None) -> str:
    """A ``<time datetime>`` value: UTC to the second with a ``Z``, or a date.

    Stored timestamps are naive UTC with microseconds, and HTML allows at most
    three fraction digits; a value without a zone would be read as floating
    local time. A naive value is read as UTC (as stored).
    """
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


@dataclass(frozen=True)
class Localized:
    """A piece of translated content and the language it is really in."""

    text: str
    lang: str

    def render(self, page_lang: str, tag: str = "span") -> Markup:
        """The text, marked with its own lang/dir when it is a fallback."""
        if self.lang == page_lang or not self.text:
            return Markup(escape(self.text))
        return Markup('<{tag} lang="{lang}" dir="{dir}">{text}</{tag}>').format(
            tag=Markup(tag), lang=self.lang, dir=text_direction(self.lang), text=self.text
        )

    def __str__(self) -> str:
        return self.text


def pick(values: dict[str, str | None], lang: str) -> Localized:
    """The value in ``lang``, else the first present in FALLBACK_ORDER."""
    for candidate in (lang, *FALLBACK_ORDER):
        text = values.get(candidate)
        if text:
            return Localized(text, candidate)
    return Localized("", lang)


def localized(rows: Iterable[Any], field: str, lang: str) -> Localized:
    """Pick ``field`` from translation rows (objects with ``.locale``)."""
    return pick({row.locale: getattr(row, field) for row in rows}, lang)


def lang_url(lang: str, external: bool = False) -> str:
    """The current page's URL in another language (the switcher).

    The layout asks for each language twice (the header's menu, the footer):
    built once per request.
    """
    built: dict[tuple[str, bool], str] = g.setdefault("_lang_urls", {})
    url = built.get((lang, external))
    if url is None:
        url = built[lang, external] = _lang_url(lang, external)
    return url


def _lang_url(lang: str, external: bool) -> str:
    rule = request.url_rule
    if rule is not None and "lang" in rule.arguments and request.endpoint:
        args = {**(request.view_args or {}), "lang": lang}
        # A query parameter named like a URL variable (``?token=`` on a page
        # whose URL has a token) must not replace it: that was a 500.
        query = {k: v for k, v in request.args.to_dict(flat=False).items() if k not in args}
        return url_for(request.endpoint, **args, **query, _external=external)
    return url_for("catalog.home", lang=lang, _external=external)


def default_language() -> str:
    """The language of visitors whose browser asks for none of ours (``DEFAULT_LANGUAGE``)."""
    lang = current_app.config.get("DEFAULT_LANGUAGE", "fr")
    return lang if lang in LANGUAGES else "fr"


def hreflang_links(values: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The page's ``hreflang`` alternates: each language, then ``x-default``.

    ``values`` are the URL values of the page's canonical address (without
    ``lang``); without them, the current URL in each language. ``x-default``,
    the page for a language we do not have, is the ``DEFAULT_LANGUAGE``
    version: it is what the root and the negotiation serve such a visitor,
    and it is a real page (Google warns against alternates that redirect).
    """
    if values is None or not request.endpoint:
        urls = {code: lang_url(code, external=True) for code in LANGUAGES}
    else:
        urls = {
            code: url_for(request.endpoint, **values, lang=code, _external=True)
            for code in LANGUAGES
        }
    return [*urls.items(), ("x-default", urls[default_language()])]


def language_cookie(lang: str, secure: bool) -> dict[str, Any]:
    """The language cookie for ``lang``: a year, ``SameSite=Lax``, ``HttpOnly``,
    and ``Secure`` like the session's whenever the site is https."""
    return {
        "key": COOKIE,
        "value": lang,
        "max_age": 365 * 24 * 3600,
        "samesite": "Lax",
        "httponly": True,
        "secure": secure,
    }


class PageDomain(Domain):
    """Flask-Babel's message domain, its catalogue looked up once per request and locale.

    Flask-Babel finds the catalogue again at every ``_()`` (the locale turned
    into its identifier, a dictionary lookup): a page translates 40 to 100
    strings, and that was several per cent of a catalogue page. The catalogue
    found is kept on ``g`` with the locale object it is for, so that
    ``force_locale`` (mails in the recipient's language) and ``refresh``,
    which install another locale object, find theirs.
    """

    def get_translations(self):  # type: ignore[no-untyped-def]  # as Flask-Babel's
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return super().get_translations()
        found = _memoised_translations(app_ctx.g.__dict__)
        if found is not None and found[0] is self:
            return found[1]
        translations = super().get_translations()
        app_ctx.g._page_translations = (get_locale(), self, translations)
        return translations


def _memoised_translations(values: dict[str, Any]) -> tuple[Any, Any] | None:
    """(domain, catalogue) ``PageDomain`` kept on ``g`` (its ``values``), if still the locale's."""
    memo = values.get("_page_translations")
    babel_ctx = values.get("_flask_babel")
    if memo is None or babel_ctx is None or memo[0] is not getattr(babel_ctx, "babel_locale", None):
        return None
    return memo[1], memo[2]


def page_translations() -> Any:
    """``flask_babel.get_translations()``, read from ``PageDomain``'s memo when it holds.

    The same catalogue, without Flask-Babel's context lookups: when the
    domain Flask-Babel keeps for the request and the locale are those the
    memo was made for.
    """
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        values = app_ctx.g.__dict__
        found = _memoised_translations(values)
        # The domain Flask-Babel would ask (``get_domain``: the one it keeps on its context).
        if found is not None and getattr(values["_flask_babel"], "babel_domain", None) is found[0]:
            return found[1]
    return get_translations()


#: Per message catalogue: each template string translated, as a template shows
#: it (``template_gettext``). Keyed by the catalogue's id, with the catalogue
#: kept so that the id is never another's.
_TEMPLATE_STRINGS: dict[int, tuple[Any, dict[str, Markup]]] = {}


@pass_context
def template_gettext(context: Context, string: str, **variables: Any) -> str:
    """The templates' ``_()`` and ``gettext()``: Jinja's "newstyle" gettext, memoised.

    As ``jinja2.ext``'s (what Flask-Babel installs): the string translated in
    the page's catalogue, marked safe when the template autoescapes, then
    always formatted with ``variables`` (escaped). A page translates 40 to 100
    constant strings, each through two ``Context.call``, Flask-Babel's
    lookups and a ``Markup`` formatting: a string without variables is now
    translated and formatted once per catalogue and process.
    """
    translations = page_translations()
    if variables or not context.eval_ctx.autoescape:
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables  # type: ignore[no-any-return]
    entry = _TEMPLATE_STRINGS.get(id(translations))
    if entry is None or entry[0] is not translations:
        entry = _TEMPLATE_STRINGS[id(translations)] = (translations, {})
    shown = entry[1].get(string)
    if shown is None:
        shown = entry[1][string] = Markup(translations.ugettext(string)) % {}
    return shown


@pass_context
def template_ngettext(
    context: Context, singular: str, plural: str, num: int, **variables: Any
) -> str:
    """The templates' ``ngettext()``: Jinja's "newstyle" one, without its extra calls."""
    variables.setdefault("num", num)
    text = page_translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables  # type: ignore[no-any-return]


def configure_i18n(app: Flask) -> None:
    """URL language handling, Babel and template helpers."""
    from .extensions import babel

    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.config["TRANSLATIONS_DIR"]),
        default_domain="messages",
    )
    # The default domain (a cached property of Flask-Babel's), with its lookups memoised.
    if not isinstance(babel.__dict__.get("domain_instance"), PageDomain):
        babel.__dict__["domain_instance"] = PageDomain(domain="messages")
    # Flask-Babel's template callables, as they behave, with fewer steps.
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )

    app.url_map.converters["lang"] = LangConverter

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict | None) -> None:
        if values and "lang" in values:
            g.lang = values.pop("lang")

    @app.url_defaults
    def add_lang(endpoint: str, values: dict) -> None:
        if "lang" in values or not g.get("lang"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = g.lang

    @app.after_request
    def remember_lang(response):
        lang = g.get("lang")
        if lang and request.cookies.get(COOKIE) != lang:
            secure = request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]
            response.set_cookie(**language_cookie(lang, secure))
        return response

    @app.context_processor
    def i18n_context() -> dict[str, Any]:
        lang = current_language()
        return {
            "lang": lang,
            "text_dir": text_direction(lang),
            "languages": LANGUAGES,
            "language_names": LANGUAGE_NAMES,
            "lang_url": lang_url,
            "hreflang_links": hreflang_links,
            "text_direction": text_direction,
            "money": format_money,
            "number": format_number,
            "pct": format_pct,
            "when": format_when,
            "day": format_day,
            "machine_time": machine_time,
        }
