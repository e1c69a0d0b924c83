"""Reviews, a question, favourites and discount codes for the demo (``flask seed-demo``).

Runs after the demo orders, through the real services: the demo shopper
reviews the products of their delivered parcels (one answered by the demo
manager's cooperative), asks that cooperative a question it answers, and
another one it never bought from (there the phone number typed is masked), saves
two favourites; the platform and the demo cooperative each offer a code.
Notices these write (mails, texts) are dropped: the people are fictional.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from catalog.favourites.models import Favourite
from catalog.models import Product, ProductStatus
from catalog.reviews.models import Review
from catalog.reviews.services import reply_to_review
from orders.discounts.manage import CodeInput, create_code
from orders.discounts.models import DiscountKind
from orders.models import Order, OrderLine
from orders.reviews import refusal, write_review
from orders.threads import services as threads
from producers.models import Cooperative
from shop import jobs, mail
from shop.extensions import db
from shop.messaging import deliver_text
from shop.models import utcnow

from .users import demo_user

#: (stars, language, text) of the demo shopper's reviews, in the order of their lines.
REVIEWS = (
    (5, "fr", "Parfum de noisette grillée, très belle huile. Colis bien protégé."),
    (4, "ar", "منتوج جيد وتغليف ممتاز، وصل في الوقت المحدد."),
    (5, "en", "Lovely quality, and good to know who made it."),
)


def seed_trust() -> list[str]:
    """Reviews, a question and its answer, favourites, two discount codes."""
    if db.session.scalar(select(func.count()).select_from(Review)):
        return ["Demo reviews, questions and codes: already there."]
    base = current_app.config.get("SERVER_NAME") or "127.0.0.1:5000"
    with current_app.test_request_context("/", base_url=f"http://{base}"):
        lines = _seed_trust()
        mail.drop_queued()
        jobs.drop(deliver_text)
    return lines


def _seed_trust() -> list[str]:
    shopper = demo_user("shopper@demo.taawon.ma")
    manager = demo_user("manager@demo.taawon.ma")
    admin = demo_user("admin@demo.taawon.ma")
    coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == "tifaout"))
    if coop is None:
        return ["Demo reviews: the demo cooperative is missing."]
    delivered = [
        line
        for line in db.session.scalars(
            select(OrderLine).join(Order).where(Order.user_id == shopper.id).order_by(OrderLine.id)
        )
        if refusal(line) is None
    ]
    reviews = []
    for line, (stars, lang, text) in zip(delivered, REVIEWS, strict=False):
        reviews.append(write_review(line, shopper, rating=stars, body=text, locale=lang))
    answered = next((r for r in reviews if r.cooperative_id == coop.id), None)
    if answered is not None:
        reply_to_review(answered, "Merci pour votre retour, à bientôt !", "fr", manager)
    products = db.session.scalars(
        select(Product)
        .where(Product.status == ProductStatus.PUBLISHED, Product.cooperative_id == coop.id)
        .order_by(Product.id)
        .limit(2)
    ).all()
    if products:
        thread = threads.start_about_product(
            shopper,
            products[0],
            "Bonjour, l'huile est-elle pressée à froid ?",
            None,
        )
        threads.add_message(
            thread,
            manager,
            "Oui, pressée à froid à la coopérative, le jour même du concassage.",
            from_cooperative=True,
        )
    # A question to a cooperative the shopper never ordered from: the number is masked.
    stranger = next(
        (
            product
            for product in db.session.scalars(
                select(Product)
                .where(Product.status == ProductStatus.PUBLISHED)
                .order_by(Product.id)
            )
            if not threads.placed_between(shopper.id, product.cooperative_id)
        ),
        None,
    )
    if stranger is not None:
        threads.start_about_product(
            shopper, stranger, "Livrez-vous à Agadir ? Appelez-moi au 06 12 34 56 78.", None
        )
    for product in products:
        db.session.add(Favourite(user_id=shopper.id, product_id=product.id))
    now = utcnow()
    create_code(
        CodeInput(
            "RAMADAN10", DiscountKind.PERCENT, 10, ends_at=now + timedelta(days=60), per_shopper=1
        ),
        admin,
        None,
    )
    create_code(
        CodeInput("TIFAOUT20", DiscountKind.AMOUNT, 2000, min_basket_cents=15000, max_uses=100),
        manager,
        coop,
    )
    db.session.flush()
    return [
        f"Demo reviews: {len(reviews)} (one answered); two questions, one answered; "
        f"{len(products)} favourites; codes RAMADAN10 (platform) and TIFAOUT20 ({coop.legal_name})"
    ]
