"""A cooperative records a lot's story, and shoppers read it, in a real browser (issue #14).

- The trace-event form speaks plain words (no GRM/KGM, no "ObjectEvent", no
  UTC offset) and marks the field a missing value belongs to.
- A lot with no event is not "verified": the pages say no step is recorded yet.
- Codes (lot, SKU, order number, "GS1 EPCIS 2.0", "JSON-LD") are isolated and
  never split across lines, in Arabic at 360 px.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from catalog.trace import LotDetails, create_lot
from producers.models import Membership, MembershipRole
from shop.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
UNIT_CODES = re.compile(r"^(GRM|H87|KGM|LTR|MLT)$")

#: How many lines each occurrence of ``text`` takes on the page, and how its
#: nearest element wraps and sets direction (old or new markup alike).
LINES_OF = """(text) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const at = node.data.indexOf(text);
    const parent = node.parentElement;
    if (at < 0 || !parent.getClientRects().length || parent.closest('.visually-hidden, option')) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    const style = getComputedStyle(node.parentElement);
    out.push({lines: tops.size, wrap: style.whiteSpace, bidi: style.unicodeBidi, dir: style.direction});
  }
  return out;
}"""


@pytest.fixture
def coop_and_manager(make_user, make_cooperative):
    coop = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout")
    user = make_user(email="owner@tifaout.ma", name="Fatima")
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    return coop, user


@pytest.fixture
def empty_lot(coop_and_manager, make_product):
    """A lot just created, with a GTIN and no event."""
    coop, _user = coop_and_manager
    product = make_product(
        cooperative=coop,
        name_fr="Huile d’argan alimentaire torréfiée",
        name_ar="زيت أركان غذائي محمص",
        name_en="Roasted culinary argan oil",
    )
    product.variants[0].gtin = "06111234567895"
    lot = create_lot(
        coop,
        product.variants[0],
        "ARG-2611",
        LotDetails(quantity_produced=120, produced_on=date(2026, 11, 2), commune="Aït Baha"),
    )
    db.session.commit()
    return lot


def log_in(page, live_server, user, lang: str) -> None:
    page.goto(f"{live_server}/{lang}/account/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def assert_whole(page, text: str) -> None:
    """``text`` is on the page, each time on one line, isolated and left to right."""
    found = page.evaluate(LINES_OF, text)
    assert found, text
    for item in found:
        assert item["lines"] == 1, (text, found)
        assert item["wrap"] == "nowrap" and item["bidi"] == "isolate", (text, found)
        assert item["dir"] == "ltr", (text, found)


# ---------------------------------------------------------------- no event yet


def test_a_lot_without_events_is_not_shown_verified(live_server, page_at, shoot, empty_lot):
    for lang in ("ar", "fr"):
        for size in ("phone", "desktop"):
            page = page_at(size)
            page.goto(f"{live_server}/{lang}/trace/{empty_lot.public_id}")
            state = page.locator(".chain-state")
            assert state.count() == 1 and "chain-empty" in state.get_attribute("class")
            assert page.locator(".chain-ok").count() == 0
            # Neutral: not the green of a verified story.
            assert state.evaluate("e => getComputedStyle(e).borderColor") != page.evaluate(
                "getComputedStyle(document.documentElement).getPropertyValue('--olive')"
            )
            shoot(page, f"trace-empty-{lang}-{size}")
        page = page_at("phone")
        page.goto(f"{live_server}/{lang}/trace/{empty_lot.public_id}/label")
        assert page.locator(".chain-empty").is_visible()
        shoot(page, f"trace-empty-label-{lang}-phone")


# ---------------------------------------------------------------- the trace-event form


@pytest.mark.parametrize(("lang", "size"), [("ar", "phone"), ("fr", "desktop")])
def test_the_event_form_in_plain_words(
    live_server, page_at, shoot, coop_and_manager, empty_lot, lang, size
):
    _coop, user = coop_and_manager
    page = page_at(size, locale="ar-MA" if lang == "ar" else "fr-FR")
    log_in(page, live_server, user, lang)
    page.goto(f"{live_server}/{lang}/producer/tifaout/lots/{empty_lot.id}")
    # No green "verified" over an empty chain.
    assert page.locator("p.flash.chain-empty").is_visible()
    assert page.locator("p.flash-success", has_text=re.compile("Vérifié|تم التحقق")).count() == 0

    units = page.locator("#outputs-0-uom option").all_inner_texts()
    assert len(units) == 5 and not any(UNIT_CODES.match(u.strip()) for u in units), units
    kinds = page.locator("#event_type option").all_inner_texts()
    assert not any("Event" in kind for kind in kinds), kinds
    assert page.locator("select[name=offset]").count() == 0
    assert "Casablanca" in page.locator("#occurred_at-hint").inner_text() or lang == "ar"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page.input_value("#occurred_at"))
    shoot(page, f"trace-form-{lang}-{size}")

    # A material without its quantity: that quantity is marked, the rest kept.
    page.fill("#occurred_at", "2025-07-10T09:00")
    page.select_option("#step", "collecting")
    page.select_option("#action", "ADD")
    page.fill(f"#description_{lang}", "Ramassage des fruits" if lang == "fr" else "جمع الثمار")
    page.select_option("#outputs-0-material", "argan-fruit")
    page.locator("#record button[type=submit]").click()
    page.wait_for_load_state()
    quantity = page.locator("#outputs-0-quantity")
    assert quantity.get_attribute("aria-invalid") == "true"
    error = page.locator("#outputs-0-quantity-error")
    assert error.is_visible()
    # The message sits with its field, not only at the top of the page.
    assert error.evaluate(
        "e => e.closest('.field').contains(document.getElementById('outputs-0-quantity'))"
    )
    assert page.locator("[aria-invalid=true]").count() == 1
    assert page.input_value("#outputs-0-material") == "argan-fruit"
    assert page.input_value("#occurred_at") == "2025-07-10T09:00"
    shoot(page, f"trace-form-error-{lang}-{size}")

    page.fill("#outputs-0-quantity", "300")
    page.locator("#record button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".timeline-event").count() == 1
    assert page.locator("p.flash-success").count() >= 1  # recorded, and now verified
    shoot(page, f"trace-form-recorded-{lang}-{size}")


# ---------------------------------------------------------------- codes in right-to-left


def test_codes_stay_whole_in_arabic(live_server, page_at, shoot, app, coop_and_manager, empty_lot):
    from orders.models import PaymentMethod
    from orders.services import Address
    from orders.shipping import ensure_default_rates
    from tests.factories import place_confirmed

    coop, user = coop_and_manager
    ensure_default_rates()
    variant = empty_lot.variant
    variant.sku = "TIFA-ARGAN-01-250"
    variant.stock = 20
    db.session.commit()
    with app.test_request_context():  # the order's mail links need a request
        order, _token = place_confirmed(
            {variant.sku: 2},
            Address(
                full_name="سلمى بناني",
                email="salma@example.ma",
                phone="+212612345678",
                address_line="12 زنقة البرتقال",
                city="الدار البيضاء",
                postal_code="20250",
                country="MA",
                region_code=6,
            ),
            PaymentMethod.COD,
            "ar",
            None,
        )
    db.session.commit()

    page = page_at("phone", locale="ar-MA")
    page.goto(f"{live_server}/ar/trace/{empty_lot.public_id}")
    for code in ("GS1 EPCIS 2.0", "JSON-LD", "ARG-2611"):
        assert_whole(page, code)
    shoot(page, "trace-codes-ar-phone")

    log_in(page, live_server, user, "ar")
    for path, name in (
        ("parcels", "parcels"),
        ("lots", "lots"),
        (f"lots/{empty_lot.id}", "lot"),
        ("stock", "stock"),
    ):
        page.goto(f"{live_server}/ar/producer/tifaout/{path}")
        for code in (variant.sku, order.number, "ARG-2611"):
            if page.evaluate(LINES_OF, code):
                assert_whole(page, code)
        shoot(page, f"trace-codes-{name}-ar-phone")
    page.goto(f"{live_server}/ar/producer/tifaout/parcels")
    assert_whole(page, variant.sku)
    assert_whole(page, order.number)
