"""The main pages are valid HTML: the Nu Html Checker finds no error (issue #14).

The checker is ``vnu.jar``, the Nu Html Checker's own release (npm package
``vnu-jar``, pinned in tests/data/vnu/, see its README), run on Debian's
Java runtime; ``.ci/run`` installs both when missing. A JVM takes seconds
to start, so every page, in Arabic and French, is rendered with the test
client into one folder and checked in a single run. A page known to be
invalid goes in with them: the run must flag it, so a checker that silently
checks nothing cannot pass.

Before the fix it found 42 errors on these 62 pages: 26 ``<time datetime>``
values with microseconds (admin orders), ``autocomplete="street-address"``
on an ``<input>`` (checkout), headings skipping from h1 to h3 (listing,
search, cooperatives, a lot's page), a required ``<select>`` without a
placeholder option (new lot) and duplicate ``csrf_token`` ids (parcels).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from catalog.models import Product, ProductStatus
from catalog.trace.models import Lot
from orders.models import Order
from producers.models import Membership
from shop.accounts.models import User
from shop.extensions import db
from shop.i18n import machine_time

pytestmark = [pytest.mark.demo, pytest.mark.slow]

#: The official release of the checker, pinned in tests/data/vnu/package.json.
VNU_JAR = Path(__file__).resolve().parents[1] / "data/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
LANGS = ("ar", "fr")
#: A Moroccan checkout address (as tests/orders/conftest.py's).
ADDRESS = {
    "email": "amina@example.com",
    "phone": "06 12 34 56 78",
    "full_name": "Amina Alaoui",
    "address_line": "12 rue Ibn Battouta, appt 4",
    "city": "Casablanca",
    "postal_code": "20250",
    "country": "MA",
    "payment": "cod",
}
PASSWORDS = {
    "shopper@demo.taawon.ma": "demo-shopper-2026",
    "manager@demo.taawon.ma": "demo-manager-2026",
    "admin@demo.taawon.ma": "demo-admin-2026",
}
#: Valid HTML except for one error the checker must report.
CANARY = (
    '<!DOCTYPE html><html lang="fr"><head><title>canary</title></head>'
    '<body><input name="a" autocomplete="street-address"></body></html>'
)


def vnu_command() -> list[str]:
    """``java -jar vnu.jar``; a skip naming what is missing, except in CI."""
    missing = None
    if shutil.which("java") is None:
        missing = "no Java runtime (apt-get install default-jre-headless)"
    elif not VNU_JAR.exists():
        missing = f"no {VNU_JAR} (npm ci --ignore-scripts --prefix {VNU_JAR.parents[4]})"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing + ": .ci/run installs both")
        pytest.skip(missing)
    # -Xss: the checker's regular expressions recurse deeply on long pages.
    return ["java", "-Xss4m", "-jar", str(VNU_JAR)]


def check(command: list[str], files: list[Path]) -> dict[str, list[str]]:
    """The checker's errors, by file name: one JVM for every file."""
    out = subprocess.run(
        [*command, "--errors-only", "--format", "json", "--exit-zero-always"]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    errors: dict[str, list[str]] = {}
    for message in json.loads(out.stderr)["messages"]:
        name = Path(message.get("url", "?")).name
        extract = message.get("extract", "").strip().replace("\n", " ")[:120]
        errors.setdefault(name, []).append(
            f"line {message.get('lastLine', '?')}: {message['message']} [{extract}]"
        )
    return errors


def demo_user(email: str) -> User:
    return db.session.scalar(db.select(User).filter_by(email=email))


def logged_in(app, login, email: str, lang: str):
    client = app.test_client()
    login(client, demo_user(email), PASSWORDS[email], lang=lang)
    return client


def public_pages() -> dict[str, str]:
    """Pages anyone sees, by name (URLs with ``{lang}``)."""
    product = db.session.scalars(
        db.select(Product).filter_by(status=ProductStatus.PUBLISHED).order_by(Product.id)
    ).first()
    lot = max(db.session.scalars(db.select(Lot)), key=lambda lot: len(lot.events))
    return {
        "home": "/{lang}/",
        "listing": "/{lang}/products/",
        "product": f"/{{lang}}/products/{product.slug}",
        "cooperatives": "/{lang}/cooperatives/",
        "cooperative": f"/{{lang}}/cooperatives/{product.cooperative.slug}",
        "search": "/{lang}/search?q=argan",
        "trace": f"/{{lang}}/trace/{lot.public_id}",
        "label": f"/{{lang}}/trace/{lot.public_id}/label",
        "login": "/{lang}/account/login",
        "register": "/{lang}/account/register",
        "sell": "/{lang}/sell",
        "fair-trade": "/{lang}/fair-trade",
        "impact": "/{lang}/impact",
    }


def render(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def render_all(app, login, post_form) -> dict[str, str]:
    """Every checked page's HTML, by file name (``fr-home.html``...)."""
    pages: dict[str, str] = {}
    guest = app.test_client()
    shopper = "shopper@demo.taawon.ma"
    manager = "manager@demo.taawon.ma"
    order = db.session.scalars(
        db.select(Order).filter_by(user_id=demo_user(shopper).id).order_by(Order.id.desc())
    ).first()
    coop = (
        db.session.scalars(db.select(Membership).filter_by(user_id=demo_user(manager).id))
        .first()
        .cooperative
    )
    lot = db.session.scalars(db.select(Lot).filter_by(cooperative_id=coop.id)).first()
    product = db.session.scalars(
        db.select(Product).filter_by(status=ProductStatus.PUBLISHED).order_by(Product.id)
    ).first()
    for lang in LANGS:
        for name, url in public_pages().items():
            pages[f"{lang}-{name}.html"] = render(guest, url.format(lang=lang))
        cart = app.test_client()
        post_form(
            cart,
            f"/{lang}/cart/add",
            {"variant": product.variants[0].sku, "quantity": 1},
            page=f"/{lang}/cart",
        )
        pages[f"{lang}-cart.html"] = render(cart, f"/{lang}/cart")
        pages[f"{lang}-checkout.html"] = render(cart, f"/{lang}/checkout")
        review = post_form(
            cart, f"/{lang}/checkout", {**ADDRESS, "action": "review"}, page=f"/{lang}/cart"
        )
        assert review.status_code == 200, review.status_code
        pages[f"{lang}-checkout-review.html"] = review.get_data(as_text=True)
        client = logged_in(app, login, shopper, lang)
        pages[f"{lang}-order.html"] = render(client, f"/{lang}/orders/{order.number}")
        pages[f"{lang}-orders.html"] = render(client, f"/{lang}/account/orders")
        pages[f"{lang}-account.html"] = render(client, f"/{lang}/account/")
        client = logged_in(app, login, manager, lang)
        workspace = f"/{lang}/producer/{coop.slug}"
        for name, path in {
            "dashboard": "/",
            "products": "/products",
            "lots": "/lots",
            "lot": f"/lots/{lot.id}",
            "new-lot": "/lots/new",
            "parcels": "/parcels",
            "balance": "/balance",
            "sales": "/sales?days=365",
        }.items():
            pages[f"{lang}-workspace-{name}.html"] = render(client, workspace + path)
        client = logged_in(app, login, "admin@demo.taawon.ma", lang)
        for name, path in {
            "home": "/",
            "orders": "/orders",
            "cooperatives": "/cooperatives",
            "policy": "/policy",
            "carriers": "/carriers",
            "carrier-files": "/carriers/files",
        }.items():
            pages[f"{lang}-admin-{name}.html"] = render(client, f"/{lang}/admin{path}")
        pages[f"{lang}-admin-order.html"] = render(client, f"/{lang}/admin/orders/{order.number}")
    return pages


def test_main_pages_have_no_html_errors(app, demo_seed, login, post_form, tmp_path):
    """Home, listing, product, cooperatives, search, trace and label, cart,
    checkout, order, login and register, sell, fair-trade, workspace and admin
    pages, in ar and fr: no error from the Nu Html Checker."""
    command = vnu_command()  # before the pages: a skip costs nothing
    pages = render_all(app, login, post_form)
    files = []
    for name, html in pages.items():
        path = tmp_path / name
        path.write_text(html, encoding="utf-8")
        files.append(path)
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY, encoding="utf-8")
    errors = check(command, [*files, canary])
    assert any("autocomplete" in e for e in errors.pop("canary.html", [])), "the checker ran blind"
    report = "\n".join(f"{name}: {e}" for name, found in sorted(errors.items()) for e in found)
    assert not errors, f"{sum(map(len, errors.values()))} HTML errors:\n{report}"
    assert len(pages) == 2 * 34


@pytest.mark.parametrize(
    "value, expected",
    [
        (datetime(2026, 3, 1, 9, 5, 7, 123456), "2026-03-01T09:05:07Z"),
        (datetime(2026, 3, 1, 9, 5, 7, tzinfo=UTC), "2026-03-01T09:05:07Z"),
        (
            datetime(2026, 3, 1, 10, 5, 7, 999, tzinfo=timezone(timedelta(hours=1))),
            "2026-03-01T09:05:07Z",
        ),
        (date(2026, 3, 1), "2026-03-01"),
        (None, ""),
    ],
)
def test_machine_time_is_a_valid_datetime_attribute(value, expected):
    """Stored timestamps are naive UTC with microseconds; ``<time datetime>``
    allows at most three fraction digits and wants a zone: whole seconds, Z."""
    assert machine_time(value) == expected
