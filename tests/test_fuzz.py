"""Fuzz every route the app registers, for every role: no response is a 500.

For each rule of ``app.url_map`` (a route added later is walked
automatically: ``test_every_route_is_walked`` fails until it is, or is
skipped here with a reason) and each role (anonymous, a customer, the
manager of another cooperative, the owner, an administrator), hypothesis
fills the URL's variables with real ids of a small world and hostile
values (2**63, '²', Arabic-Indic digits, NUL, long strings, dates out of
range), and sends random and hostile query strings; POST routes get their
page's own form (read from its HTML when the route has a GET page) with
some fields replaced by hostile values, plus a valid CSRF token.

Bounded and reproducible: ``derandomize=True``, no example database,
``FUZZ_EXAMPLES`` examples (default 3) per route, role and method.
Exceptions propagate in tests (``TESTING``), so an exception also fails.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from catalog.trace.services import LotDetails, create_lot
from orders.shipping import ensure_default_rates
from producers.models import Member, Membership, MembershipRole
from shop.extensions import db
from tests.conftest import CSRF_META

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
STATUSES: Counter[int] = Counter()

#: Endpoints not fuzzed here, and why.
SKIP = {
    "static": "files on disk, no code of ours",
    "stripe_webhooks.stripe_webhook": "needs a Stripe signature: tests/shop/test_bad_input.py "
    "sends it signed events of hostile shapes",
    "accounts.logout": "would end the role's session for the routes after it",
}

HOSTILE = [
    "²",
    "٣",
    "۱۲",
    str(2**63),
    "9" * 40,
    "-1",
    "0",
    "1e999",
    "NaN",
    "inf",
    "9999-12-31",
    "0001-01-01",
    "a\x00b",
    "x" * 3000,
    "' OR 1=1 --",
    "../../etc/passwd",
    "%",
    "𝟘",
    "",
    " ",
    "<script>",
]

#: Query-string names the views read.
QUERY_NAMES = [
    "page", "region", "q", "sort", "year", "month", "kind", "corrects", "category",
    "certification", "cooperative", "min_price", "max_price", "in_stock", "variant", "token",
    "date_from", "date_to", "status", "method", "action", "target_type", "actor", "next", "days",
]  # fmt: skip

#: Form names not declared as WTForms fields (read from ``request.form`` directly).
EXTRA_FORM_NAMES = [
    "sku", "stock", "action", "to", "status", "carrier", "tracking", "send", "token",
    "corrects", "contributions-0-member_id", "contributions-0-amount", "inputs-0-quantity",
    "outputs-0-quantity", "outputs-0-material", "expected_total", "shipment", "reason",
]  # fmt: skip


def form_field_names() -> list[str]:
    """Every field name declared by a form class of the application."""
    from flask_wtf import FlaskForm

    names: set[str] = set(EXTRA_FORM_NAMES)
    todo = list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        for klass in cls.__mro__:
            names.update(k for k, v in vars(klass).items() if isinstance(v, UnboundField))
    return sorted(names)


class FormReader(HTMLParser):
    """The fields of a page's forms with their current values (a base to mutate)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("file", "submit"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self.fields.setdefault(name, "")
                return
            self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and not self.fields.get(self._select):
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def page_form(html: str) -> dict[str, str]:
    reader = FormReader()
    reader.feed(html)
    return {k: v for k, v in reader.fields.items() if k != "csrf_token"}


# ---------------------------------------------------------------- the world


@pytest.fixture
def world(app, make_user, make_cooperative, make_product, post_form):
    """Two cooperatives, their managers, a product, a lot, a member, an order; clients by role."""
    ensure_default_rates()
    amal = make_cooperative(slug="amal", legal_name="Coopérative Amal")
    voisine = make_cooperative(slug="voisine", legal_name="Coopérative Voisine")
    owner = make_user(email="owner@amal.ma")
    other = make_user(email="manager@voisine.ma")
    customer = make_user(email="amina@example.com")
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    membership = Membership(user=owner, cooperative=amal, role=MembershipRole.OWNER)
    db.session.add_all(
        [membership, Membership(user=other, cooperative=voisine, role=MembershipRole.OWNER)]
    )
    member = Member(cooperative=amal, full_name="Itto")
    db.session.add(member)
    product = make_product(cooperative=amal, stock=50)
    variant = product.variants[0]
    lot = create_lot(amal, variant, "L-1", LotDetails(quantity_produced=5))
    db.session.commit()

    clients: dict[str, Any] = {}
    for role, user in (
        ("anonymous", None),
        ("customer", customer),
        ("other_manager", other),
        ("owner", owner),
        ("admin", admin),
    ):
        client = app.test_client()
        if user is not None:
            response = post_form(
                client,
                "/fr/account/login",
                {"email": user.email, "password": "correct horse battery"},
            )
            assert response.status_code == 302
        clients[role] = client

    # A cash-on-delivery order by the customer, through the real checkout.
    shopper = clients["customer"]
    post_form(shopper, "/fr/cart/add", {"variant": variant.sku, "quantity": 1}, page="/fr/cart")
    from tests.orders.conftest import ADDRESS

    review = post_form(shopper, "/fr/checkout", {**ADDRESS, "action": "review"}, page="/fr/cart")
    total = re.search(r'name="expected_total"[^>]*value="(\d+)"', review.get_data(as_text=True))
    post_form(
        shopper,
        "/fr/checkout",
        {**ADDRESS, "action": "place", "expected_total": total.group(1) if total else ""},
        page="/fr/cart",
    )
    from orders.models import Order

    order = db.session.scalar(db.select(Order))
    values: dict[str, list[str]] = {
        "lang": ["fr", "ar", "en"],
        "slug": ["amal", "voisine", product.slug],
        "id": [str(amal.id)],
        "product_id": [str(product.id)],
        "variant_id": [str(variant.id)],
        "lot_id": [str(lot.id)],
        "member_id": [str(member.id)],
        "membership_id": [str(membership.id)],
        "number": [order.number] if order else ["T-1"],
        "shipment_id": [str(order.shipments[0].id)] if order else ["1"],
        "public_id": [lot.public_id],
        "gtin": ["06111234567892"],
        "code": [lot.code],
        "kind": ["svg", "png"],
        "year": ["2026"],
        "month": ["1", "12"],
        "figure": ["series", "products", "regions"],
    }
    return clients, values, variant.sku


def url_for_rule(rule: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1).rsplit(":", 1)[-1]
        return quote(values[name], safe="")

    return re.sub(r"<([^>]+)>", fill, rule)


def variable_names(rule: str) -> list[str]:
    return [m.rsplit(":", 1)[-1] for m in re.findall(r"<([^>]+)>", rule)]


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20))


ROLES = ("anonymous", "customer", "other_manager", "owner", "admin")
STATS: dict[str, int] = {"routes": 0, "requests": 0, "pairs": 0}


def rules_to_walk(app) -> list[Any]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in SKIP),
        # GET pages first, then the POSTs (some of them delete things).
        key=lambda r: ("POST" in r.methods and "GET" not in r.methods, r.rule),
    )


def test_every_route_is_walked(app):
    """A route added later is fuzzed automatically: only SKIP's routes are left out, each for a reason."""
    registered = {r.endpoint for r in app.url_map.iter_rules()}
    walked = {r.endpoint for r in rules_to_walk(app)}
    assert walked == registered - set(SKIP)
    assert set(SKIP) <= registered, "a skipped route no longer exists: drop it from SKIP"


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)  # one test per role, each on a fresh world, in parallel
def test_no_route_answers_500(app, world, capsys, role):
    clients, real, sku = world
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    field_names = form_field_names()
    started = time.monotonic()
    rules = rules_to_walk(app)
    client = clients[role]
    page = client.get("/fr/cart").get_data(as_text=True)
    token = CSRF_META.search(page).group(1)
    # The hostile sweeps go on where the previous role's stopped, as when the
    # roles were walked one after the other in one test.
    per_role = sum(len(rule.methods & {"GET", "POST"}) for rule in rules)
    STATS.update(routes=len(rules), requests=0, pairs=ROLES.index(role) * per_role)
    STATUSES.clear()
    for rule in rules:
        methods = sorted(rule.methods & {"GET", "POST"})
        names = variable_names(rule.rule)
        for method in methods:
            hostile = HOSTILE[STATS["pairs"] % len(HOSTILE)]
            fuzz_one(client, rule.rule, method, names, real, field_names, token, sku, hostile)
            STATS["pairs"] += 1
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nfuzz as {role}: {STATS['routes']} routes ({per_role} route-method pairs)"
            f" × {EXAMPLES} examples + {per_role} hostile sweeps = {STATS['requests']} requests,"
            f" 0 answered 500, in {elapsed:.0f} s on {db.engine.dialect.name};"
            f" statuses {dict(sorted(STATUSES.items()))}"
        )


def fuzz_one(client, rule, method, names, real, field_names, token, sku, hostile) -> None:
    base: dict[str, str] = {}
    if method == "POST":
        # The page's own form, read once with real ids: a base that passes
        # validation except where the fuzzer changes it.
        first = {n: real.get(n, ["1"])[0] for n in names}
        page = client.get(url_for_rule(rule, first))
        if page.status_code == 200 and page.mimetype == "text/html":
            base = page_form(page.get_data(as_text=True))
        base.setdefault("sku", sku)
        base.setdefault("variant", sku)

    # One deterministic sweep: real ids, every query parameter and form field hostile.
    url = url_for_rule(rule, {n: real.get(n, ["1"])[0] for n in names})
    sweep_query = dict.fromkeys(QUERY_NAMES, hostile)
    if method == "GET":
        response = client.get(url, query_string=sweep_query)
    else:
        data = {**dict.fromkeys(base, hostile), "csrf_token": token}
        response = client.post(url, query_string=sweep_query, data=data)
    STATS["requests"] += 1
    STATUSES[response.status_code] += 1
    assert response.status_code != 500, (method, url, hostile)

    variables = st.fixed_dictionaries(
        {n: st.one_of(st.sampled_from(real.get(n, ["1"])), hostile_text()) for n in names}
    )
    query = st.dictionaries(st.sampled_from(QUERY_NAMES), hostile_text(), max_size=4)
    form = st.dictionaries(
        st.sampled_from(sorted(set(field_names) | set(base))), hostile_text(), max_size=4
    )

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(variables=variables, query=query, changes=form)
    def run(variables, query, changes):
        url = url_for_rule(rule, variables)
        STATS["requests"] += 1
        if method == "GET":
            response = client.get(url, query_string=query)
        else:
            data = {**base, **changes, "csrf_token": token}
            response = client.post(url, query_string=query, data=data)
        STATUSES[response.status_code] += 1
        assert response.status_code != 500, (
            method,
            url,
            query,
            changes if method == "POST" else None,
        )

    run()
