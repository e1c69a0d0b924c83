"""Public pages (fair-trade rules, impact from the ledger) and the product page's money block."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from catalog.models import FloorPrice, Unit, Variant
from orders import accounting
from orders import services as orders
from orders.models import (
    Order,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundLine,
    RefundMethod,
    RefundStatus,
)
from orders.shipping import ensure_default_rates
from producers.models import CooperativeStatus
from producers.money import policy as policy_services
from shop.extensions import db
from shop.i18n import format_money
from shop.models import utcnow
from shop.money.policy import current_policy
from shop.money.split import split
from tests.factories import shipping_address

ADDRESS = shipping_address()
RIB = "011519000001205000534921"


def words(response_or_html) -> str:
    """The page's text: no tags, entities decoded, every kind of space a plain one."""
    page = (
        response_or_html
        if isinstance(response_or_html, str)
        else response_or_html.get_data(as_text=True)
    )
    page = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"[\s\u00a0\u202f\u200f\u200e]+", " ", page)


def mad(cents: int, lang: str = "fr") -> str:
    """Money as the page writes it, spaces normalised like ``words``."""
    return re.sub(r"[\s\u00a0\u202f\u200f\u200e]+", " ", format_money(cents, lang=lang)).strip()


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@taawon.ma", name="Amina Admin", is_admin=True)


@pytest.fixture
def version_2(app, admin):
    """Version 2: commission 12.5 %, premium 6 %, hold 10 days."""
    row = policy_services.publish_policy(admin, 1250, 600, 10, "Frais de paiement en hausse")
    db.session.commit()
    return row


# ---------------------------------------------------------------- the rules page


def test_fair_trade_page_with_the_default_rules(client):
    page = words(client.get("/fr/fair-trade"))
    assert "Nos règles de commerce équitable" in page
    assert "Version 1." in page
    assert "À la coopérative 85 %" in page and "À son fonds communautaire 5 %" in page
    assert "À la plateforme 10 %" in page
    assert "ne peut jamais dépasser 15 %" in page
    assert "14 jours après la livraison" in page
    assert (
        "Historique des règles Version 1 Commission 10 %, prime 5 %, garde 14 jours. "
        "Les premières règles." in page
    )
    # 200 MAD: 170 / 10 / 20; 99,95 MAD: 9,995 MAD of commission rounds to 10,00 MAD.
    assert (
        f"vendue {mad(20_000)} : À la coopérative {mad(17_000)} "
        f"À son fonds communautaire (prime équitable) {mad(1_000)} "
        f"À la plateforme {mad(2_000)} Total {mad(20_000)}" in page
    )
    assert f"sur {mad(9_995)} la commission de 10 % vaut 9,995 MAD, arrondis à {mad(1_000)}" in page


def test_fair_trade_page_shows_the_current_numbers_in_french(client, version_2, categories):
    db.session.add(
        FloorPrice(category=categories["argan-oil"], unit=Unit.ML, cents_per_reference=15_000)
    )
    db.session.commit()
    page = words(client.get("/fr/fair-trade"))
    assert "Version 2, en vigueur depuis le" in page
    assert "À la coopérative 81,5 %" in page and "À son fonds communautaire 6 %" in page
    assert "À la plateforme 12,5 %" in page
    assert "10 jours après la livraison" in page
    example = split(20_000, current_policy())
    assert (example.commission, example.premium, example.producer) == (2_500, 1_200, 16_300)
    assert (
        f"À la coopérative {mad(16_300)} À son fonds communautaire (prime équitable) "
        f"{mad(1_200)} À la plateforme {mad(2_500)}" in page
    )
    # 99,88 MAD × 12,5 % = 12,485 MAD: half a centime, rounded up.
    assert (
        f"sur {mad(9_988)} la commission de 12,5 % vaut 12,485 MAD, arrondis à {mad(1_249)}" in page
    )
    # The floor: 150 MAD per litre, so a litre sells for at least the first price paying it.
    lowest = next(p for p in range(15_000, 30_000) if split(p, current_policy()).producer >= 15_000)
    assert lowest == 18_405
    assert f"Huile d’argan {mad(15_000)} par litre {mad(lowest)} par litre" in page
    # The history, newest first, with the reason.
    assert "Version 2 · " in page and "Frais de paiement en hausse" in page
    assert (
        "Commission 12,5 %, prime 6 %, garde 10 jours. Frais de paiement en hausse "
        "Version 1 Commission 10 %, prime 5 %, garde 14 jours. Les premières règles." in page
    )


def test_fair_trade_page_in_arabic(client, version_2):
    response = client.get("/ar/fair-trade")
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in response.get_data(as_text=True)
    page = words(response)
    assert "قواعدنا للتجارة العادلة" in page
    assert "للتعاونية 81,5%" in page and "لصندوقها الجماعي 6%" in page
    assert "للمنصة 12,5%" in page
    assert "لا يمكن أبدًا أن تتجاوز 15%" in page
    assert mad(16_300, "ar") in page and mad(2_500, "ar") in page
    assert "العمولة 12,5%، العلاوة 6%، الاحتجاز 10 أيام." in page


def test_footer_and_sitemap_link_the_public_pages(client):
    page = client.get("/fr/").get_data(as_text=True)
    assert '<a href="/fr/fair-trade">Règles du commerce équitable</a>' in page
    assert '<a href="/fr/impact">Notre impact</a>' in page
    assert "/sitemaps/pages-1.xml" in client.get("/sitemap.xml").get_data(as_text=True)
    sitemap = client.get("/sitemaps/pages-1.xml").get_data(as_text=True)
    assert "/ar/fair-trade" in sitemap and "/en/impact" in sitemap


def test_fair_trade_page_query_count_does_not_grow(client, admin, categories, count_queries):
    def queries() -> int:
        client.get("/fr/fair-trade")
        with count_queries() as statements:
            assert client.get("/fr/fair-trade").status_code == 200
        return len(statements)

    policy_services.publish_policy(admin, 1100, 500, 14, "une")
    db.session.add(FloorPrice(category=categories["honey"], unit=Unit.G, cents_per_reference=9_000))
    db.session.commit()
    few = queries()
    for n, slug in enumerate(("saffron", "dates", "amlou", "couscous", "olive-oil")):
        policy_services.publish_policy(admin, 1101 + n, 500, 14, f"n° {n}")
        db.session.add(
            FloorPrice(category=categories[slug], unit=Unit.G, cents_per_reference=9_000 + n)
        )
        db.session.commit()
    assert queries() == few


# ---------------------------------------------------------------- impact


def test_impact_totals_come_from_the_ledger(app, client, make_cooperative, make_product, admin):
    from producers.money.payouts import mark_paid, run_payouts

    ensure_default_rates()
    app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_WEBHOOK_SECRET="whsec_test")
    coop_a = make_cooperative(rib=RIB, rib_holder="Coopérative A")
    coop_b = make_cooperative()
    pending = make_cooperative(status=CooperativeStatus.PENDING)
    pending.members_count, pending.women_members_count = 40, 0
    oil = make_product(cooperative=coop_a, price=20_000, stock=10).variants[0].sku
    honey = make_product(cooperative=coop_b, price=10_000, stock=10, category="honey")
    honey_sku = honey.variants[0].sku

    # A: cash on delivery, delivered and remitted (200 MAD + 35 MAD national shipping).
    cash, _ = orders.place_order({oil: 1}, ADDRESS, PaymentMethod.COD, "fr")
    assert orders.confirm_cod(cash, "link")
    parcel = cash.shipments[0]
    assert parcel.shipping_cents == 3_500
    orders.mark_shipped(parcel, "Amana", "AM-1")
    orders.mark_delivered(parcel)
    orders.mark_cash_remitted(parcel)
    # A again, not remitted: nothing earned yet.
    orders.place_order({oil: 1}, ADDRESS, PaymentMethod.COD, "fr")
    # B: paid by card (100 MAD + 35 MAD), then its line refunded.
    card, _ = orders.place_order({honey_sku: 1}, ADDRESS, PaymentMethod.CARD, "fr")
    assert orders.confirm_card_payment(card, "cs_test_1", "pi_test_1")
    line = card.lines[0]
    parts = accounting.parts_for(line, 1)
    refund = Refund(
        order_id=card.id,
        method=RefundMethod.CARD,
        status=RefundStatus.PENDING,
        amount_cents=10_000,
        reason="abîmé",
    )
    refund.lines.append(
        RefundLine(
            shipment_id=line.shipment_id,
            cooperative_id=coop_b.id,
            order_line_id=line.id,
            quantity=1,
            gross_cents=parts.gross,
            commission_cents=parts.commission,
            premium_cents=parts.premium,
            producer_cents=parts.producer,
            shipping_cents=0,
        )
    )
    db.session.add(refund)
    db.session.flush()
    accounting.post_refund(refund)
    db.session.commit()

    # A's money is released after the hold and paid out.
    batch = run_payouts(admin, now=utcnow() + timedelta(days=15))
    assert [p.total_cents for p in batch.payouts] == [17_000 + 1_000 + 3_500]
    db.session.commit()
    mark_paid(batch.payouts[0], admin)
    db.session.commit()

    response = client.get("/fr/impact")
    assert response.status_code == 200
    page = words(response)
    # Earned: A 170 + 35; B 85 + 35 − 85 refunded. Premiums: A 10; B 5 − 5.
    assert f"Versé aux coopératives {mad(21_500)}" in page
    assert f"Gagné par les coopératives {mad(24_000)}" in page
    assert f"Collecté pour les fonds communautaires {mad(1_000)}" in page
    assert "Coopératives payées 1 " in page
    # Women among the approved cooperatives' members only (the pending one is left out).
    assert re.search(r"Membres 20 Femmes membres 70 ?%", page), page[-800:]

    from producers.money.transparency import impact_totals

    totals = impact_totals()
    assert (
        totals["paid_cents"],
        totals["earned_cents"],
        totals["premiums_cents"],
        totals["cooperatives_paid"],
    ) == (21_500, 24_000, 1_000, 1)


def test_impact_page_in_arabic_with_an_empty_ledger(client):
    page = words(client.get("/ar/impact"))
    assert "أثرنا" in page and "المدفوع للتعاونيات" in page
    assert mad(0, "ar") in page


# ---------------------------------------------------------------- product page


def test_product_page_shows_the_split_of_the_chosen_variant_under_the_current_policy(
    client, make_product, version_2
):
    ensure_default_rates()
    db.session.commit()
    product = make_product(price=12_000, variants=2)  # 120 and 130 MAD, 300 g each
    second = product.variants[1]
    response = client.get(f"/fr/products/{product.slug}?variant={second.sku}")
    block = (
        response.get_data(as_text=True).split('class="money-split', 1)[1].split("</section>", 1)[0]
    )
    text = words(block)
    parts = split(13_000, current_policy())
    assert (parts.producer, parts.premium, parts.commission) == (10_595, 780, 1_625)
    assert f"À la coopérative {mad(10_595)}" in text
    assert f"À son fonds communautaire (prime équitable) {mad(780)}" in text
    assert f"À la plateforme (frais de paiement inclus) {mad(1_625)}" in text
    assert f"Livraison au Maroc (estimation) {mad(3_500)}" in text
    assert 'href="/fr/fair-trade"' in block


def test_product_page_without_shipping_rates_has_no_estimate(client, make_product):
    product = make_product(price=12_000)
    page = words(client.get(f"/fr/products/{product.slug}"))
    assert "Livraison au Maroc (estimation)" not in page
    assert f"À la coopérative {mad(10_200)}" in page  # the default 10 % / 5 %


def test_lapsed_card_hold_gives_the_stock_back_on_the_product_page(app, client, make_product):
    ensure_default_rates()
    app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_WEBHOOK_SECRET="whsec_test")
    product = make_product(price=12_000, stock=3)
    variant = product.variants[0]
    order, _ = orders.place_order({variant.sku: 3}, ADDRESS, PaymentMethod.CARD, "fr")
    db.session.commit()
    db.session.refresh(variant)
    assert variant.stock == 0
    assert "Épuisé" in words(client.get(f"/fr/products/{product.slug}"))  # held, not lapsed

    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(payment_due_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    page = words(client.get(f"/fr/products/{product.slug}"))
    assert "Épuisé" not in page and "Plus que 3" in page
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert db.session.scalar(select(Variant.stock).where(Variant.id == variant.id)) == 3
