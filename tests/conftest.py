"""Fixtures: an app per test on a clean database, clients, factories.

With ``TEST_DATABASE_URL`` set the suite runs on that database (PostgreSQL
in CI); otherwise on a SQLite file in a temporary folder. The schema is
created once per session and every table is emptied after each test, which
keeps real commits (needed by the concurrency tests) and stays fast.
"""
from __future__ import annotations

import email
import email.policy
import os
import re
from email.message import Message
from pathlib import Path
from typing import Any, Callable

import contextvars

import pytest
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import text

from shop import create_app
from shop.config import database_uri
from shop.extensions import db

# Speed is measured by the benchmarks under bench/, never by test timings: a
# loaded CI machine must not fail a property test for being slow.
settings.register_profile("taawon", deadline=None)
settings.load_profile("taawon")

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The test database's SQLAlchemy URL."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return database_uri(url, "")
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context.

    The ``app`` fixture keeps an app context open for the test's own queries;
    without this, Flask would reuse it for requests and ``g`` (the page's
    language, the logged-in user, Babel's cached locale) would leak from one
    request into the next, which never happens in production.
    """

    def open(self, *args: Any, **kwargs: Any):
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url: str, tmp_path: Path, **overrides: Any):
    """An application configured for tests."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search"),
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "shop.test",
        "MAIL_SERVER": "",
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
    }
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create every table once for the session."""
    app = make_app(database_url, tmp_path_factory.mktemp("schema"))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield


def empty_tables() -> None:
    """Delete every row, children first."""
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Per-test configuration overrides (override this fixture in a module)."""
    return {}


@pytest.fixture
def app(_schema, database_url, tmp_path, app_config):
    """A fresh application on an empty database."""
    application = make_app(database_url, tmp_path, **app_config)
    with application.app_context():
        yield application
        empty_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


def csrf_token(client, url: str) -> str:
    """The CSRF token a page gives (from its meta tag)."""
    response = client.get(url)
    match = CSRF_META.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return match.group(1)


@pytest.fixture
def post_form():
    """POST like a browser: fetch the form's page for its CSRF token first."""

    def post(client, url: str, data: dict[str, Any] | None = None, *, page: str | None = None,
             **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(client, page or url))
        return client.post(url, data=data, **kwargs)

    return post


@pytest.fixture
def make_user(app) -> Callable[..., Any]:
    """Create users: ``make_user(email=..., password=..., is_admin=...)``."""
    from shop.accounts.services import register_user

    counter = iter(range(1, 10_000))

    def make(email: str | None = None, password: str = "correct horse battery",
             name: str = "Test User", is_admin: bool = False, locale: str = "fr"):
        user = register_user(email or f"user{next(counter)}@example.com", name, password,
                             locale, is_admin=is_admin)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(post_form):
    """Log a client in through the real login form."""

    def do_login(client, user, password: str = "correct horse battery", lang: str = "fr"):
        url = f"/{lang}/account/login"
        response = post_form(client, url, {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do_login


@pytest.fixture
def outbox(app) -> Callable[[], list[Message]]:
    """The messages written to the outbox folder, oldest first."""

    def read() -> list[Message]:
        folder = Path(app.config["OUTBOX_DIR"])
        if not folder.exists():
            return []
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(folder.glob("*.eml"))]

    return read

# ---------------------------------------------------------------- catalog factories
from decimal import Decimal  # noqa: E402
from itertools import count  # noqa: E402

from catalog.categories import ensure_default_categories  # noqa: E402
from catalog.models import (Category, Certification, CertificationKind, Product,  # noqa: E402
                            ProductStatus, ProductTranslation, Unit, Variant)
from producers.models import (Cooperative, CooperativeStatus,  # noqa: E402
                              CooperativeTranslation)
from shop.models import utcnow  # noqa: E402

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

    def make(slug: str | None = None, status=CooperativeStatus.APPROVED, region_code: int = 9,
             **fields: Any) -> Cooperative:
        n = next(_numbers)
        coop = Cooperative(
            slug=slug or f"coop-{n}", legal_name=fields.pop("legal_name", f"Coopérative {n}"),
            region_code=region_code, province="Taroudant", commune="Taliouine",
            members_count=10, women_members_count=7, status=status,
            latitude=Decimal("30.5"), longitude=Decimal("-7.9"),
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

    def make(name_fr: str | None = "Huile d'argan", name_ar: str | None = None,
             name_en: str | None = None, price: int = 12_000, stock: int = 10,
             category: str = "argan-oil", cooperative: Cooperative | None = None,
             status=ProductStatus.PUBLISHED, certifications: tuple[str, ...] = (),
             variants: int = 1, published_at=None) -> Product:
        n = next(_numbers)
        coop = cooperative or make_cooperative()
        product = Product(cooperative=coop, category=categories[category], slug=f"product-{n}",
                          status=status, published_at=published_at or utcnow())
        for locale, name in (("fr", name_fr), ("ar", name_ar), ("en", name_en)):
            if name:
                product.translations.append(ProductTranslation(locale=locale, name=name,
                                                               description=f"{name} !"))
        for i in range(variants):
            product.variants.append(Variant(sku=f"SKU-{n}-{i}", label="250 ml", unit_quantity=250,
                                            unit=Unit.ML, price_cents=price + i * 1000,
                                            stock=stock, weight_g=300, position=i))
        for kind in certifications:
            cert = db.session.scalar(db.select(Certification).filter_by(
                cooperative_id=coop.id, kind=CertificationKind(kind)))
            if cert is None:
                cert = Certification(cooperative=coop, kind=CertificationKind(kind),
                                     number=f"N-{n}", issuer="ONSSA")
            product.certifications.append(cert)
        db.session.add(product)
        db.session.commit()
        return product

    return make


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements:`` records the SQL a block runs."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


# ------------------------------------------------------------------ Stripe, offline

import json  # noqa: E402
from collections import defaultdict  # noqa: E402
from urllib.parse import parse_qs, urlsplit  # noqa: E402

import stripe  # noqa: E402


class FakeStripe(stripe.HTTPClient):
    """Stripe's API offline, injected into ``StripeClient(http_client=…)``.

    Records every request; answers Checkout Sessions, refunds, transfers and
    balance transactions like Stripe, including idempotency (a key seen before
    gets the same answer); or fails like a dead network (``down``, or new
    requests after ``fail_after`` keyed answers) or a broken API (``status``).
    """

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict] = []
        self.answers: dict[str, dict] = {}
        self.down = False
        self.fail_after: int | None = None
        self.status = 200
        self.session_status = "open"
        self.refund_status = "succeeded"
        self.refuse_refunds = False
        self.balance_fee = (367, "mad")
        self._ids: dict[str, Any] = defaultdict(lambda: count(1))

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path = urlsplit(url).path
        form = {k: v[0] for k, v in parse_qs(post_data or "").items()}
        key = dict(headers or {}).get("Idempotency-Key")
        self.requests.append({"method": method, "path": path, "headers": dict(headers or {}),
                              "form": form, "key": key})
        if self.down or (self.fail_after is not None and key not in self.answers
                         and len(self.answers) >= self.fail_after):
            raise stripe.APIConnectionError("Network error: connection refused",
                                            should_retry=False)
        if self.status >= 500:
            return json.dumps({"error": {"type": "api_error", "message": "boom"}}), \
                self.status, {}
        if key and key in self.answers:
            return json.dumps(self.answers[key]), 200, {"request-id": "req_1"}
        body, status = self._answer(method, path, form)
        if key and status == 200:
            self.answers[key] = body
        return json.dumps(body), status, {"request-id": "req_1"}

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids[prefix])}"

    def _answer(self, method: str, path: str, form: dict) -> tuple[dict, int]:
        if method == "post" and path == "/v1/checkout/sessions":
            session = self._new_id("cs")
            return {"id": session, "object": "checkout.session", "status": "open",
                    "url": f"https://checkout.stripe.com/c/pay/{session}"}, 200
        if method == "get" and path.startswith("/v1/checkout/sessions/"):
            session = path.rsplit("/", 1)[1]
            is_open = self.session_status == "open"
            return {"id": session, "object": "checkout.session", "status": self.session_status,
                    "url": f"https://checkout.stripe.com/c/pay/{session}" if is_open
                    else None}, 200
        if method == "post" and path == "/v1/refunds":
            if self.refuse_refunds:
                return {"error": {"type": "invalid_request_error",
                                  "code": "charge_already_refunded",
                                  "message": "Charge already refunded."}}, 400
            amount = form.get("amount")
            return {"id": self._new_id("re"), "object": "refund", "status": self.refund_status,
                    "amount": int(amount) if amount else None}, 200
        if method == "post" and path == "/v1/transfers":
            return {"id": self._new_id("tr"), "object": "transfer",
                    "amount": int(form["amount"])}, 200
        if method == "get" and path.startswith("/v1/balance_transactions/"):
            fee, currency = self.balance_fee
            return {"id": path.rsplit("/", 1)[1], "object": "balance_transaction", "fee": fee,
                    "currency": currency}, 200
        return {"error": {"type": "invalid_request_error"}}, 404

    def request_stream(self, *args, **kwargs):
        raise NotImplementedError

    def close(self) -> None:
        pass

    def calls(self, path: str) -> list[dict]:
        """The requests made to ``path``."""
        return [r for r in self.requests if r["path"] == path]

    def created(self) -> list[dict]:
        """The Checkout Sessions created."""
        return [r for r in self.calls("/v1/checkout/sessions") if r["method"] == "post"]


@pytest.fixture
def fake(app) -> FakeStripe:
    """The offline Stripe every Stripe call of the test goes to."""
    client = FakeStripe()
    app.extensions["stripe_http_client"] = client
    return client
