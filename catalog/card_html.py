"""The HTML of a page's product cards (``_product_cards.html`` calls ``product_cards``).

The home page, the listing, search results and a cooperative's page show
up to 24 cards. Written as a Jinja loop, a card made about nine calls
through Jinja's context (its link, name, region, price, picture, heart,
rating...), each a few microseconds, and escaped some twenty values one by
one into ``Markup`` objects: the cards were a quarter of a search results
page's time and more of the listing's. Here the same HTML is joined from
f-strings, each value escaped once (``escape``, in C), with the page's
constant words translated once per call. The markup is the one the
template had, byte for byte (bench/callgrind_pages.py ``--html`` compares
pages before and after a change); change it here and in the stylesheet
together.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from flask_babel import gettext
from markupsafe import Markup, escape

from shop.i18n import format_money, text_direction

from .cards import ProductCard
from .favourites.saved import heart
from .presentation import card_picture, cert_short_labels, product_url
from .reviews.presentation import rating_label, rating_text, stars


def _rating(card: ProductCard) -> str:
    """The card's rating, drawn and in words for screen readers."""
    if not card.review_count or card.rating is None:
        return ""
    label = rating_label(card.rating, card.review_count)
    return (
        f'\n<p class="card-rating" role="img" aria-label="{escape(label)}">{stars(card.rating)}'
        f' <span dir="ltr">{escape(rating_text(card.rating))} ({card.review_count})</span></p>'
    )


def product_cards(
    cards: Iterable[ProductCard],
    lang: str,
    layout: str,
    lead_first: bool,
    snippets: Mapping[int, Any] | None,
    favourites: Collection[int],
    public: bool,
    form_id: str,
) -> Markup:
    """Every card of a page, in order (see ``_product_cards.html`` for the arguments)."""
    sold_out = escape(gettext("Sold out"))
    from_label = escape(gettext("from"))
    certifications = escape(gettext("Certifications"))
    short_labels = {kind: escape(label) for kind, label in cert_short_labels().items()}
    parts: list[str] = []
    add = parts.append
    for number, card in enumerate(cards):
        name = card.name(lang)
        add("\n")
        if snippets is not None:
            add('<div class="search-hit">\n')
        add(
            f'<article class="product-card">\n<a class="product-card-link"'
            f' href="{escape(product_url(card.slug))}">\n<div class="product-card-media">'
        )
        if card.images:
            lead = lead_first and number == 0
            add(card_picture(card.images[0], name.text, layout, lead=lead))
        else:
            add('<div class="product-card-placeholder" aria-hidden="true"></div>')
        if not card.in_stock:
            add(f'<span class="tag tag-out">{sold_out}</span>')
        add(
            f'\n</div>\n<div class="product-card-body">\n<h3 class="product-card-title">'
            f'{name.render(lang)}</h3>\n<p class="product-card-coop">'
            f"{escape(card.cooperative_name)} · {escape(card.region.name(lang))}</p>"
        )
        if card.certification_kinds:
            badges = "".join(
                f'<li class="badge-cert badge-{escape(kind.value)}">{short_labels[kind]}</li>'
                for kind in card.certification_kinds
            )
            add(f'\n<ul class="badges" aria-label="{certifications}">{badges}</ul>')
        if card.min_price_cents is not None:
            price_from = (
                f'<span class="price-from">{from_label}</span> ' if card.variant_count > 1 else ""
            )
            add(
                f'\n<p class="price">{price_from}<span dir="ltr">'
                f"{escape(format_money(card.min_price_cents, lang=lang))}</span></p>"
            )
        add(_rating(card))
        add(f"\n</div>\n</a>\n{heart(card.id, card.id in favourites, public, form_id)}\n</article>")
        if snippets is not None:
            add("\n")
            snippet = snippets.get(card.id)
            if snippet:
                add(
                    f'<p class="search-snippet" lang="{escape(snippet.lang)}"'
                    f' dir="{text_direction(snippet.lang)}">{snippet.html}</p>'
                )
            add("\n</div>")
    return Markup("".join(parts))
