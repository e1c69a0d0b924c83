"""Key pages have no accessibility violation that axe-core finds (issue #14).

axe-core is the engine behind most accessibility checkers; its file is
vendored as test data (tests/data/axe-core/, MPL-2.0, README there). Each
page is loaded in Chromium, axe is injected and run with its default rules
(WCAG 2.x A and AA, and best practices), and every violation is reported.

Before the fix it found, on every Arabic page, the logo link's accessible
name ("تعاون، الصفحة الرئيسية") leaving out its visible "Taawon"
(``label-content-name-mismatch``, serious); on every phone page, an account
menu with no name (``summary-name``, serious); and, moderate, headings that
skip a level (``heading-order``: listing, search, cooperatives, a lot's
page), a label page without an h1 (``page-has-heading-one``), and two
unnamed search landmarks on the admin's cooperatives page
(``landmark-unique``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.trace import Action, EventType, LotDetails, Quantity, Step, create_lot
from catalog.trace import record_trace_event as record
from producers.models import Membership, MembershipRole
from shop.extensions import db
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "data" / "axe-core" / "axe.min.js"
MOROCCO = timezone(timedelta(hours=1))

#: axe's violations, shortened to what a failure message needs.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
  }));
}"""


@pytest.fixture
def storefront(make_product, make_cooperative):
    """A cooperative, two products, and a lot of the first with a short story."""
    coop = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout")
    product = make_product(
        cooperative=coop,
        name_fr="Huile d’argan alimentaire torréfiée",
        name_ar="زيت أركان غذائي محمص",
        certifications=("organic",),
        variants=2,
    )
    make_product(cooperative=coop, name_fr="Miel de thym", name_ar="عسل الزعتر")
    lot = create_lot(
        coop,
        product.variants[0],
        "ARG-2501",
        LotDetails(
            quantity_produced=300,
            produced_on=date(2025, 8, 12),
            best_before=date(2027, 2, 3),
            commune="Aït Baha",
            latitude=Decimal("30.0675"),
            longitude=Decimal("-9.1536"),
        ),
        certifications=product.certifications,
    )
    record(
        lot,
        coop,
        event_type=EventType.OBJECT,
        step=Step.COLLECTING,
        action=Action.ADD,
        occurred_at=datetime(2025, 8, 1, 9, tzinfo=MOROCCO),
        description={"fr": "Ramassage des fruits.", "ar": "جمع الثمار."},
        inputs=[],
        outputs=[Quantity("argan-fruit", Decimal(1200), "KGM")],
    )
    record(
        lot,
        coop,
        event_type=EventType.TRANSFORMATION,
        step=Step.BOTTLING,
        action=None,
        occurred_at=datetime(2025, 8, 2, 9, tzinfo=MOROCCO),
        description={"fr": "Mise en bouteilles.", "ar": "تعبئة في قنينات."},
        inputs=[Quantity("argan-oil", Decimal(30), "LTR")],
        outputs=[Quantity("lot", Decimal(300), "H87")],
    )
    db.session.commit()
    return product, lot


@pytest.fixture
def axe_page(browser):
    """``axe_page("phone")``: a page that may inject axe (the shop's CSP allows
    no inline script, so the test's context bypasses it)."""
    contexts = []

    def open_page(size: str = "desktop"):
        viewport = PHONE if size == "phone" else DESKTOP
        context = browser.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, live_server, user, lang: str) -> None:
    page.goto(f"{live_server}/{lang}/account/login")
    page.fill("#email", user.email)
    page.fill("#password", "correct horse battery")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/account/login" not in page.url


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_key_pages_have_no_axe_violations(live_server, axe_page, shoot, storefront, size):
    """Home, listing, product, cooperatives and a cooperative, search, trace
    and its label, cart, checkout, login, sell and fair-trade, in ar and fr,
    on a phone and a desktop: no violation.

    On a phone the account menu's label was hidden with ``display: none``,
    which left its ``<summary>`` without a name (``summary-name``, serious).
    """
    product, lot = storefront
    pages = {
        "home": "/{lang}/",
        "listing": "/{lang}/products/",
        "product": f"/{{lang}}/products/{product.slug}",
        "cooperatives": "/{lang}/cooperatives/",
        "cooperative": "/{lang}/cooperatives/tifaout",
        "search": "/{lang}/search?q=argan",
        "trace": f"/{{lang}}/trace/{lot.public_id}",
        "label": f"/{{lang}}/trace/{lot.public_id}/label",
        "login": "/{lang}/account/login",
        "sell": "/{lang}/sell",
        "fair-trade": "/{lang}/fair-trade",
    }
    found: list[str] = []
    for lang in ("ar", "fr"):
        page = axe_page(size)
        for name, url in pages.items():
            response = page.goto(live_server + url.format(lang=lang))
            assert response.status == 200, (name, lang)
            found += [f"{lang} {name}: {v}" for v in violations(page)]
        # The cart and checkout, with something in the cart.
        page.goto(f"{live_server}/{lang}/products/{product.slug}")
        page.locator(".buy-form [type=submit]").click()
        page.wait_for_url("**/cart")
        found += [f"{lang} cart: {v}" for v in violations(page)]
        page.goto(f"{live_server}/{lang}/checkout")
        found += [f"{lang} checkout: {v}" for v in violations(page)]
        page.goto(f"{live_server}/{lang}/")
        shoot(page, f"axe-home-{lang}-{size}")
    assert not found, "\n".join(found)


def test_workspace_and_admin_pages_have_no_axe_violations(
    live_server, axe_page, storefront, make_user
):
    """A cooperative's dashboard, lots, a lot's story and parcels; the admin's
    home, orders, cooperatives and policy."""
    product, lot = storefront
    manager = make_user(email="owner@tifaout.ma")
    db.session.add(
        Membership(user=manager, cooperative=product.cooperative, role=MembershipRole.OWNER)
    )
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    db.session.commit()
    page = axe_page()
    found: list[str] = []
    for lang in ("ar", "fr"):
        log_in(page, live_server, manager, lang)
        for path in ("/", "/lots", f"/lots/{lot.id}", "/parcels"):
            page.goto(f"{live_server}/{lang}/producer/tifaout{path}")
            found += [f"{lang} workspace {path}: {v}" for v in violations(page)]
        page.context.clear_cookies()
        log_in(page, live_server, admin, lang)
        for path in ("/", "/orders", "/cooperatives", "/policy"):
            page.goto(f"{live_server}/{lang}/admin{path}")
            found += [f"{lang} admin {path}: {v}" for v in violations(page)]
        page.context.clear_cookies()
    assert not found, "\n".join(found)
