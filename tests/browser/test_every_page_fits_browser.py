"""Every HTML page fits a 360 px phone, in Arabic and French (issue #14).

The walk enumerates the GET routes of ``app.url_map``, so a page added later
is walked automatically, and the walk fails until that page opens (200, HTML)
and fits, or until SKIP names it with a reason (files, redirects, JSON). Each page is
opened by the role that sees it (anonymous for the shop, a signed-in shopper
for the account, the cooperative's owner for the workspace, an administrator
for the back office) over a small world in which every list has rows: two cooperatives
with products, pictures, a certificate, members, a lot with its story, an
order whose parcels are in several states, a refund, a payout batch, a
statement month, an application in progress.

A page that scrolls sideways is screenshotted under screenshots/ with the
elements that stick out; ``WALK_SHOTS=1`` screenshots every page.
"""

from __future__ import annotations

import io
import os
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image, ImageDraw

from catalog.models import Certification, CertificationKind
from catalog.services import add_image
from catalog.trace import (
    Action,
    Contribution,
    ContributionKind,
    EventType,
    LotDetails,
    Quantity,
    Step,
    create_lot,
    record_trace_event,
)
from orders import cancellation, refunds
from orders.models import PaymentMethod
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import CooperativeStatus, DocumentKind, Member, Membership, MembershipRole
from producers.money import payouts, statements
from producers.services import add_document, save_application
from shop.accounts.services import make_registration_token, make_reset_token
from shop.extensions import db
from tests.browser.conftest import PHONE, SCREENSHOTS, TAKE_SHOTS
from tests.factories import place_confirmed
from tests.test_fuzz import url_for_rule, variable_names

pytestmark = pytest.mark.browser

LANGS = ("ar", "fr")
LOCALES = {"ar": "ar-MA", "fr": "fr-FR"}
PASSWORD = "correct horse battery"
ADMIN = "admin@taawon.ma"
#: A long address, the kind that pushed tables out of a phone before.
OWNER = "fatima-zahra.ait-benhaddou@cooperative-tifaout-argan.ma"
SHOPPER = "khadija.el-mansouri-bennani.casablanca@example.com"
TAKE_ALL_SHOTS = os.environ.get("WALK_SHOTS") == "1"

#: GET routes not walked, and why. Everything else must answer 200 with HTML.
SKIP = {
    # Files, feeds and data, not pages.
    "/static/<path:filename>": "files on disk",
    "/media/<path:name>": "product pictures",
    "/robots.txt": "text",
    "/sitemap.xml": "XML",
    "/sitemaps/<any(pages, cooperatives, products):kind>-<int:number>.xml": "XML",
    "/healthz": "a probe's JSON",
    "/<lang:lang>/search/suggest": "autocomplete JSON",
    "/trace/<public_id>.jsonld": "EPCIS JSON-LD",
    "/trace/<public_id>/qr.<any(svg, png):kind>": "a QR picture",
    "/trace/<public_id>/events/<int:sequence>/evidence": "an evidence file",
    "/<lang:lang>/admin/lots/<int:lot_id>/events/<int:sequence>/evidence": "an evidence file",
    "/<lang:lang>/producer/<slug>/lots/<int:lot_id>/events/<int:sequence>/evidence": (
        "an evidence file"
    ),
    "/<lang:lang>/admin/certificates/<int:certificate_id>/document": "a certificate's PDF",
    "/<lang:lang>/producer/<slug>/certificates/<int:certificate_id>/document": (
        "a certificate's PDF"
    ),
    "/<lang:lang>/admin/documents/<int:id>": "an application document",
    "/<lang:lang>/producer/<slug>/documents/<int:document_id>": "an application document",
    "/<lang:lang>/admin/payouts/<int:batch_id>/bank.csv": "CSV",
    "/<lang:lang>/producer/<slug>/distribution.csv": "CSV",
    "/<lang:lang>/producer/<slug>/sales/<figure>.csv": "CSV",
    "/<lang:lang>/admin/figures/<figure>.csv": "CSV",
    "/<lang:lang>/producer/<slug>/statements/<int:year>/<int:month>.csv": "CSV",
    "/<lang:lang>/orders/<number>/invoices/<int:invoice_id>.pdf": "an invoice's PDF",
    "/<lang:lang>/producer/<slug>/invoices/<int:invoice_id>.pdf": "an invoice's PDF",
    "/<lang:lang>/admin/invoices/<int:invoice_id>.pdf": "an invoice's PDF",
    # Redirects to pages walked under their own rule.
    "/": "redirects to the visitor's language",
    "/trace/<public_id>": "redirects to the trace page in the visitor's language",
    "/01/<gtin>/10/<code>": "GS1 Digital Link: redirects to the trace page",
    "/c/<token>": "a text's short confirmation link: redirects to the confirm page",
    # Photos sent in conversations (orders/threads).
    "/<lang:lang>/messages/<int:thread_id>/photos/<int:message_id>": "a message's photo",
    "/<lang:lang>/producer/<slug>/inbox/<int:thread_id>/photos/<int:message_id>": "a photo",
    "/<lang:lang>/admin/threads/<int:thread_id>/photos/<int:message_id>": "a message's photo",
    "/a/<token>": "a stock alert text's short link: redirects to the alert's page",
}

#: Pages of a signed-in shopper (the application form is for someone with no cooperative yet).
SHOPPER_PAGES = {
    "/<lang:lang>/account/",
    "/<lang:lang>/account/orders",
    "/<lang:lang>/account/messages",
    "/<lang:lang>/account/password",
    "/<lang:lang>/producer/apply",
    "/<lang:lang>/messages/",
    "/<lang:lang>/messages/ask/<int:product_id>",
    "/<lang:lang>/messages/<int:thread_id>",
    "/<lang:lang>/messages/order/<number>/<int:cooperative_id>",
    "/<lang:lang>/orders/<number>/review/<int:line_id>",
}
ROLES = ("anonymous", "shopper", "owner", "admin")
#: Pages screenshotted by ``make screenshots`` (the others only when they overflow).
SCREENSHOT_SAMPLE = {
    "/<lang:lang>/trace/<public_id>",
    "/<lang:lang>/admin/orders",
    "/<lang:lang>/producer/<slug>/parcels",
    "/<lang:lang>/checkout",
}


#: What sticks out of the viewport sideways and is not inside a scroller: elements
#: and text. A right-to-left page does not scroll towards its right edge, so
#: what sticks out there is cut off without making ``scrollWidth`` grow; the
#: rectangles show it in both directions.
STICKING_OUT = """() => {
  const w = document.documentElement.clientWidth, out = [];
  const contained = (el) => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const outside = (r) => r.width > 0 && r.height > 0 && (r.left < -1 || r.right > w + 1);
  for (const el of document.querySelectorAll('body *')) {
    if (outside(el.getBoundingClientRect()) && !contained(el.parentElement)) out.push(name(el));
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.data.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    if (outside(range.getBoundingClientRect()) && !contained(node.parentElement)) {
      out.push(name(node.parentElement) + ' "' + node.data.trim().slice(0, 40) + '"');
    }
  }
  return [...new Set(out)].slice(0, 8);
}"""


#: Texts a phone must show whole, not cut at the edge of a sideways scroller
#: (an admin reading the orders on an Arabic phone saw half of each e-mail).
SEEN_WHOLE = {
    "/<lang:lang>/admin/orders": (SHOPPER, OWNER, "Coopérative féminine Tifaout"),
    "/<lang:lang>/admin/certificates": (
        "BIO-MA-2025-000123-ECOCERT",
        "Coopérative féminine Tifaout",
    ),
    "/<lang:lang>/admin/audit": (ADMIN,),
}
#: The texts among ``needles`` that are missing or cut by the viewport or a scroller.
CUT = """(needles) => {
  const w = document.documentElement.clientWidth, cut = [];
  for (const needle of needles) {
    let seen = 0, whole = true;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.includes(needle)) continue;
      seen += 1;
      const frames = [{left: 0, right: w}];
      for (let a = node.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') frames.push(a.getBoundingClientRect());
      }
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (r.width && frames.some((f) => r.left < f.left - 1 || r.right > f.right + 1)) whole = false;
      }
    }
    if (!seen || !whole) cut.push(needle);
  }
  return cut;
}"""


def role_for(rule: str) -> str:
    """Who opens a page: the back office is the admin's, the workspace the owner's."""
    if rule.startswith("/<lang:lang>/admin/"):
        return "admin"
    if rule in SHOPPER_PAGES:
        return "shopper"
    if rule.startswith("/<lang:lang>/producer/"):
        return "owner"
    return "anonymous"


def rules_to_walk(app) -> list[str]:
    return sorted(
        {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and r.rule not in SKIP}
    )


def test_skipped_routes_exist(app):
    """SKIP names only routes that exist (the walk itself checks that it opened all others)."""
    registered = {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}
    assert set(SKIP) <= registered, "a skipped route no longer exists: drop it from SKIP"
    assert {role_for(rule) for rule in registered - set(SKIP)} == set(ROLES)


# ---------------------------------------------------------------- the world


def picture(colour: str) -> bytes:
    img = Image.new("RGB", (640, 480), colour)
    ImageDraw.Draw(img).ellipse((160, 80, 480, 400), fill="white")
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def address(email: str) -> Address:
    return Address(
        email=email,
        phone="+212612345678",
        full_name="Khadija El Mansouri Bennani",
        address_line="Résidence Al Boustane, immeuble 14, appartement 7, boulevard Abdelmoumen",
        city="Casablanca",
        postal_code="20250",
        country="MA",
        region_code=6,
    )


@pytest.fixture
def world(app, make_user, make_cooperative, make_product) -> dict[str, Any]:
    """Every list of every page has rows; returns the URL variables' values."""
    with app.test_request_context("/fr/"):  # order and team mails build links
        return _world(make_user, make_cooperative, make_product)


def _world(make_user, make_cooperative, make_product) -> dict[str, Any]:
    ensure_default_rates()
    admin = make_user(email=ADMIN, name="Salma Admin", is_admin=True)
    owner = make_user(email=OWNER, name="Fatima-Zahra Aït Benhaddou")
    tifaout = make_cooperative(
        slug="tifaout",
        legal_name="Coopérative féminine Tifaout pour l'huile d'argan biologique de Taliouine",
        rib="011519000001205000534921",
        rib_holder="COOPERATIVE FEMININE TIFAOUT",
        ice="001234567000062",
        email="contact.cooperative.tifaout.argan@gmail.com",
    )
    nahla = make_cooperative(
        slug="nahla", legal_name="تعاونية النحلة الذهبية لإنتاج العسل الحر بجبال الأطلس"
    )
    db.session.add(Membership(user=owner, cooperative=tifaout, role=MembershipRole.OWNER))
    certificate = Certification(
        cooperative=tifaout,
        kind=CertificationKind.ORGANIC,
        number="BIO-MA-2025-000123-ECOCERT",
        issuer="Ecocert Maroc",
        valid_until=date.today() + timedelta(days=20),
        document_name="certificat-bio-ecocert-2025.pdf",
    )
    db.session.add(certificate)
    db.session.commit()

    oil = make_product(
        cooperative=tifaout,
        name_fr="Huile d'argan alimentaire torréfiée de première pression à froid",
        name_ar="زيت أركان غذائي محمص من العصرة الأولى على البارد",
        name_en="Roasted culinary argan oil, first cold pressing",
        price=14_500,
        stock=40,
        variants=3,
        certifications=("organic",),
    )
    oil.variants[0].gtin = "06111234567895"
    honey = make_product(
        cooperative=nahla,
        name_fr="Miel de thym sauvage",
        name_ar="عسل الزعتر البري",
        price=9_000,
        stock=30,
        category="honey",
    )
    add_image(oil, picture("#b5651d"))
    add_image(honey, picture("#e0a526"))
    members = [
        Member(cooperative=tifaout, full_name=name, role=role)
        for name, role in (
            ("عائشة أيت لحسن بن عبد الرحمان", "الرئيسة"),
            ("Fatima Id Brahim Oulhaj", "Trésorière"),
            ("خديجة أوبلا", ""),
        )
    ]
    db.session.add_all(members)
    db.session.flush()
    lot = create_lot(
        tifaout,
        oil.variants[0],
        "ARG-2025-0812-TAL",
        LotDetails(
            quantity_produced=300,
            produced_on=date(2025, 8, 12),
            best_before=date(2027, 2, 3),
            commune="Aït Baha",
            province="Chtouka Aït Baha",
            latitude=Decimal("30.0675"),
            longitude=Decimal("-9.1536"),
        ),
        certifications=[certificate],
        contributions=[
            Contribution(m, ContributionKind.KG_SUPPLIED, Decimal(kg))
            for m, kg in zip(members, ("120", "80.5", "45"))
        ],
    )
    morocco = timezone(timedelta(hours=1))
    for day, (kind, step, action, inputs, outputs) in enumerate(
        (
            (EventType.OBJECT, Step.COLLECTING, Action.ADD, [], [("argan-fruit", 1200, "KGM")]),
            (
                EventType.TRANSFORMATION,
                Step.PRESSING,
                None,
                [("argan-kernels", 75, "KGM")],
                [("argan-oil", 30, "LTR")],
            ),
            (
                EventType.TRANSFORMATION,
                Step.BOTTLING,
                None,
                [("argan-oil", 30, "LTR")],
                [("lot", 300, "H87")],
            ),
        ),
        start=1,
    ):
        record_trace_event(
            lot,
            tifaout,
            event_type=kind,
            step=step,
            action=action,
            occurred_at=datetime(2025, 8, day, 9, tzinfo=morocco),
            description={"fr": "Étape enregistrée par la coopérative.", "ar": "مرحلة مسجلة."},
            inputs=[Quantity(m, Decimal(q), u) for m, q, u in inputs],
            outputs=[Quantity(m, Decimal(q), u) for m, q, u in outputs],
        )
    db.session.commit()

    # Orders: one delivered long ago (paid out), one shipped, one to prepare, one cancelled.
    shopper = make_user(email=SHOPPER, name="Khadija El Mansouri")
    delivered, _ = place_confirmed(
        {oil.variants[0].sku: 3, honey.variants[0].sku: 1},
        address(SHOPPER),
        PaymentMethod.COD,
        "fr",
        user_id=shopper.id,
    )
    db.session.commit()
    for parcel in delivered.shipments:
        mark_shipped(parcel, "Amana", "RR123456789MA")
        mark_delivered(parcel)
        mark_cash_remitted(parcel)
        parcel.delivered_at -= timedelta(days=15)
    db.session.commit()
    line = next(x for x in delivered.lines if x.variant_id == oil.variants[0].id)
    refunds.create_refund(delivered, {line.id: 1}, (), "Bouteille cassée à la livraison", admin)
    db.session.commit()
    from catalog.reviews.services import add_review, reply_to_review

    review = add_review(  # reviews (#18): the product page, the workspace and admin lists
        product_id=oil.id,
        cooperative_id=tifaout.id,
        order_line_id=line.id,
        user_id=shopper.id,
        author_name="Khadija E.",
        rating=4,
        body="Une huile délicieuse, au goût de noisette grillée ; livrée bien emballée.",
        locale="fr",
    )
    reply_to_review(review, "شكرا جزيلا على ثقتكم، نتمنى أن ينال إعجابكم دائما.", "ar", owner)
    review.report_count = 1
    unreviewed = next(x for x in delivered.lines if x.id != line.id)
    db.session.commit()
    payouts.run_payouts()
    db.session.commit()
    shipped, _ = place_confirmed(
        {oil.variants[1].sku: 2}, address(SHOPPER), PaymentMethod.COD, "ar", user_id=owner.id
    )
    db.session.commit()
    mark_shipped(shipped.shipments[0], "Amana", "RR987654321MA")
    waiting, token = place_confirmed(
        {oil.variants[2].sku: 1, honey.variants[0].sku: 2},
        address(SHOPPER),
        PaymentMethod.COD,
        "ar",
    )
    cancelled, _ = place_confirmed(
        {oil.variants[0].sku: 1}, address(OWNER), PaymentMethod.COD, "fr"
    )
    db.session.commit()
    cancellation.admin_cancel(cancelled, "Doublon", admin)
    db.session.commit()

    # A question about the oil, answered, then reported (orders/threads).
    from orders.threads import services as threads

    thread = threads.start_about_product(
        shopper, oil, "L'huile est-elle pressée à froid ? Appelez-moi au 06 12 34 56 78.", None
    )
    threads.add_message(thread, owner, "Oui, pressée à froid à Taliouine.", from_cooperative=True)
    threads.report(thread, shopper, "Test")
    db.session.commit()

    # An application in progress with its papers, by the same owner.
    draft = save_application(
        owner,
        {
            "legal_name": "Coopérative Tamount des plantes aromatiques et médicinales",
            "region_code": 9,
            "email": OWNER,
            "story_fr": "Une coopérative de femmes.",
        },
    )
    add_document(draft, DocumentKind.REGISTRATION, "attestation-odco-inscription.pdf", PDF)
    add_document(tifaout, DocumentKind.ONSSA, "autorisation-sanitaire-onssa-2025.pdf", PDF)
    db.session.commit()
    assert draft.status == CooperativeStatus.DRAFT

    batch = db.session.scalar(db.select(payouts.PayoutBatch))
    from catalog.favourites.alerts import alert_token
    from orders import carriers
    from orders.services.confirmation import confirm_token

    carriers.ensure_default_carriers()
    db.session.commit()
    amana = carriers.find("Amana")
    now = statements.local_now()
    return {
        "values": {
            "slug": tifaout.slug,
            "id": str(tifaout.id),
            "product_id": str(oil.id),
            "variant_id": str(oil.variants[0].id),
            "lot_id": str(lot.id),
            "member_id": str(members[0].id),
            "number": waiting.number,
            "shipment_id": str(delivered.shipments[0].id),
            "public_id": lot.public_id,
            "batch_id": str(batch.id),
            "carrier_id": str(amana.id),
            "year": str(now.year),
            "month": str(now.month),
            "token": "",
            "thread_id": str(thread.id),
        },
        "overrides": {
            "/<lang:lang>/products/<slug>": {"slug": oil.slug},
            "/<lang:lang>/producer/apply/<slug>": {"slug": draft.slug},
            "/<lang:lang>/admin/orders/<number>": {"number": delivered.number},
            "/<lang:lang>/account/register/<token>": {
                "token": make_registration_token("nouvelle@example.com", "Nadia", "fr")
            },
            "/<lang:lang>/account/reset/<token>": {"token": make_reset_token(shopper)},
            "/<lang:lang>/confirm/<token>": {"token": confirm_token(waiting)},
            "/<lang:lang>/messages/order/<number>/<int:cooperative_id>": {
                "number": delivered.number,
                "cooperative_id": str(tifaout.id),
            },
            "/<lang:lang>/stock-alerts/<token>": {
                "token": alert_token(oil.variants[0].id, SHOPPER, "")
            },
            "/<lang:lang>/orders/<number>/review/<int:line_id>": {
                "number": delivered.number,
                "line_id": str(unreviewed.id),
            },
        },
        "query": {"/<lang:lang>/orders/<number>": f"?token={token}"},
        "cart": oil.slug,
    }


# ---------------------------------------------------------------- the walk


def url_of(rule: str, lang: str, world: dict[str, Any]) -> str:
    values = {**world["values"], **world["overrides"].get(rule, {}), "lang": lang}
    missing = set(variable_names(rule)) - set(values)
    assert not missing, f"{rule}: give the world a value for {missing}"
    return url_for_rule(rule, values) + world["query"].get(rule, "")


def open_as(browser, base: str, role: str, lang: str, world: dict[str, Any]):
    """One context per role and language, signed in, with a cart for the checkout."""
    context = browser.new_context(viewport=PHONE, locale=LOCALES[lang])
    page = context.new_page()
    page.set_default_timeout(15_000)
    if role == "anonymous":
        page.goto(f"{base}/{lang}/products/{world['cart']}")
        page.locator("form.buy-form button[type=submit]").first.click()
        page.wait_for_load_state()
    else:
        page.goto(f"{base}/{lang}/account/login")
        page.fill("#email", {"admin": ADMIN, "owner": OWNER, "shopper": SHOPPER}[role])
        page.fill("#password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert "/account/login" not in page.url, f"{role} could not log in"
    return context, page


def check(page, base: str, rule: str, url: str) -> list[str]:
    """Open one page; what is wrong with it on a phone (nothing: an empty list)."""
    response = page.goto(base + url)
    kind = response.headers.get("content-type", "") if response else ""
    if response is None or response.status != 200 or not kind.startswith("text/html"):
        return [f"{response.status if response else None} {kind}"]
    if response.request.redirected_from is not None:
        return [f"redirected to {page.url}"]
    found = []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    out = page.evaluate(STICKING_OUT)
    if overflow > 1 or out:
        found.append(f"{overflow} px too wide {out}")
    cut = page.evaluate(CUT, list(SEEN_WHOLE.get(rule, ())))
    if cut:
        found.append(f"cut off or missing {cut}")
    if found or TAKE_ALL_SHOTS or (TAKE_SHOTS and rule in SCREENSHOT_SAMPLE):
        name = rule.replace("/<lang:lang>/", "").strip("/") or "home"
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        page.screenshot(path=str(SCREENSHOTS / f"walk-{url[1:3]}-{name}.png"), full_page=True)
    return found


@pytest.mark.parametrize("lang", LANGS)  # one test per language: the two run in parallel
def test_every_page_fits_a_phone(app, live_server, browser, world, capsys, lang):
    started = time.monotonic()
    rules = rules_to_walk(app)
    problems: list[str] = []
    fitting: set[str] = set()
    SCREENSHOTS.mkdir(exist_ok=True)
    for role in ROLES:
        context, page = open_as(browser, live_server, role, lang, world)
        for rule in (r for r in rules if role_for(r) == role):
            url = url_of(rule, lang, world)
            found = check(page, live_server, rule, url)
            problems.extend(f"{url} as {role}: {problem}" for problem in found)
            if not found:
                fitting.add(rule)
        context.close()
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\nwalk: {len(rules)} routes in {lang} in {elapsed:.0f} s")
    assert not problems, "\n".join(problems)
    # Every registered GET page but SKIP's was opened and fits.
    registered = {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}
    assert fitting == registered - set(SKIP)
