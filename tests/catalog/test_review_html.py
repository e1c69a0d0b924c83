"""The reviews' pages are valid HTML (the Nu Html Checker, as tests/shop/test_html_validity.py):
the product page with reviews, the review form, the cooperative's and the admin's lists."""

from __future__ import annotations

import pytest

from catalog.models import Product
from catalog.reviews.services import reply_to_review
from producers.models import Membership, MembershipRole
from shop.extensions import db
from tests.shop.test_html_validity import CANARY, check, render, vnu_command

pytestmark = pytest.mark.slow


def test_review_pages_have_no_html_errors(
    app, login, bought, make_review, make_user, make_product, make_cooperative, tmp_path
):
    command = vnu_command()
    coop = make_cooperative(slug="tifaout")
    manager = make_user(email="manager@tifaout.ma")
    db.session.add(Membership(user=manager, cooperative=coop, role=MembershipRole.OWNER))
    product = make_product(cooperative=coop, name_ar="زيت أركان")
    shopper = make_user(name="أمينة العلوي")
    reviewed = make_review(bought(shopper, product), body="زيت ممتاز", locale="ar")
    reply_to_review(reviewed, "Merci beaucoup !", "fr", manager)
    make_review(bought(shopper, product), rating=3, body="Correct.")
    open_line = bought(shopper, product)
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    db.session.commit()
    slug = db.session.get(Product, product.id).slug
    pages = {}
    for lang in ("ar", "fr"):
        pages[f"{lang}-product.html"] = render(app.test_client(), f"/{lang}/products/{slug}")
        pages[f"{lang}-listing.html"] = render(app.test_client(), f"/{lang}/products/")
        for name, person, url in (
            ("form", shopper, f"/{lang}/orders/{open_line.order.number}/review/{open_line.id}"),
            ("order", shopper, f"/{lang}/orders/{open_line.order.number}"),
            ("workspace", manager, f"/{lang}/producer/{coop.slug}/reviews"),
            ("admin", admin, f"/{lang}/admin/reviews?show=all"),
        ):
            client = app.test_client()
            login(client, person, lang=lang)
            pages[f"{lang}-{name}.html"] = render(client, url)
    files = []
    for name, html in pages.items():
        path = tmp_path / name
        path.write_text(html, encoding="utf-8")
        files.append(path)
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY, encoding="utf-8")
    errors = check(command, [*files, canary])
    assert errors.pop("canary.html", []), "the checker ran blind"
    report = "\n".join(f"{name}: {e}" for name, found in sorted(errors.items()) for e in found)
    assert not errors, report
