"""Factories: categories, cooperatives and products made in one call, and a SQL counter.

Loaded by tests/conftest.py (``pytest_plugins``); the fixtures build on its ``app``.
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from sqlalchemy import event

from catalog.categories import ensure_default_categories
from catalog.models import (
    Category,
    Certification,
    CertificationKind,
    Product,
    ProductStatus,
    ProductTranslation,
    Unit,
    Variant,
)
from producers.models import Cooperative, CooperativeStatus, CooperativeTranslation
from shop.digits import ice_check_digits
from shop.extensions import db
from shop.models import utcnow

_numbers = count(1)


@pytest.fixture
def categories(app) -> dict[str, Category]:
    """The default category tree, by slug."""
    ensure_default_categories()
    db.session.commit()
    return {c.slug: c for c in db.session.scalars(db.select(Category))}


@pytest.fixture
def make_cooperative(app):
    """``make_cooperative(slug=..., status=..., region_code=...)``."""

    def make(
        slug: str | None = None,
        status=CooperativeStatus.APPROVED,
        region_code: int = 9,
        **fields: Any,
    ) -> Cooperative:
        n = next(_numbers)
        # Complete legal details, so that its parcels can ship with an invoice
        # (orders/invoicing); a test of their absence passes None.
        body = f"{n:013d}"
        fields.setdefault("ice", body + ice_check_digits(body))
        fields.setdefault("tax_id", f"{40000000 + n}")
        fields.setdefault("tp_number", f"{48000000 + n}")
        fields.setdefault("address", f"{n} rue de l'Arganier")
        coop = Cooperative(
            slug=slug or f"coop-{n}",
            legal_name=fields.pop("legal_name", f"Coopérative {n}"),
            region_code=region_code,
            province="Taroudant",
            commune="Taliouine",
            members_count=fields.pop("members_count", 10),
            women_members_count=fields.pop("women_members_count", 7),
            status=status,
            latitude=Decimal("30.5"),
            longitude=Decimal("-7.9"),
            translations=[CooperativeTranslation(locale="fr", tagline="Slogan", story="Histoire")],
            **fields,
        )
        db.session.add(coop)
        db.session.commit()
        return coop

    return make


@pytest.fixture
def make_product(app, categories, make_cooperative):
    """``make_product(name_fr=..., price=..., stock=..., category=..., cooperative=...)``."""

    def make(
        name_fr: str | None = "Huile d'argan",
        name_ar: str | None = None,
        name_en: str | None = None,
        price: int = 12_000,
        stock: int = 10,
        category: str = "argan-oil",
        cooperative: Cooperative | None = None,
        status=ProductStatus.PUBLISHED,
        certifications: tuple[str, ...] = (),
        variants: int = 1,
        published_at=None,
    ) -> Product:
        n = next(_numbers)
        coop = cooperative or make_cooperative()
        product = Product(
            cooperative=coop,
            category=categories[category],
            slug=f"product-{n}",
            status=status,
            published_at=published_at or utcnow(),
        )
        for locale, name in (("fr", name_fr), ("ar", name_ar), ("en", name_en)):
            if name:
                product.translations.append(
                    ProductTranslation(locale=locale, name=name, description=f"{name} !")
                )
        for i in range(variants):
            product.variants.append(
                Variant(
                    sku=f"SKU-{n}-{i}",
                    label="250 ml",
                    unit_quantity=250,
                    unit=Unit.ML,
                    price_cents=price + i * 1000,
                    stock=stock,
                    weight_g=300,
                    position=i,
                )
            )
        for kind in certifications:
            cert = db.session.scalar(
                db.select(Certification).filter_by(
                    cooperative_id=coop.id, kind=CertificationKind(kind)
                )
            )
            if cert is None:
                cert = Certification(
                    cooperative=coop, kind=CertificationKind(kind), number=f"N-{n}", issuer="ONSSA"
                )
            product.certifications.append(cert)
        db.session.add(product)
        db.session.commit()
        return product

    return make


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements:`` records the SQL a block runs."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            # The SAVEPOINTs the application's commits become in tests are not its queries.
            if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


def shipping_address():
    """A valid ``orders.services.Address`` (Casablanca, region 6), for tests placing orders directly."""
    from orders.services import Address

    return Address(
        full_name="Salma Bennani",
        email="salma@example.ma",
        phone="+212612345678",
        address_line="3 rue Zerktouni",
        city="Casablanca",
        postal_code="20250",
        country="MA",
        region_code=6,
    )


def place_confirmed(*args: Any, **kwargs: Any):
    """``orders.services.place_order``, then the shopper's confirmation of a cash order.

    Cash-on-delivery orders are placed awaiting confirmation; most tests mean
    an order the shopper confirmed (its parcels to prepare), as a tap on the
    link would make it. Card orders are returned as placed (pending payment).
    """
    from orders.models import OrderStatus
    from orders.services import confirm_cod, place_order

    order, token = place_order(*args, **kwargs)
    if order.status == OrderStatus.AWAITING_CONFIRMATION:
        confirm_cod(order, "link")
        db.session.flush()
    return order, token


@pytest.fixture
def make_thread(app, make_product):
    """``make_thread(shopper, product=..., body=...)``: a shopper's question (orders/threads)."""
    from orders.threads import services as threads

    def make(shopper, product: Product | None = None, body: str = "Bonjour, encore en stock ?"):
        thread = threads.start_about_product(shopper, product or make_product(), body, None)
        db.session.commit()
        return thread

    return make


# ------------------------------------------------------------------ reviews (#18)


@pytest.fixture
def bought(app, make_user, make_product):
    """``bought(shopper, product, delivered=True)``: a shopper's confirmed cash order of
    one unit of ``product``, its parcel delivered (or only shipped); returns its line."""
    from orders.models import PaymentMethod
    from orders.services import Address, mark_delivered, mark_shipped
    from orders.shipping import ensure_default_rates

    ensure_default_rates()

    def buy(shopper=None, product=None, delivered: bool = True):
        shopper = shopper or make_user(name="Amina Alaoui")
        product = product or make_product()
        address = Address(
            email=shopper.email,
            phone="+212612345678",
            full_name="Amina Alaoui",
            address_line="12 rue Ibn Battouta",
            city="Casablanca",
            postal_code="20250",
            country="MA",
            region_code=6,
        )
        order, _token = place_confirmed(
            {product.variants[0].sku: 1}, address, PaymentMethod.COD, "fr", user_id=shopper.id
        )
        shipment = order.shipments[0]
        mark_shipped(shipment, "Amana", f"RR{order.id}MA")
        if delivered:
            mark_delivered(shipment)
        db.session.commit()
        return order.lines[0]

    return buy


@pytest.fixture
def make_review(app):
    """``make_review(line, rating=5, body=..., locale="fr")``: a review written by the service."""
    from catalog.reviews.services import add_review

    def make(line, rating: int = 5, body: str = "Très bonne huile.", locale: str = "fr", **kw):
        review = add_review(
            product_id=line.product_id,
            cooperative_id=line.cooperative_id,
            order_line_id=line.id,
            user_id=line.order.user_id,
            author_name=kw.pop("author_name", "Amina A."),
            rating=rating,
            body=body,
            locale=locale,
            **kw,
        )
        db.session.commit()
        return review

    return make
