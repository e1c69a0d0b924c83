"""Fixtures: one application per session, a rolled-back transaction per test.

With ``TEST_DATABASE_URL`` set the suite runs on that database (PostgreSQL
in CI); otherwise on a SQLite file in a temporary folder. Under pytest-xdist
each worker gets its own database (``<name>_gw0``..., created if missing).
The schema is created once per session. Each test runs inside a transaction
that is rolled back at its end: the code's own commits only release a
SAVEPOINT. Tests whose threads need their own connections (concurrency,
live servers) are marked ``commits``: they commit for real, and every table
is emptied after them.
"""

from __future__ import annotations

import contextvars
import email
import email.policy
import fcntl
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Connection, Engine, make_url

from shop import create_app
from shop.config import database_uri
from shop.database import _sqlite_pragmas
from shop.extensions import db

# Speed is measured by the benchmarks under bench/, never by test timings: a
# loaded CI machine must not fail a property test for being slow.
settings.register_profile("taawon", deadline=None)
settings.load_profile("taawon")

#: Factories and the offline Stripe, in modules of their own.
pytest_plugins = ("tests.factories", "tests.fakes", "tests.jobqueue", "tests.s3")

# Production is the application's default; the tests' own apps (and any
# command they start) run as "testing" unless a test says otherwise.
os.environ["TAAWON_ENV"] = "testing"

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

#: Overrides an ``app_config`` may apply to the session's application for one
#: test (read when used, not when the app is built); any other key gets the
#: test an application of its own.
RUNTIME_SETTINGS = {
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_MAX_NETWORK_RETRIES",
    "STRIPE_SESSION_MINUTES",
    "SEARCH_INDEX_AUTOCREATE",
    "SEARCH_BACKEND",
    "SEARCH_INDEX_DIR",
    "SERVER_NAME",
    "EVIDENCE_MAX_BYTES",
    "PASSWORD_RESET_MAX_AGE",
    "INVOICE_PDF_AFTER_COMMIT",
    "PLATFORM_LEGAL",
}


@pytest.fixture(autouse=True)
def _limiter_state() -> Iterator[None]:
    """Flask-Limiter's one global object, as it was before the test.

    ``init_app`` writes the application's settings (``enabled``, storage, key
    prefix) onto the shared ``limiter``: a test with an application of its own
    and ``RATELIMIT_ENABLED`` left the limits on, in that application's
    storage, for every later test of the worker (registrations then answered
    429 to the address the tests share).
    """
    from shop.extensions import limiter

    state = dict(vars(limiter))
    yield
    vars(limiter).clear()
    vars(limiter).update(state)


@pytest.fixture(scope="session", autouse=True)
def _own_temporary_folder(tmp_path_factory) -> Iterator[None]:
    """A temporary folder of the session's own (each xdist worker's own).

    Whoosh writes an in-memory index through ``<tempdir>/products_v3.tmp``, a
    name every process on the machine shares: two test processes rebuilding
    at once deleted each other's files, or waited on each other's lock.
    """
    previous = tempfile.tempdir
    tempfile.tempdir = str(tmp_path_factory.mktemp("tempdir"))
    yield
    tempfile.tempdir = previous


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The test database's SQLAlchemy URL (one database per xdist worker)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        # tmp_path_factory already gives each xdist worker its own folder.
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    url = database_uri(url, "")
    worker_id = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker_id:
        return url
    return sibling_database(url, worker_id)


def sibling_database(url: str, suffix: str) -> str:
    """The URL of PostgreSQL database ``<name>_<suffix>``, created if missing."""
    base = make_url(url)
    name = f"{base.database}_{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def redis_answers() -> bool:
    """Whether a Redis answers on 127.0.0.1:6379 (tests of the Redis variants skip without)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context.

    The ``app`` fixture keeps an app context open for the test's own queries;
    without this, Flask would reuse it for requests and ``g`` (the page's
    language, the logged-in user, Babel's cached locale) would leak from one
    request into the next, which never happens in production.
    """

    def open(self, *args: Any, **kwargs: Any):
        return contextvars.Context().run(super().open, *args, **kwargs)


def per_test_settings(tmp_path: Path) -> dict[str, Any]:
    """The settings every test starts from (folders under ``tmp_path``)."""
    return {
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "MEDIA_STORAGE": "local",
        "MEDIA_URL": "",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search"),
        "SERVER_NAME": "shop.test",
        "MAIL_SERVER": "",
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
    }


def make_app(database_url: str, tmp_path: Path, **overrides: Any):
    """An application configured for tests."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "ENVIRONMENT": "testing",
        "PUBLIC_BASE_URL": "http://shop.test",
        "RATELIMIT_ENABLED": False,
        # The page cache is off: the tests share one application and roll
        # their data back, so a page one test stored would be served to the
        # next, and many tests read stock right after changing it. Pages are
        # still rendered as the cache keeps them (shop/pagecache.py, public
        # mode); tests/shop/test_page_cache.py turns it on.
        "PAGE_CACHE_SECONDS": 0,
        # Lapsed card holds are released before every catalogue page, not at
        # most every few seconds: tests read stock right after a hold lapses
        # (tests/orders/test_hold_release.py checks the interval).
        "HOLD_RELEASE_INTERVAL_SECONDS": 0,
        # Hashing is not under test (one test checks the production scrypt).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Invoices' PDFs (WeasyPrint, ~0.3 s each) are rendered when first
        # downloaded rather than after every commit that ships a parcel;
        # tests/orders/test_invoicing.py turns the job back on.
        "INVOICE_PDF_AFTER_COMMIT": False,
        **per_test_settings(tmp_path),
    }
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = IsolatedClient
    return application


def create_schema() -> None:
    """Every table, on an emptied database."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
    db.create_all()


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create every table once for the session."""
    app = make_app(database_url, tmp_path_factory.mktemp("schema"))
    with app.app_context():
        create_schema()
        db.engine.dispose()


@pytest.fixture(scope="session")
def session_app(_schema, database_url, tmp_path_factory) -> Iterator[Flask]:
    """The application most tests share (built once: create_app is not free)."""
    application = make_app(database_url, tmp_path_factory.mktemp("app"))
    yield application
    # Close its pooled connections (tests marked ``commits`` use them): a
    # connection left to the garbage collector is a ResourceWarning, an error here.
    with application.app_context():
        db.engine.dispose()


class SharedConnection(Connection):
    """The test's one connection, standing in for ``db.engine``.

    ``db.engine.begin()`` (code writing "behind the session's back") writes
    on it directly, inside the test's transaction: a second connection could
    not see the test's rows, and a SAVEPOINT of its own could end before one
    the test's session opens meanwhile (they must nest).
    """

    def begin(self):  # type: ignore[override]
        if not self.in_transaction():
            return super().begin()
        return _Joined(self)


class _Joined:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> Connection:
        return self.conn

    def __exit__(self, *_exc) -> None:
        pass


def make_transaction_engine(url: str) -> Engine:
    """An engine for rolled-back test transactions.

    pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's
    documented fix: no implicit transactions from the driver, BEGIN emitted
    on SQLAlchemy's begin (same pragmas as shop/database.py).
    """
    if not url.startswith("sqlite"):
        return create_engine(url)
    engine = create_engine(url, connect_args={"timeout": 15, "isolation_level": None})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


@pytest.fixture(scope="session")
def transaction_engine(_schema, database_url) -> Iterator[Engine]:
    """The engine of the rolled-back test transactions."""
    engine = make_transaction_engine(database_url)
    yield engine
    engine.dispose()


# ---------------------------------------------------------------- the demo, seeded once


@dataclass(frozen=True)
class SeedRun:
    """What one ``seed-demo`` run printed (kept as JSON for the other xdist workers)."""

    exit_code: int
    output: str


@dataclass(frozen=True)
class DemoSeed:
    """The session's ``seed-demo``, then a second run over it, with every table's rows."""

    first: SeedRun
    again: SeedRun
    rows_before: dict[str, int]
    rows_after: dict[str, int]


def _seed_run(application: Flask) -> SeedRun:
    result = application.test_cli_runner().invoke(args=["seed-demo"])
    return SeedRun(result.exit_code, result.output)


def _row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table.name: conn.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def seed_demo_database(url: str, folder: Path) -> DemoSeed:
    """Create every table at ``url`` and run ``seed-demo`` there twice.

    The second run proves the command idempotent once for the whole suite
    (``demo_reseed``): the tests read its output and the row counts instead
    of each running the command again.
    """
    application = make_app(url, folder, SEARCH_INDEX_DIR=":memory:")
    with application.app_context():
        create_schema()
        first = _seed_run(application)
        db.session.remove()
        before = _row_counts()
        db.engine.dispose()
    # The second run in an application of its own, as a second `flask
    # seed-demo` would be (a process with its own in-memory search index).
    application = make_app(url, folder, SEARCH_INDEX_DIR=":memory:")
    with application.app_context():
        again = _seed_run(application)
        db.session.remove()
        seeded = DemoSeed(first, again, before, _row_counts())
        db.engine.dispose()
    return seeded


def base_database_url() -> str | None:
    """``TEST_DATABASE_URL`` as the application reads it (no xdist worker suffix)."""
    url = os.environ.get("TEST_DATABASE_URL")
    return database_uri(url, "") if url else None


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (xdist workers take turns)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_demo_template(shared: Path) -> None:
    """Seed the demo into ``shared`` (and ``<name>_demo`` on PostgreSQL) unless done.

    The first process to take the lock seeds; the others wait, then find the
    record it wrote. Also run on its own by ``_demo_seeded_in_the_background``.
    """
    shared.mkdir(exist_ok=True)
    with file_lock(shared.parent / "demo-template.lock"):
        if not (shared / "seed.json").exists():
            seeded = seed_demo_database(demo_template_url(shared), shared)
            (shared / "seed.json").write_text(json.dumps(asdict(seeded)), encoding="utf-8")


def demo_template_url(shared: Path) -> str:
    """Where the demo template is: a SQLite file in ``shared``, or ``<name>_demo``."""
    base = base_database_url()
    return sibling_database(base, "demo") if base else "sqlite:///" + str(shared / "demo.sqlite3")


def demo_template(tmp_path_factory) -> tuple[Path, str, DemoSeed]:
    """The demo seeded once per run, for every xdist worker to copy.

    It lives in the run's shared temporary folder (and on PostgreSQL in
    database ``<name>_demo``). Seeding is the suite's most expensive step.
    """
    shared = tmp_path_factory.getbasetemp().parent / "demo-template"
    build_demo_template(shared)
    data = json.loads((shared / "seed.json").read_text(encoding="utf-8"))
    seeded = DemoSeed(
        SeedRun(**data["first"]), SeedRun(**data["again"]), data["rows_before"], data["rows_after"]
    )
    return shared, demo_template_url(shared), seeded


#: The background seed: ``build_demo_template`` on the folder given.
SEED_TEMPLATE = (
    "import sys, pathlib, tests.conftest as c; c.build_demo_template(pathlib.Path(sys.argv[1]))"
)


@pytest.fixture(scope="session", autouse=True)
def _demo_seeded_in_the_background(request, tmp_path_factory) -> Iterator[None]:
    """Under xdist, worker gw0 starts seeding the demo at once, in a process of
    its own: both workers run other tests meanwhile instead of one of them
    waiting for the seed when it reaches its first ``demo`` test."""
    if os.environ.get("PYTEST_XDIST_WORKER") != "gw0" or not any(
        item.get_closest_marker("demo") for item in request.session.items
    ):
        yield
        return
    shared = tmp_path_factory.getbasetemp().parent / "demo-template"
    shared.mkdir(exist_ok=True)
    root = Path(__file__).resolve().parents[1]
    temporary = shared.parent / "demo-template-tmp"  # see _own_temporary_folder
    temporary.mkdir(exist_ok=True)
    with (shared.parent / "demo-template.log").open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SEED_TEMPLATE,
                str(shared),
            ],
            cwd=root,
            env={
                **os.environ,
                "TMPDIR": str(temporary),
                "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    # Should it fail, the first demo test seeds in its worker (and says why).
    yield
    process.wait()


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database with SQLite's backup API (its write-ahead log included)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def copy_database(template_url: str, url: str) -> None:
    """Make PostgreSQL database ``url`` a copy of ``template_url`` (replaced if there)."""
    target, template = make_url(url), make_url(template_url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # A template must have no session: end any the seeding process left
        # open (it may be exiting while it releases the lock).
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": template.database},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        conn.execute(text(f'CREATE DATABASE "{target.database}" TEMPLATE "{template.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def demo_app(_schema, database_url, tmp_path_factory) -> Iterator[Flask]:
    """An application on a database of its own, seeded with ``seed-demo``.

    Under pytest-xdist the demo is seeded once for all workers
    (``demo_template``), and each worker copies it: the SQLite file and the
    pictures, or a PostgreSQL database made from it as a template.
    """
    folder = tmp_path_factory.mktemp("demo")
    sqlite = database_url.startswith("sqlite")
    url = (
        "sqlite:///" + str(folder / "demo.sqlite3")
        if sqlite
        else sibling_database(database_url, "demo")
    )
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared, template_url, seeded = demo_template(tmp_path_factory)
        with file_lock(shared.parent / "demo-template.lock"):
            # The pictures and private files; the database on its own.
            shutil.copytree(
                shared,
                folder,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("*.json", "*.sqlite3*"),
            )
            if sqlite:
                copy_sqlite(shared / "demo.sqlite3", folder / "demo.sqlite3")
            else:
                copy_database(template_url, url)
    else:
        seeded = seed_demo_database(url, folder)
    application = make_app(url, folder, SEARCH_INDEX_DIR=":memory:")
    with application.app_context():
        from catalog.search import reindex

        # The search index is in memory: built for this application's copy.
        reindex()
        db.session.remove()
    application.extensions["demo_seed"] = seeded
    engine = make_transaction_engine(url)
    application.extensions["demo_transaction_engine"] = engine
    yield application
    engine.dispose()
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def demo_seed(app) -> SeedRun:
    """The output of the session's one ``seed-demo`` (tests marked ``demo`` run on its data)."""
    assert "demo_seed" in app.extensions, "mark the test @pytest.mark.demo"
    return app.extensions["demo_seed"].first


@pytest.fixture
def demo_reseed(app) -> DemoSeed:
    """``seed-demo`` run a second time over the first, once per run: its output
    (``.again``) and every table's row count before and after it."""
    assert "demo_seed" in app.extensions, "mark the test @pytest.mark.demo"
    return app.extensions["demo_seed"]


@contextmanager
def rolled_back(engine: Engine) -> Iterator[None]:
    """Run the block on one connection in a transaction that is rolled back.

    ``db.engine`` (so every session, ``db.session`` included) is that
    connection; sessions commit by releasing a SAVEPOINT.
    """
    engines = db.engines
    real = engines[None]
    conn = SharedConnection(engine)
    outer = conn.begin()
    engines[None] = conn
    factory = db.session.session_factory
    factory.kw["join_transaction_mode"] = "create_savepoint"
    try:
        yield
    finally:
        db.session.remove()
        factory.kw.pop("join_transaction_mode", None)
        engines[None] = real
        outer.rollback()
        conn.close()


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


@contextmanager
def configured(application: Flask, settings: dict[str, Any]) -> Iterator[None]:
    """Apply settings (and a fresh search index) for one test, then restore."""
    from catalog.search import make_backend

    config, extensions = dict(application.config), dict(application.extensions)
    application.config.update(settings)
    if "demo_seed" not in extensions:  # the demo keeps the index of its data
        application.extensions["taawon_search"] = make_backend(application)
    try:
        yield
    finally:
        application.config.clear()
        application.config.update(config)
        application.extensions.clear()
        application.extensions.update(extensions)


@pytest.fixture
def app(
    request, session_app, transaction_engine, database_url, tmp_path, media_settings, app_config
):
    """The application, in an app context, on a database no other test sees.

    The session's application with this test's folders and ``app_config``
    applied; a new one when ``app_config`` changes a setting read at start-up
    or the test is marked ``fresh_app`` (it adds routes). The search index is
    in memory unless the test is marked ``search_on_disk``. Tests marked
    ``demo`` run on the demo data seeded once for the session.
    """
    settings = {**per_test_settings(tmp_path), **media_settings, **app_config}
    if (
        not request.node.get_closest_marker("search_on_disk")
        and "SEARCH_INDEX_DIR" not in app_config
    ):
        # (per_test_settings names a folder: a setdefault here kept it.)
        settings["SEARCH_INDEX_DIR"] = ":memory:"
    fresh = request.node.get_closest_marker("fresh_app") or not set(app_config) <= RUNTIME_SETTINGS
    application = make_app(database_url, tmp_path, **settings) if fresh else session_app
    if request.node.get_closest_marker("demo"):
        assert not fresh, "demo tests share the seeded application"
        application = request.getfixturevalue("demo_app")
        settings.pop("MEDIA_ROOT")  # the demo's pictures
        settings.pop("PRIVATE_MEDIA_ROOT")  # and its evidence PDFs
        transaction_engine = application.extensions["demo_transaction_engine"]
    commits = request.node.get_closest_marker("commits") or request.node.get_closest_marker(
        "browser"
    )
    with configured(application, settings), application.app_context():
        if commits:
            try:
                yield application
            finally:
                empty_tables()
                db.session.remove()
        else:
            with rolled_back(transaction_engine):
                yield application
        if fresh:
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
    """POST like a browser: fetch the form's page for its CSRF token first, and
    send the site's ``Origin`` (browsers send it with every form POST)."""

    def post(
        client, url: str, data: dict[str, Any] | None = None, *, page: str | None = None, **kwargs
    ):
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(client, page or url))
        headers = {
            "Origin": client.application.config["PUBLIC_BASE_URL"],
            **kwargs.pop("headers", {}),
        }
        return client.post(url, data=data, headers=headers, **kwargs)

    return post


@pytest.fixture
def make_user(app) -> Callable[..., Any]:
    """Create users: ``make_user(email=..., password=..., is_admin=...)``."""
    from shop.accounts.services import register_user

    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None,
        password: str = "correct horse battery",
        name: str = "Test User",
        is_admin: bool = False,
        locale: str = "fr",
    ):
        user = register_user(
            email or f"user{next(counter)}@example.com", name, password, locale, is_admin=is_admin
        )
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
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(folder.glob("*.eml"))
        ]

    return read


@pytest.fixture
def text_outbox(app) -> Callable[[], list[dict[str, str]]]:
    """The SMS and WhatsApp messages written to ``outbox/messages/``, oldest first."""

    def read() -> list[dict[str, str]]:
        folder = Path(app.config["OUTBOX_DIR"]) / "messages"
        if not folder.exists():
            return []
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]

    return read
