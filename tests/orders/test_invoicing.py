"""Legal invoices: issued when a parcel ships, credit notes on refunds, numbered without
gaps per cooperative and year, rendered once as bilingual PDFs, sent only to
whoever may see them, and the platform's monthly commission invoices.

The PDFs are opened and their text extracted (pdfminer.six), so every
mention Moroccan rules want is checked in the file itself, in French and in
Arabic.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from datetime import timedelta

import pytest
from click.testing import Result
from PIL import ImageFile
from sqlalchemy import func, select, update

from orders import invoicing, refunds, services
from orders.invoicing import identity, rendering
from orders.invoicing.issuing import period_of
from orders.invoicing.models import Invoice, InvoiceCounter, InvoiceKind
from orders.models import Order, PaymentMethod, Shipment, ShipmentStatus
from orders.services import Address
from producers.models import Membership, MembershipRole
from producers.money import commission
from shop import clock
from shop.digits import ice_check_digits
from shop.extensions import db
from shop.money import ledger
from shop.storage import get_private_storage
from tests.factories import place_confirmed

CASABLANCA = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="Amina Alaoui",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)
PLATFORM = {
    "legal_name": "Taawon SARL",
    "address": "5 boulevard Zerktouni, Casablanca",
    "ice": "0012345670000" + ice_check_digits("0012345670000"),
    "if": "51234567",
    "rc": "RC Casablanca 512345",
    "tp": "35712345",
    "vat_rate_bp": 2000,
}


def pdf_text(data: bytes) -> str:
    """The text of a PDF, Arabic included, with runs of spaces folded."""
    from pdfminer.high_level import extract_text

    return re.sub(r"\s+", " ", extract_text(io.BytesIO(data)))


def fetch(client, url: str):
    """GET ``url``; the response, its body read and its file closed."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def has_arabic(text: str, phrase: str) -> bool:
    """``phrase`` in the extracted text, in logical or visual order (a PDF draws
    right-to-left runs from the left, and extractors read them so)."""
    folded = text.replace(" ", "")
    words = phrase.split()
    variants = {
        "".join(words),  # logical order
        "".join(words)[::-1],  # drawn from the left, read so
        "".join(word[::-1] for word in words),  # each word drawn, words in order
        "".join(word[::-1] for word in reversed(words)),
    }
    return any(variant in folded for variant in variants)


@pytest.fixture
def goods(rates, make_cooperative, make_product):
    """Argan oil at 120 MAD from Tifaout (VAT-exempt), honey at 60 MAD from Nahla (20 % VAT)."""
    tifaout = make_cooperative(
        legal_name="Coopérative Tifaout",
        rc_number="",
        odco_number="2012/45",
        odco_court="Taroudant",
    )
    nahla = make_cooperative(legal_name="Coopérative Nahla", vat_rate_bp=2000)
    oil = make_product(
        cooperative=tifaout, name_fr="Huile d'argan", name_ar="زيت أركان", price=12_000, stock=50
    ).variants[0]
    honey = make_product(
        cooperative=nahla, name_fr="Miel", name_ar="عسل", price=6_000, stock=50, category="honey"
    ).variants[0]
    return oil, honey


def place(wanted: dict, method=PaymentMethod.COD, **address) -> tuple[Order, str]:
    """Place an order; returns it and its guest link's token."""
    where = Address(**{**CASABLANCA.__dict__, **address}) if address else CASABLANCA
    order, token = place_confirmed({v.sku: q for v, q in wanted.items()}, where, method, "fr")
    db.session.commit()
    return db.session.get(Order, order.id), token


def ship(shipment: Shipment) -> Invoice:
    services.mark_shipped(shipment, "Amana", f"RR{shipment.id}MA")
    db.session.commit()
    found = db.session.scalar(
        select(Invoice).where(Invoice.key == f"invoice:shipment:{shipment.id}")
    )
    assert found is not None
    return found


def year() -> int:
    return clock.local_date().year


# ------------------------------------------------------------------ issuing


def test_a_shipped_parcel_gets_its_invoice_numbered_in_its_cooperatives_sequence(goods):
    oil, honey = goods
    order, _token = place({oil: 2, honey: 1})
    (first,) = [s for s in order.shipments if s.cooperative_id == oil.product.cooperative_id]
    (second,) = [s for s in order.shipments if s is not first]
    invoice = ship(first)
    assert invoice.kind == InvoiceKind.INVOICE
    assert invoice.number == f"F-{year()}-000001"
    assert invoice.series == f"coop:{first.cooperative_id}"
    doc = invoice.content
    assert doc["seller"]["name"] == "Coopérative Tifaout"
    assert doc["seller"]["ice"] == first.cooperative.ice
    assert doc["seller"]["if"] and doc["seller"]["tp"]
    assert doc["buyer"]["name"] == "Amina Alaoui"
    assert doc["payment_method"] == "cod"
    # Exempt: no tax, the mention instead; the total is what the shopper pays.
    assert invoice.tax_cents == 0
    assert invoice.total_cents == first.items_cents + first.shipping_cents == 24_000 + 3_500
    assert doc["vat"]["exemption_fr"] == identity.DEFAULT_EXEMPTION_FR
    assert [line["quantity"] for line in doc["lines"]] == [2, 1]  # the oil, then shipping
    # The other cooperative has its own sequence, starting at 1 too.
    other = ship(second)
    assert other.number == f"F-{year()}-000001"
    assert other.series != invoice.series


def test_at_a_vat_rate_the_tax_is_taken_out_of_each_tax_included_price(goods):
    _oil, honey = goods
    order, _token = place({honey: 1})
    invoice = ship(order.shipments[0])
    honey_line, shipping_line = invoice.content["lines"]
    assert (honey_line["net_cents"], honey_line["tax_cents"]) == (5_000, 1_000)
    assert honey_line["rate_bp"] == 2000
    assert (
        shipping_line["net_cents"] + shipping_line["tax_cents"] == order.shipments[0].shipping_cents
    )
    assert invoice.net_cents + invoice.tax_cents == invoice.total_cents == order.total_cents
    assert invoice.content["vat"]["exemption_fr"] == ""


@pytest.mark.parametrize(
    ("total", "rate", "net"),
    [
        (12_000, 2000, 10_000),
        (1, 2000, 1),
        (3_500, 2000, 2_917),
        (10_700, 700, 10_000),
        (999, 0, 999),
    ],
)
def test_net_of_rounds_half_up_and_never_loses_a_centime(total, rate, net):
    assert identity.net_of(total, rate) == net
    assert identity.net_of(-total, rate) == -net


def test_a_rolled_back_shipment_leaves_no_gap(goods):
    oil, _honey = goods
    orders = [place({oil: 1})[0] for _ in range(3)]
    ship(orders[0].shipments[0])
    services.mark_shipped(orders[1].shipments[0], "Amana", "RR2")
    db.session.rollback()  # the parcel did not leave after all: its number goes back
    third = ship(orders[2].shipments[0])
    assert third.number == f"F-{year()}-000002"
    counter = db.session.get(InvoiceCounter, (third.series, year()))
    assert counter.last_number == 2
    assert orders[1].shipments[0].status == ShipmentStatus.TO_PREPARE


def test_shipping_is_refused_until_the_legal_details_are_given(goods, make_cooperative):
    oil, _honey = goods
    order, _token = place({oil: 1})
    coop = order.shipments[0].cooperative
    coop.tax_id = None
    coop.tp_number = ""
    db.session.commit()
    with pytest.raises(invoicing.InvoiceError) as refused:
        services.mark_shipped(order.shipments[0], "Amana", "RR1")
    message = str(refused.value.message)
    assert "IF" in message and "TP" in message and "ICE" not in message
    db.session.rollback()
    assert db.session.scalar(select(func.count(Invoice.id))) == 0


def test_an_invoice_never_changes_once_issued(goods):
    oil, _honey = goods
    invoice = ship(place({oil: 1})[0].shipments[0])
    invoice.total_cents = 1
    with pytest.raises(ValueError, match="never changes"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(Invoice, invoice.id))
    with pytest.raises(ValueError, match="kept"):
        db.session.flush()
    db.session.rollback()


# ------------------------------------------------------------------ the PDF


def test_the_pdf_carries_every_mention_in_french_and_arabic(goods):
    oil, _honey = goods
    order, _token = place({oil: 2})
    shipment = order.shipments[0]
    coop = shipment.cooperative
    invoice = ship(shipment)
    data = rendering.read_pdf(invoice)
    assert data.startswith(b"%PDF")
    # WeasyPrint's import turns this on for the process; the image pipeline needs it off.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    text = pdf_text(data)
    for mention in (
        "Facture",
        invoice.number,
        coop.legal_name,
        coop.ice,
        coop.tax_id,
        coop.tp_number,
        "rue de l'Arganier",
        "Amina Alaoui",
        "12 rue Ibn Battouta",
        order.number,
        "Huile d'argan",
        "Total HT",
        "Total TVA",
        "Total TTC",
        "240,00",  # two units at 120 MAD
        "275,00",  # with 35 MAD shipping
        "Exonérée de TVA",
        "article 91",
        "paiement à la livraison",
        "ICE",
        "IF",
        "TP",
    ):
        assert mention in text, mention
    for mention in (
        "فاتورة",
        "البائع",
        "الزبون",
        "زيت أركان",
        "المجموع مع احتساب الضريبة",
        "معفاة من الضريبة على القيمة المضافة",
        "الدفع عند الاستلام",
        "التعريف الموحد للمقاولة",
    ):
        assert has_arabic(text, mention), mention


def test_the_pdf_is_rendered_once_and_stored_under_its_sha256(goods):
    oil, _honey = goods
    invoice = ship(place({oil: 1})[0].shipments[0])
    assert invoice.pdf_name is None
    name = rendering.ensure_pdf(invoice)
    stored = get_private_storage().read(name)
    digest = hashlib.sha256(stored).hexdigest()
    assert name == f"invoices/{digest}.pdf"
    assert invoice.pdf_sha256 == digest
    # Never rendered again: the recorded file is what every download sends.
    assert rendering.ensure_pdf(invoice) == name
    invoice.pdf_sha256 = "0" * 64
    with pytest.raises(ValueError, match="written once"):
        db.session.flush()
    db.session.rollback()


def test_the_pdf_job_runs_after_the_shipping_commit(goods, app):
    app.config["INVOICE_PDF_AFTER_COMMIT"] = True
    oil, _honey = goods
    invoice = ship(place({oil: 1})[0].shipments[0])
    db.session.refresh(invoice)
    assert invoice.pdf_sha256 is not None
    assert get_private_storage().exists(invoice.pdf_name)


# ------------------------------------------------------------------ credit notes


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@taawon.ma", is_admin=True)


def delivered_cash_order(oil, quantity: int = 2) -> Order:
    order, _token = place({oil: quantity})
    shipment = order.shipments[0]
    ship(shipment)
    services.mark_delivered(shipment)
    services.mark_cash_remitted(shipment)
    db.session.commit()
    return order


def test_a_paid_refund_gets_a_credit_note_that_refers_to_the_invoice(goods, admin):
    oil, _honey = goods
    order = delivered_cash_order(oil)
    invoice = db.session.scalar(select(Invoice).where(Invoice.kind == InvoiceKind.INVOICE))
    refund = refunds.create_refund(order, {order.lines[0].id: 1}, [], "Flacon cassé", admin)
    db.session.commit()
    note = db.session.scalar(select(Invoice).where(Invoice.kind == InvoiceKind.CREDIT_NOTE))
    assert note is not None
    assert note.refund_id == refund.id and note.refers_to_id == invoice.id
    # The same sequence as the cooperative's invoices: the next number.
    assert note.series == invoice.series
    assert note.number == f"AV-{year()}-000002"
    assert note.total_cents == refund.amount_cents == 12_000
    assert note.content["refers_to"]["number"] == invoice.number
    text = pdf_text(rendering.read_pdf(note))
    for mention in ("Facture d'avoir", invoice.number, "Avoir sur la facture", "Huile d'argan"):
        assert mention in text, mention
    assert has_arabic(text, "إشعار دائن")
    # A second run (a webhook replayed) issues nothing more.
    assert invoicing.issue_credit_notes(refund) == [note]


def test_a_parcel_refused_at_the_door_gets_a_credit_note_for_its_whole_invoice(goods, admin):
    oil, _honey = goods
    order, _token = place({oil: 2})
    invoice = ship(order.shipments[0])
    services.mark_refused(order.shipments[0], admin, "Absent")
    db.session.commit()
    note = db.session.scalar(select(Invoice).where(Invoice.kind == InvoiceKind.CREDIT_NOTE))
    assert note is not None and note.refers_to_id == invoice.id
    assert note.content["lines"] == invoice.content["lines"]
    assert (note.net_cents, note.tax_cents, note.total_cents) == (
        invoice.net_cents,
        invoice.tax_cents,
        invoice.total_cents,
    )
    assert note.number == f"AV-{year()}-000002"  # the cooperative's one sequence
    text = pdf_text(rendering.read_pdf(note))
    assert invoice.number in text and "Avoir sur la facture" in text
    # Once only.
    assert invoicing.issue_refusal_credit_note(order.shipments[0]) == note


def test_units_refunded_before_the_parcel_ships_stay_off_its_invoice(goods, admin, fake, app):
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_fake",
        STRIPE_WEBHOOK_SECRET="whsec_test",
        STRIPE_MAX_NETWORK_RETRIES=0,
    )
    oil, _honey = goods
    order, _token = place({oil: 3}, PaymentMethod.CARD)
    assert services.confirm_card_payment(order, "cs_1", "pi_1")
    db.session.commit()
    fake.refund_status = "succeeded"
    refunds.create_refund(order, {order.lines[0].id: 1}, [], "Rupture", admin)
    db.session.commit()
    assert db.session.scalar(select(func.count(Invoice.id))) == 0  # nothing was invoiced yet
    invoice = ship(order.shipments[0])
    assert invoice.content["lines"][0]["quantity"] == 2
    assert invoice.total_cents == 2 * 12_000 + order.shipments[0].shipping_cents


# ------------------------------------------------------------------ downloads


@pytest.fixture
def shipped(goods, make_user, make_cooperative):
    """A shipped order of a signed-up shopper, its invoice, the manager of its
    cooperative, and the manager of another cooperative."""
    oil, _honey = goods
    shopper = make_user(email="amina@example.com")
    order, token = place({oil: 1})
    order.user_id = shopper.id
    db.session.commit()
    invoice = ship(order.shipments[0])
    manager = make_user(email="owner@tifaout.ma")
    other = make_user(email="owner@other.ma")
    db.session.add(
        Membership(user=manager, cooperative=invoice.cooperative, role=MembershipRole.OWNER)
    )
    db.session.add(
        Membership(
            user=other, cooperative=make_cooperative(slug="other"), role=MembershipRole.OWNER
        )
    )
    db.session.commit()
    return order, token, invoice, shopper, manager, other


def test_the_shopper_downloads_the_invoice_from_the_order_page(shipped, client, login):
    order, token, invoice, shopper, _manager, _other = shipped
    login(client, shopper)
    page = client.get(f"/fr/orders/{order.number}").get_data(as_text=True)
    url = f"/fr/orders/{order.number}/invoices/{invoice.id}.pdf"
    assert url in page and invoice.number in page
    response = fetch(client, url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.data.startswith(b"%PDF")


def test_a_guest_downloads_it_with_the_order_link_and_nobody_else_does(
    shipped, goods, client, app, login, make_user
):
    order, token, invoice, _shopper, _manager, _other = shipped
    url = f"/fr/orders/{order.number}/invoices/{invoice.id}.pdf"
    assert fetch(client, f"{url}?token={token}").status_code == 200
    assert fetch(client, f"{url}?token=wrong").status_code == 404
    assert fetch(client, url).status_code == 404
    stranger = app.test_client()
    login(stranger, make_user(email="stranger@example.com"))
    assert fetch(stranger, url).status_code == 404
    # A document of another order through this order's link: 404 too.
    other_order, other_token = place({goods[0]: 1})
    assert (
        client.get(
            f"/fr/orders/{other_order.number}/invoices/{invoice.id}.pdf?token={other_token}"
        ).status_code
        == 404
    )


def test_the_cooperative_downloads_its_invoices_and_another_cooperative_gets_404(
    shipped, app, login
):
    _order, _token, invoice, _shopper, manager, other = shipped
    slug = invoice.cooperative.slug
    own = app.test_client()
    login(own, manager)
    listing = own.get(f"/fr/producer/{slug}/invoices")
    assert listing.status_code == 200
    assert invoice.number in listing.get_data(as_text=True)
    assert fetch(own, f"/fr/producer/{slug}/invoices/{invoice.id}.pdf").status_code == 200
    stranger = app.test_client()
    login(stranger, other)
    # Its own workspace, someone else's invoice: 404; the other workspace: 403.
    assert fetch(stranger, f"/fr/producer/other/invoices/{invoice.id}.pdf").status_code == 404
    assert fetch(stranger, f"/fr/producer/{slug}/invoices/{invoice.id}.pdf").status_code == 403


def test_the_admin_downloads_any_document(shipped, app, login, admin):
    _order, _token, invoice, _shopper, manager, _other = shipped
    staff = app.test_client()
    login(staff, admin)
    listing = staff.get("/fr/admin/invoices")
    assert listing.status_code == 200 and invoice.number in listing.get_data(as_text=True)
    assert fetch(staff, f"/fr/admin/invoices/{invoice.id}.pdf").status_code == 200
    assert staff.get("/fr/admin/invoices/999999.pdf").status_code == 404
    not_staff = app.test_client()
    login(not_staff, manager)
    assert fetch(not_staff, f"/fr/admin/invoices/{invoice.id}.pdf").status_code in (403, 404)


# ------------------------------------------------------------------ legal details


@pytest.fixture
def owner(make_user, make_cooperative):
    coop = make_cooperative(slug="amal", legal_name="Coopérative Amal", tax_id=None, tp_number=None)
    user = make_user(email="owner@amal.ma")
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    return user, coop


def legal_form(coop, **changes) -> dict[str, str]:
    return {
        "address": "Douar Tagmoute",
        "ice": coop.ice,
        "tax_id": "40123456",
        "tp_number": "48123456",
        "rc_number": "",
        "vat": "exempt",
        "vat_exemption_fr": identity.DEFAULT_EXEMPTION_FR,
        "vat_exemption_ar": identity.DEFAULT_EXEMPTION_AR,
        **changes,
    }


def test_a_bad_ice_shows_the_form_again_with_its_message_and_the_input_kept(
    owner, client, login, post_form
):
    user, coop = owner
    login(client, user)
    url = "/fr/producer/amal/profile/legal"
    page = client.get(url).get_data(as_text=True)
    assert "IF" in page and "TP" in page  # says what is missing
    bad_ice = coop.ice[:-1] + str((int(coop.ice[-1]) + 1) % 10)  # a wrong check digit
    response = post_form(client, url, legal_form(coop, ice=bad_ice, tax_id="40A"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Cet ICE n’est pas valide" in html
    assert f'value="{bad_ice}"' in html
    assert 'value="40A"' in html
    db.session.refresh(coop)
    assert coop.tax_id is None


def test_legal_details_are_saved_and_then_parcels_can_ship(owner, client, login, post_form):
    user, coop = owner
    login(client, user)
    response = post_form(
        client, "/fr/producer/amal/profile/legal", legal_form(coop, vat="2000", rc_number="RC 123")
    )
    assert response.status_code == 302
    db.session.refresh(coop)
    assert (coop.tax_id, coop.tp_number, coop.rc_number, coop.vat_rate_bp) == (
        "40123456",
        "48123456",
        "RC 123",
        2000,
    )
    assert identity.missing_identifiers(coop) == []


# ------------------------------------------------------------------ commission invoices


@pytest.fixture
def platform_legal(app):
    app.config["PLATFORM_LEGAL"] = dict(PLATFORM)
    return PLATFORM


def test_the_monthly_commission_invoice_equals_the_ledgers_commission(
    goods, admin, platform_legal, runner
):
    oil, honey = goods
    orders = [delivered_cash_order(oil, 2), delivered_cash_order(oil, 1)]
    order, _token = place({honey: 3})
    ship(order.shipments[0])
    services.mark_delivered(order.shipments[0])
    services.mark_cash_remitted(order.shipments[0])
    refunds.create_refund(orders[0], {orders[0].lines[0].id: 1}, [], "Cassé", admin)
    db.session.commit()
    # Move the month's entries into last month (entries are immutable for the
    # ORM; this is the test placing them in time).
    period = commission.previous_period()
    start, _end = clock.month_bounds(*commission.parse_period(period))
    db.session.execute(update(ledger.JournalEntry).values(created_at=start + timedelta(days=14)))
    db.session.commit()

    result: Result = runner.invoke(args=["invoices", "monthly", "--month", period])
    assert result.exit_code == 0, result.output
    issued = db.session.scalars(select(Invoice).where(Invoice.kind == InvoiceKind.COMMISSION)).all()
    assert len(issued) == 2
    credited = -db.session.scalar(
        select(func.sum(ledger.JournalLine.amount_cents)).where(
            ledger.JournalLine.account == ledger.COMMISSION
        )
    )
    assert sum(invoice.total_cents for invoice in issued) == credited > 0
    by_coop = commission.commission_by_cooperative(period)
    for invoice in issued:
        assert invoice.total_cents == by_coop[invoice.cooperative_id]
        assert invoice.series == "platform" and invoice.number.startswith(f"TW-{year()}-")
        assert invoice.content["seller"]["ice"] == PLATFORM["ice"]
        assert invoice.tax_cents == invoice.total_cents - identity.net_of(invoice.total_cents, 2000)
    # Run again: nothing new.
    again = runner.invoke(args=["invoices", "monthly", "--month", period])
    assert again.exit_code == 0
    assert (
        db.session.scalar(select(func.count(Invoice.id)).where(Invoice.kind == "commission")) == 2
    )
    text = pdf_text(rendering.read_pdf(issued[0]))
    for mention in ("Facture de commission", "Taawon SARL", PLATFORM["ice"], PLATFORM["rc"]):
        assert mention in text, mention
    assert has_arabic(text, "فاتورة العمولة")


def test_the_monthly_command_refuses_without_the_platforms_identifiers(app, runner):
    app.config["PLATFORM_LEGAL"] = {"legal_name": "Taawon SARL"}
    result = runner.invoke(args=["invoices", "monthly", "--month", "2020-01"])
    assert result.exit_code != 0
    assert "PLATFORM_LEGAL lacks" in result.output
    unfinished = runner.invoke(
        args=["invoices", "monthly", "--month", period_of(clock.local_date())]
    )
    assert unfinished.exit_code != 0


# ------------------------------------------------------------------ concurrency


PARCELS = 20


@pytest.mark.slow
@pytest.mark.commits
def test_twenty_parcels_shipping_at_once_get_twenty_numbers_without_gap(app, goods, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no race to number (PostgreSQL only)")
    # The shipped mails' jobs would run in each thread after its commit, each
    # wanting a second connection while the first is still held: with 21
    # threads on a pool of 15 they would starve. Mails are not under test.
    monkeypatch.setattr("shop.jobs.submit", lambda *args, **kwargs: None)
    oil, _honey = goods
    ids = [place({oil: 1})[0].shipments[0].id for _ in range(PARCELS + 1)]
    db.session.remove()
    start = threading.Barrier(PARCELS + 1)
    errors: list[BaseException] = []

    def ship_one(shipment_id: int, fail: bool) -> None:
        try:
            with app.app_context():
                start.wait()  # before any SQL: 21 threads share a pool of 15
                shipment = db.session.get(Shipment, shipment_id)
                services.mark_shipped(shipment, "Amana", f"RR{shipment_id}")
                if fail:
                    db.session.rollback()  # took a number, then did not ship
                else:
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [
        threading.Thread(target=ship_one, args=(shipment_id, i == PARCELS // 2))
        for i, shipment_id in enumerate(ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    sequences = sorted(db.session.scalars(select(Invoice.sequence)))
    assert sequences == list(range(1, PARCELS + 1))
    numbers = db.session.scalars(select(Invoice.number)).all()
    assert len(set(numbers)) == PARCELS


def test_invoice_lists_run_a_bounded_number_of_queries(
    goods, app, login, admin, make_user, count_queries
):
    oil, _honey = goods
    manager = make_user(email="owner@tifaout.ma")
    coop = oil.product.cooperative
    db.session.add(Membership(user=manager, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    own, staff = app.test_client(), app.test_client()
    login(own, manager)
    login(staff, admin)

    def queries(url, client) -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    ship(place({oil: 1})[0].shipments[0])
    few = queries(f"/fr/producer/{coop.slug}/invoices", own), queries("/fr/admin/invoices", staff)
    for _ in range(4):
        ship(place({oil: 1})[0].shipments[0])
    many = queries(f"/fr/producer/{coop.slug}/invoices", own), queries("/fr/admin/invoices", staff)
    assert few == many, (few, many)
