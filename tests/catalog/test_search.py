"""Search: analysis in ar/fr/en, typos, facets, the results page and autocomplete."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from catalog.models import ProductStatus
from shop.extensions import db


@pytest.fixture
def app_config(search_backend):
    """Every test here runs on both search backends (PostgreSQL when the tests do)."""
    return {"SEARCH_BACKEND": search_backend}


def slugs(html: str) -> list[str]:
    """Product slugs linked from product cards, in page order."""
    return re.findall(r'class="product-card-link" href="/\w\w/products/([\w-]+)"', html)


def found(client, query: str, lang: str = "fr", **args: str) -> list[str]:
    """Slugs on the search page for ``query``, in rank order."""
    extra = "".join(f"&{k}={quote(str(v))}" for k, v in args.items())
    response = client.get(f"/{lang}/search?q={quote(query)}{extra}")
    assert response.status_code == 200
    return slugs(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "query", ["زيت الاركان", "زيت الأركان", "زَيْتُ الأَرْكَان", "زيت أركان", "زيـــت أركان"]
)
def test_arabic_with_or_without_hamza_tashkeel_and_tatweel(client, corpus, query):
    result = found(client, query, "ar")
    assert corpus["argan"].slug in result and corpus["argan_ar"].slug in result
    assert corpus["honey"].slug not in result
    assert found(client, "اركان غذائي", "ar") == [corpus["argan"].slug]


def test_arabic_letter_variants_and_tashkeel_in_the_index(client, corpus):
    # ى/ي and ة/ه are the same letter for the search, in both directions.
    assert found(client, "حلوي اللوز الطبيعيه", "ar") == [corpus["sweet"].slug]
    assert found(client, "حلوى", "ar") == [corpus["sweet"].slug]
    # The tashkeel of the indexed name does not hide it from a bare query.
    assert corpus["argan_ar"].slug in found(client, "التجميلي", "ar")


@pytest.mark.parametrize("query", ["berbere", "berbère", "BERBÈRE", "tapis berbères", "Tapis"])
def test_french_accent_fold_and_plurals(client, corpus, query):
    assert found(client, query) == [corpus["rug"].slug]


def test_french_plurals_and_elision(client, corpus):
    oils = found(client, "huile")
    assert oils[:2] and set(oils) >= {corpus["argan"].slug, corpus["olive"].slug}
    assert set(found(client, "huiles d'olive")) == {corpus["olive"].slug}
    assert corpus["argan"].slug in found(client, "l'huile d'argan")


def test_english_stems(client, corpus):
    assert set(found(client, "olive oil", "en")) == {corpus["olive"].slug}
    assert set(found(client, "almond", "en")) == {corpus["amlou"].slug, corpus["sweet"].slug}
    assert found(client, "honeys", "en") == [corpus["honey"].slug]
    assert found(client, "saffrons", "en") == [corpus["saffron"].slug]


def test_latin_words_find_arabic_only_products(client, corpus):
    # The Arabic-only cosmetic has no Latin text but its transliteration.
    assert corpus["argan_ar"].slug in found(client, "argan", "en")
    assert corpus["argan_ar"].slug in found(client, "zit argan", "fr")
    # The amlou itself first, then the other product of the amlou category.
    assert found(client, "amlou", "en") == [corpus["amlou"].slug, corpus["sweet"].slug]


def test_the_page_language_ranks_first(client, make_product, categories):
    english = make_product(name_fr="Savon noir", name_en="Argan soap", category="cosmetics")
    french = make_product(name_fr="Savon à l'argan", name_en="Black soap", category="cosmetics")
    assert found(client, "argan", "en") == [english.slug, french.slug]
    assert found(client, "argan", "fr") == [french.slug, english.slug]


@pytest.mark.parametrize(
    "typo,key,suggestion",
    [
        ("argn", "argan", "argan"),
        ("safrn", "saffron", "safran"),
        ("miell", "honey", None),
        ("taliuine", "saffron", "taliouine"),
        ("amlo", "amlou", "amlou"),
    ],
)
def test_typos_find_the_product(client, corpus, typo, key, suggestion):
    html = client.get(f"/fr/search?q={quote(typo)}").get_data(as_text=True)
    assert corpus[key].slug in slugs(html)
    if suggestion:
        link = f"/fr/search?q={suggestion}"
        assert f'href="{link}" rel="nofollow"><strong>{suggestion}</strong>' in html


def test_no_suggestion_when_the_words_are_found(client, corpus):
    html = client.get("/fr/search?q=safran").get_data(as_text=True)
    assert 'class="did-you-mean"' not in html


def test_short_words_are_not_fuzzy(client, corpus):
    # "mil" is 3 letters: no typo allowed, so no "miel".
    assert found(client, "mil") == []


def _facet_options(html: str, name: str) -> dict[str, int]:
    select = re.search(rf'<select id="s-{name}" name="{name}">(.*?)</select>', html, re.S).group(1)
    return {
        value: int(count)
        for value, count in re.findall(
            r'<option value="([^"]+)"[^>]*>[^<]*\((\d+)\)</option>', select
        )
    }


def test_facet_counts_match_the_filters(client, corpus):
    for query, fixed in (
        ("huile", {}),
        ("huile", {"certification": "organic"}),
        ("amandes", {"in_stock": "1"}),
        ("argan", {"region": "9"}),
    ):
        extra = "".join(f"&{k}={v}" for k, v in fixed.items())
        html = client.get(f"/fr/search?q={query}{extra}").get_data(as_text=True)
        for name in ("category", "region", "certification", "cooperative"):
            options = _facet_options(html, name)
            assert options or name in (*fixed, "certification")
            for value, count in options.items():
                args = {**fixed, name: value}
                assert len(found(client, query, **args)) == count, (query, args)
    html = client.get("/fr/search?q=huile").get_data(as_text=True)
    assert _facet_options(html, "region") == {"9": 1, "2": 1}
    assert _facet_options(html, "certification") == {"organic": 2, "igp": 1}
    # A chosen region keeps the other regions' counts (its own filter is left out).
    narrowed = client.get("/fr/search?q=huile&region=9").get_data(as_text=True)
    assert _facet_options(narrowed, "region") == {"9": 1, "2": 1}
    assert _facet_options(narrowed, "certification") == {"organic": 1, "igp": 1}


def test_filters_sorting_and_price(client, corpus):
    assert found(client, "huile", sort="price_asc") == [corpus["olive"].slug, corpus["argan"].slug]
    assert found(client, "huile", sort="price_desc") == [corpus["argan"].slug, corpus["olive"].slug]
    assert found(client, "huile", max_price="100") == [corpus["olive"].slug]
    assert found(client, "amandes", in_stock="1") == [corpus["sweet"].slug]
    assert found(client, "huile", category="food") == found(client, "huile")
    assert found(client, "huile", sort="nonsense", region="99") == found(client, "huile")


def test_snippets_are_highlighted_and_escaped(client, make_product, categories):
    make_product(name_fr="Huile <b>argan</b> & miel")
    html = client.get("/fr/search?q=argan").get_data(as_text=True)
    snippet = re.search(r'<p class="search-snippet" lang="fr" dir="ltr">(.*?)</p>', html).group(1)
    assert snippet == "Huile &lt;b&gt;<mark>argan</mark>&lt;/b&gt; &amp; miel"


def test_pagination_keeps_the_query(client, make_product, make_cooperative):
    coop = make_cooperative()
    for i in range(30):
        make_product(name_fr=f"Miel numéro {i}", category="honey", cooperative=coop)
    first = client.get("/fr/search?q=miel").get_data(as_text=True)
    second = client.get("/fr/search?q=miel&page=2").get_data(as_text=True)
    assert len(slugs(first)) == 24 and len(slugs(second)) == 6
    assert not set(slugs(first)) & set(slugs(second))
    assert 'rel="next" href="/fr/search?q=miel&amp;page=2"' in first
    assert "30 produits" in first
    assert slugs(client.get("/fr/search?q=miel&page=9").get_data(as_text=True)) == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        "*",
        "~",
        ":",
        "[",
        "]",
        "(",
        ")",
        "{}",
        "\\",
        "%",
        "_",
        "%_%",
        "AND OR NOT",
        "argan~2",
        "name_fr:argan",
        "\"huile d'argan",
        "argan*",
        "*:*",
        "[a TO z]",
        "+-&&||!^",
        "' OR 1=1 --",
        "a" * 5000,
        "argan " * 300,
        "زيت argan oil ميل",
        "\u200f\u200e\u202e",
        "🫒🍯",
        "\x00\x01",
        "NaN",
        "0",
        "ـــ",
        "َُِ",
        "ال",
        "SKU-%",
    ],
)
def test_malformed_queries_never_raise(client, corpus, query):
    response = client.get(f"/fr/search?q={quote(query)}")
    suggest = client.get(f"/ar/search/suggest?q={quote(query)}")
    if "\x00" in query:
        # NUL is refused for every request with a translated 400 (shop/params.py).
        assert response.status_code == suggest.status_code == 400
        return
    assert response.status_code == 200
    assert suggest.status_code == 200 and isinstance(suggest.json["suggestions"], list)


def test_mixed_scripts_find_both(client, corpus):
    assert corpus["argan"].slug in found(client, "زيت argan")


def test_codes(client, corpus):
    sku = corpus["saffron"].variants[0].sku
    assert found(client, sku) == [corpus["saffron"].slug]
    assert found(client, sku.lower()) == [corpus["saffron"].slug]


def test_empty_absurd_and_fruitless_queries_get_helpful_pages(client, corpus):
    empty = client.get("/fr/search").get_data(as_text=True)
    assert 'href="/fr/products/?category=argan-oil"' in empty
    absurd = client.get(f"/fr/search?q={quote('*** !!!')}").get_data(as_text=True)
    assert "*** !!!" in absurd and 'href="/fr/products/?category=honey"' in absurd
    nothing = client.get("/en/search?q=chocolate").get_data(as_text=True)
    assert "0 products" in nothing and 'href="/en/products/?category=saffron"' in nothing
    filtered = client.get("/en/search?q=honey&region=2").get_data(as_text=True)
    assert slugs(filtered) == [] and 'href="/en/search?q=honey"' in filtered


def test_suspended_cooperative_products_disappear(client, corpus):
    from producers.models import CooperativeStatus

    assert corpus["rug"].slug in found(client, "tapis")
    corpus["rug"].cooperative.status = CooperativeStatus.SUSPENDED
    db.session.commit()
    assert found(client, "tapis") == []
    html = client.get("/fr/search?q=huile").get_data(as_text=True)
    assert "zitoun" not in _facet_options(html, "cooperative")
    assert found(client, "huile") == [corpus["argan"].slug]


def test_autocomplete_suggestions(client, corpus):
    data = client.get("/fr/search/suggest?q=hu").json
    assert {s["label"] for s in data["suggestions"]} == {
        "Huile d'argan alimentaire",
        "Huiles d'olive vierge extra",
    }
    assert all(
        s["url"].startswith("/fr/products/") and s["lang"] == "fr" for s in data["suggestions"]
    )
    arabic = client.get(f"/ar/search/suggest?q={quote('زي')}").json["suggestions"]
    assert {s["label"] for s in arabic} == {
        "زيت أركان غذائي",
        "زَيْتُ الأَرْكَانِ التَّجْمِيلِيُّ",
        "زيت الزيتون",
    }
    # Names with the article and hamza are found from the bare letters.
    assert {
        s["label"]
        for s in client.get(f"/ar/search/suggest?q={quote('زيت الار')}").json["suggestions"]
    } == {"زيت أركان غذائي", "زَيْتُ الأَرْكَانِ التَّجْمِيلِيُّ"}
    assert client.get("/fr/search/suggest?q=h").json == {"suggestions": []}
    # The name in the page's language, or its fallback marked with its language.
    fallback = client.get(f"/fr/search/suggest?q={quote('زيت')}").json["suggestions"]
    assert {
        "label": "زَيْتُ الأَرْكَانِ التَّجْمِيلِيُّ",
        "lang": "ar",
        "dir": "rtl",
        "url": f"/fr/products/{corpus['argan_ar'].slug}",
    } in fallback


def test_autocomplete_is_capped(client, make_product, make_cooperative):
    coop = make_cooperative()
    for i in range(12):
        make_product(name_fr=f"Miel {i}", cooperative=coop, category="honey")
    assert len(client.get("/fr/search/suggest?q=mie").json["suggestions"]) == 8


def test_results_page_runs_a_bounded_number_of_queries(
    count_queries, client, make_product, make_cooperative
):
    coops = [make_cooperative() for _ in range(4)]

    def queries_with(n: int) -> int:
        for i in range(n):
            make_product(
                name_fr=f"Huile {i}",
                cooperative=coops[i % 4],
                certifications=("organic",),
                variants=2,
            )
        client.get("/fr/search?q=huile")
        with count_queries() as statements:
            assert client.get("/fr/search?q=huile").status_code == 200
        return len(statements)

    assert queries_with(5) == queries_with(60)


def test_hidden_products_are_not_found(client, make_product, categories):
    make_product(name_fr="Brouillon de miel", status=ProductStatus.DRAFT)
    make_product(name_fr="Miel archivé", status=ProductStatus.ARCHIVED)
    assert found(client, "miel") == []


def test_the_cooperative_menu_offers_the_most_hits_ties_by_slug(
    client, monkeypatch, make_cooperative, make_product
):
    """The busiest cooperatives for the search, equal counts in slug order, on both backends."""
    from catalog import queries

    monkeypatch.setattr(queries, "MENU_COOPERATIVES", 3)
    # Created out of slug order, so that neither ids nor indexing order give the slugs'.
    for slug, products in (("dir", 1), ("chifaa", 2), ("baraka", 1), ("amal", 1), ("ennour", 3)):
        coop = make_cooperative(slug=slug, legal_name=slug.title())
        for _ in range(products):
            make_product(name_fr="Miel de montagne", cooperative=coop)
    db.session.commit()
    html = client.get("/fr/search?q=miel").get_data(as_text=True)
    options = _facet_options(html, "cooperative")
    assert options == {"amal": 1, "chifaa": 2, "ennour": 3}
    chosen = client.get("/fr/search?q=miel&cooperative=dir").get_data(as_text=True)
    assert set(_facet_options(chosen, "cooperative")) == {"amal", "chifaa", "dir", "ennour"}
