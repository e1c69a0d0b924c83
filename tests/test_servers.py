"""Two gunicorn servers and a worker, as deployed, sharing a database, Redis and S3.

Started from deploy/gunicorn.conf.py and ``flask worker --with-scheduler`` in
processes of their own, on free loopback ports, with:

- the test's database: PostgreSQL with ``TEST_DATABASE_URL`` (a database of
  its own, ``<name>_servers``) and the PostgreSQL search backend; else a
  SQLite file and a Whoosh index in one folder (one machine's shape);
- one Redis (``TEST_REDIS_URL``, and ``TEST_LIMITS_REDIS_URL`` for the
  limits) for the job queue, the rate limits and the page cache, with a key
  prefix and a queue of the test's own;
- one S3 API (moto's server, ``tests/s3.py``), a bucket of the test's own
  that pages link pictures to (``MEDIA_URL``); the local media folders sit
  under a plain file, so a picture written to or read from a server's disk
  fails the test;
- the page cache on in every process, its pages kept ten minutes
  (``PAGE_CACHE_SECONDS=600``): only an invalidation renews one in the test;
- a mail server on the loopback that refuses the first message.

Nothing is done behind the servers' backs but the seeding (a cooperative, its
manager and a product) and reading ids: the rest goes through the real
forms, over HTTP, as a browser would.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlalchemy import create_engine, select, text

from catalog.categories import ensure_default_categories
from catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductStatus,
    ProductTranslation,
    Unit,
    Variant,
)
from producers.models import (
    Cooperative,
    CooperativeStatus,
    CooperativeTranslation,
    Membership,
    MembershipRole,
)
from shop.accounts.services import register_user
from shop.extensions import db
from shop.mail import OutboxMail, OutboxStatus
from shop.models import utcnow
from tests.conftest import create_schema, make_app, per_test_settings, sibling_database
from tests.jobqueue import REDIS_URL, RedisJobs, need_redis
from tests.s3 import client_settings
from tests.shop.test_shared_limits import LIMITS_REDIS_URL
from tests.shop.test_storage import public_read_policy

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
#: How soon a change made through one server must show on the other.
VISIBLE_WITHIN = 1.0
#: Generous: a loaded 2-core machine starts gunicorn slowly.
START_SECONDS = 90.0

MANAGER = {"email": "aicha@tafraout.ma", "password": "correct horse battery"}
OLD_PRICE, NEW_PRICE = "123.45", "67.89"

pytestmark = [pytest.mark.slow, pytest.mark.commits]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], object], seconds: float = 40.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def search_backend(database: str) -> str:
    """The search backend every process uses: PostgreSQL's tables on PostgreSQL."""
    return "postgresql" if database.startswith("postgresql") else "whoosh"


@pytest.fixture
def database(database_url, tmp_path):
    """A database of its own for the servers, with every table."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'servers.sqlite3'}"
    else:
        url = sibling_database(database_url, "servers")
    application = make_app(url, tmp_path / "schema")
    with application.app_context():
        create_schema()
        db.engine.dispose()
    yield url
    if not url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


@pytest.fixture
def reader(database):
    """An engine on the servers' database, for the test's own look at ids."""
    engine = create_engine(database)
    yield engine
    engine.dispose()


@dataclass(frozen=True)
class Catalogue:
    """What the seed made: the cooperative's address, a category, a product on sale."""

    cooperative: str
    category_id: int
    warm_up: str


@pytest.fixture
def catalogue(database, tmp_path) -> Catalogue:
    """An approved cooperative, its owner (``MANAGER``) and one product on sale.

    Written with the servers' search backend (and, for Whoosh, into their
    index folder), so that the product is searchable on every server.
    """
    application = make_app(
        database,
        tmp_path / "seed",
        SEARCH_BACKEND=search_backend(database),
        SEARCH_INDEX_DIR=str(tmp_path / "search"),
    )
    with application.app_context():
        ensure_default_categories()
        category = db.session.scalar(select(Category).where(Category.slug == "argan-oil"))
        assert category is not None
        owner = register_user(MANAGER["email"], "Aicha", MANAGER["password"], "en")
        coop = Cooperative(
            slug="tafraout",
            legal_name="Coopérative Tafraout",
            region_code=9,
            province="Tiznit",
            commune="Tafraout",
            members_count=12,
            women_members_count=9,
            status=CooperativeStatus.APPROVED,
            latitude=Decimal("29.72"),
            longitude=Decimal("-8.97"),
            translations=[CooperativeTranslation(locale="en", tagline="Almonds", story="Ours")],
        )
        db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
        # A product already on sale: the pages are warmed with it before the timed part.
        warm_up = Product(
            cooperative=coop,
            category=category,
            slug="culinary-argan-oil-tafraout",
            status=ProductStatus.PUBLISHED,
            published_at=utcnow(),
            translations=[
                ProductTranslation(locale="en", name="Culinary argan oil", description="Toasted.")
            ],
            variants=[
                Variant(
                    sku="ARGAN-250",
                    label="250 ml",
                    unit_quantity=250,
                    unit=Unit.ML,
                    price_cents=15_000,
                    stock=5,
                    weight_g=300,
                    position=0,
                )
            ],
        )
        db.session.add(warm_up)
        db.session.commit()
        seeded = Catalogue(coop.slug, category.id, warm_up.slug)
        db.session.remove()
        db.engine.dispose()
    return seeded


@dataclass(frozen=True)
class Deployment:
    """The two servers' base URLs, the environment they share, and their bucket."""

    a: str
    b: str
    env: dict[str, str]
    bucket: str
    media_url: str
    cache_prefix: str


@pytest.fixture
def deployment(
    database, tmp_path, smtp_server, s3_endpoint, s3_client, make_bucket
) -> Iterator[Deployment]:
    """Two web servers and a worker sharing the database, Redis and one S3 endpoint."""
    need_redis(REDIS_URL)
    need_redis(LIMITS_REDIS_URL)
    import redis

    bucket = make_bucket()
    # As the README's deployment does: anyone may read the pictures (img/*).
    s3_client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    media_url = f"{s3_endpoint}/{bucket}/"
    # A plain file where the local media folders would be: nothing may use them.
    blocker = tmp_path / "no-local-media"
    blocker.write_bytes(b"")

    ports = [free_port(), free_port()]
    queue, prefix = f"servers-{uuid.uuid4().hex[:8]}", f"servers-{uuid.uuid4().hex[:8]}"
    cache_prefix = f"{prefix}:page:"
    env = {
        **os.environ,
        "TAAWON_ENV": "testing",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{ports[0]}",
        "SECRET_KEY": "servers-test-secret",
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_STORAGE_URI": LIMITS_REDIS_URL,
        "TAAWON_RATELIMIT_KEY_PREFIX": prefix,
        "TAAWON_LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": "10 per 15 minutes",
        "TAAWON_JOB_QUEUE": queue,
        "TAAWON_JOB_RETRY_INTERVALS": "[1]",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "MAIL_USE_TLS": "false",
        # The page cache, on in every process; its pages and generation in
        # Redis under the test's own prefix.
        "PAGE_CACHE_SECONDS": "600",
        "TAAWON_CACHE_KEY_PREFIX": cache_prefix,
        # The search: PostgreSQL's tables, or one Whoosh folder on SQLite.
        "SEARCH_BACKEND": search_backend(database),
        "SEARCH_INDEX_DIR": str(tmp_path / "search"),
        "TAAWON_SEARCH_INDEX_AUTOCREATE": "true",
        # The media: the test's bucket, linked to directly by the pages.
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": bucket,
        **client_settings(s3_endpoint),
        "MEDIA_URL": media_url,
        "MEDIA_ROOT": str(blocker / "media"),
        "PRIVATE_MEDIA_ROOT": str(blocker / "private"),
        # The tests' own outbox folder (the mail server is the outbox here).
        "OUTBOX_DIR": per_test_settings(tmp_path)["OUTBOX_DIR"],
        "PROXY_COUNT": "0",
        "WEB_CONCURRENCY": "2",
    }
    for name in ("TEST_DATABASE_URL", "TEST_MEDIA_STORAGE"):
        env.pop(name, None)
    logs = tmp_path / "logs"
    logs.mkdir()
    commands = {
        f"web-{port}": ([str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
                        {**env, "PORT": str(port)})
        for port in ports
    }  # fmt: skip
    commands["worker"] = ([str(BIN / "flask"), "--app", "shop", "worker", "--with-scheduler"], env)
    processes = []
    for name, (command, environment) in commands.items():
        with (logs / f"{name}.log").open("w") as log:
            processes.append(
                subprocess.Popen(
                    command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
                )
            )
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        for url in (a, b):
            wait_until(
                lambda url=url: answers(f"{url}/healthz"),
                seconds=START_SECONDS,
                what=f"{url} to start",
            )
        yield Deployment(a, b, env, bucket, media_url, cache_prefix)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        jobs_left = RedisJobs.named(queue)
        jobs_left.clean()
        jobs_left.connection.close()
        for url in dict.fromkeys((LIMITS_REDIS_URL, REDIS_URL)):
            connection = redis.Redis.from_url(url)
            for key in connection.scan_iter(f"*{prefix}*"):
                connection.delete(key)
            connection.close()
        for log in sorted(logs.iterdir()):
            print(f"--- {log.name}\n{log.read_text()[-3000:]}")


def post(
    session: requests.Session,
    url: str,
    page: str,
    data: dict,
    *,
    form: str | None = None,
    **kwargs,
) -> requests.Response:
    """POST to ``page`` like a browser, with the CSRF token of the ``form`` page (default ``page``)."""
    token = CSRF.search(session.get(url + (form or page), timeout=30).text)
    assert token, f"no CSRF token on {form or page}"
    return session.post(
        url + page, data={**data, "csrf_token": token.group(1)}, timeout=30, **kwargs
    )


def test_two_servers_share_limits_and_the_worker_sends_each_mail_once(
    deployment, smtp_server, database
):
    a, b = deployment.a, deployment.b
    # Ten failed logins spread over both servers trip one shared limit.
    browsers = {a: requests.Session(), b: requests.Session()}
    login = "/en/account/login"
    wrong = {"email": "amina@example.com", "password": "wrong-password"}
    codes = [post(browsers[url], url, login, wrong).status_code for url in (a, b) * 5]
    assert codes == [200] * 10
    assert post(browsers[a], a, login, wrong).status_code == 429
    assert post(browsers[b], b, login, wrong).status_code == 429

    # A mail caused through server B: the request only queues it; the mail
    # server refuses it once, the worker retries it after its backoff and it
    # is sent exactly once.
    smtp_server.fail_next = 1
    answer = post(
        requests.Session(), b, "/en/account/register", {"email": "new@example.com", "name": "N"}
    )
    assert answer.status_code == 200
    wait_until(lambda: len(smtp_server.messages) == 1, what="the mail to be sent")
    time.sleep(2)  # time for a wrong second send to show
    assert smtp_server.attempts == 2 and len(smtp_server.messages) == 1
    engine = create_engine(database)
    with engine.connect() as conn:
        ((status, attempts),) = conn.execute(select(OutboxMail.status, OutboxMail.attempts)).all()
    engine.dispose()
    assert (OutboxStatus(status), attempts) == (OutboxStatus.SENT, 2)
    assert b"new@example.com" in smtp_server.messages[0]


# ---------------------------------------------------------------- publishing and prices


def picture_bytes(colour: tuple[int, int, int]) -> bytes:
    """A photo 1200 px wide: stored at 1080 in the request, 320 and 640 by the worker."""
    image = Image.new("RGB", (1200, 900), colour)
    for x in range(0, 1200, 100):
        image.paste((120, 70, 30), (x, 0, x + 40, 900))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def anonymous(url: str) -> requests.Response:
    """A GET by a visitor who is not signed in and sends no cookie (the page cache's case)."""
    return requests.get(url, timeout=30)


def bucket_object(s3_client, bucket: str, name: str) -> bytes:
    return s3_client.get_object(Bucket=bucket, Key=name)["Body"].read()


def picture_links(html: str, media_url: str) -> list[str]:
    """Every picture address of a page (``src`` and ``srcset``) under ``media_url``."""
    links = re.findall(r'src="([^"]+)"', html)
    for srcset in re.findall(r'srcset="([^"]+)"', html):
        links.extend(part.split()[0] for part in unescape(srcset).split(","))
    return [unescape(link) for link in links if link.startswith(media_url)]


#: A picture's address: img/<2>/<key>-<width>.<extension>.
RENDITION = re.compile(r"img/\w\w/(\w+)-(\d+)\.\w+$")


def widths_shown(html: str, media_url: str) -> dict[str, set[int]]:
    """The widths a page offers of each picture, by picture key."""
    shown: dict[str, set[int]] = {}
    for link in picture_links(html, media_url):
        match = RENDITION.search(link)
        if match:
            shown.setdefault(match.group(1), set()).add(int(match.group(2)))
    return shown


def fetch_from_bucket(link: str, deployment: Deployment, s3_client) -> bool:
    """Fetch a picture address as a browser would; True when it is the bucket's object."""
    answer = requests.get(link, timeout=10)
    name = link.removeprefix(deployment.media_url)
    return answer.status_code == 200 and answer.content == bucket_object(
        s3_client, deployment.bucket, name
    )


def first_success(check: Callable[[], bool], since: float, seconds: float) -> float | None:
    """Seconds from ``since`` to ``check``'s first true answer, or None if none by then."""
    deadline = since + seconds
    while True:
        if check():
            return time.monotonic() - since
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


def stored_pages(deployment: Deployment, path: str) -> list[bytes]:
    """The keys of the pages stored in Redis for ``path`` (any generation, language, coding)."""
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        return list(connection.scan_iter(f"{deployment.cache_prefix}*|{path}?*"))
    finally:
        connection.close()


def renditions_made(reader, product_id: int) -> bool:
    """Whether the worker has stored every width of the product's pictures."""
    with reader.connect() as conn:
        rows = conn.scalars(
            select(ProductImage.widths).where(ProductImage.product_id == product_id)
        )
        return all(widths == "320,640,1080" for widths in rows)


def test_a_product_published_on_one_server_shows_on_the_other_and_a_price_change_everywhere(
    catalogue, deployment, reader, s3_client
):
    a, b = deployment.a, deployment.b
    workspace = f"/en/producer/{catalogue.cooperative}"
    warm_up = f"/en/products/{catalogue.warm_up}"
    # Each server's workers have rendered these pages (templates compiled,
    # the search and connections opened), as a server in production has.
    # The bypass cookie makes each render them: otherwise B would answer from
    # the pages A stored in Redis, and render for the first time after the
    # publish. Two at a time, so that both workers of a server take some.
    warm = {"no_page_cache": "1"}
    warm_pages = (warm_up, "/en/products/", "/en/search?q=argan", "/en/search?q=amlou")
    with ThreadPoolExecutor(2) as pool:
        for url in (a, b):
            for page in warm_pages * 2:
                replies = pool.map(
                    lambda address: requests.get(address, cookies=warm, timeout=30),
                    [url + page] * 2,
                )
                assert [answer.status_code for answer in replies] == [200, 200], url + page

    # The manager signs in on A and prepares the product there: texts, a
    # size and a picture.
    manager = requests.Session()
    signed_in = post(manager, a, "/en/account/login", MANAGER, allow_redirects=False)
    assert signed_in.status_code == 302, signed_in.text[:500]
    texts = {
        "category_id": str(catalogue.category_id),
        "origin": "Tafraout",
        "name_en": "Almond amlou",
        "name_fr": "Amlou aux amandes",
        "name_ar": "أملو باللوز",
        "description_en": "Almonds, argan oil and honey, ground together.",
    }
    created = post(manager, a, f"{workspace}/products/new", texts)
    assert "Product created." in created.text, created.text[:1000]
    product_id = int(re.search(r"/products/(\d+)", created.url).group(1))
    edit = f"{workspace}/products/{product_id}"
    size = {
        "sku": "AMLOU-250",
        "unit_quantity": "250",
        "unit": "g",
        "price": OLD_PRICE,
        "stock": "12",
        "weight_g": "400",
        "active": "y",
    }
    sized = post(manager, a, f"{edit}/variants/new", size)
    assert "Size saved." in sized.text, sized.text[:1000]
    upload = {"image": ("amlou.png", picture_bytes((196, 140, 74)), "image/png")}
    uploaded = post(manager, a, f"{edit}/images", {}, form=edit, files=upload)
    assert "Picture added." in uploaded.text, uploaded.text[:1000]
    # The worker makes the smaller widths meanwhile (its CPU is not what the
    # second below measures).
    wait_until(lambda: renditions_made(reader, product_id), 60, "the worker's renditions")

    with reader.connect() as conn:
        slug = conn.scalar(select(Product.slug).where(Product.id == product_id))
        variant_id = conn.scalar(select(Variant.id).where(Variant.product_id == product_id))
    product_page = f"/en/products/{slug}"
    link = f'href="{product_page}"'

    # Just before, visitors saw the listing and searched for the product:
    # both pages are in the shared page cache, without it.
    for url in (a, b):
        for page in ("/en/products/", "/en/search?q=amlou"):
            before = anonymous(url + page)
            assert before.status_code == 200 and link not in before.text, url + page
    for page in ("/en/products/", "/en/search"):
        assert stored_pages(deployment, page), f"{page} was not cached"

    # Published through A...
    published = post(
        manager, a, f"{edit}/status", {"status": "published"}, form=edit, allow_redirects=False
    )
    since = time.monotonic()  # the publish response is in
    assert published.status_code == 302

    # ... server B finds it, lists it and shows it with its picture, each
    # polled from the moment of the publish response, side by side (as three
    # visitors would).
    def found() -> bool:
        page = anonymous(f"{b}/en/search?q=amlou")
        return page.status_code == 200 and link in page.text

    def listed() -> bool:
        page = anonymous(f"{b}/en/products/")
        return page.status_code == 200 and link in page.text

    lead_picture: list[str] = []

    def shown() -> bool:
        page = anonymous(b + product_page)
        pictures = picture_links(page.text, deployment.media_url)
        if page.status_code != 200 or not pictures:
            return False
        lead_picture.append(pictures[0])
        return True

    checks = {"found by search": found, "listed": listed, "shown with a picture": shown}
    with ThreadPoolExecutor(len(checks)) as pool:
        polls = {
            name: pool.submit(first_success, check, since, VISIBLE_WITHIN)
            for name, check in checks.items()
        }
        seen = {name: poll.result() for name, poll in polls.items()}
    timings = ", ".join(
        f"{name} after {'never' if took is None else f'{took:.3f} s'}"
        for name, took in seen.items()
    )
    assert all(took is not None and took <= VISIBLE_WITHIN for took in seen.values()), (
        f"on server B, within {VISIBLE_WITHIN} s of the publish response on A: {timings}; "
        f"A's workspace says: {manager.get(a + edit, timeout=30).text[:300]!r}"
    )
    # The picture B's page shows is the bucket's object, fetched as a browser would.
    assert fetch_from_bucket(lead_picture[0], deployment, s3_client), lead_picture[0]
    print(
        f"server B, from the publish response on A: {timings}; "
        f"its picture fetched from the bucket after {time.monotonic() - since:.3f} s"
    )

    # Every width B's page offers is the bucket's object; the app's own
    # /media/ route on B reads the same objects.
    page = anonymous(b + product_page).text
    assert [set(w) for w in widths_shown(page, deployment.media_url).values()] == [{320, 640, 1080}]
    for picture in picture_links(page, deployment.media_url):
        assert fetch_from_bucket(picture, deployment, s3_client), picture
        name = picture.removeprefix(deployment.media_url)
        through_b = requests.get(f"{b}/media/{name}", timeout=10)
        assert through_b.status_code == 200, name
        assert through_b.content == bucket_object(s3_client, deployment.bucket, name)

    # A price change through B, with pages cached on both servers: A's next
    # anonymous request has the new price.
    pages = (product_page, "/en/products/", "/en/search?q=amlou")
    for url in (a, b):
        for path in pages:
            for _twice in range(2):  # rendered and stored, then served from the store
                before = anonymous(url + path)
                assert before.status_code == 200 and OLD_PRICE in before.text, url + path
                assert NEW_PRICE not in before.text, url + path
    for path in pages:
        assert stored_pages(deployment, path), f"{path} was not cached"

    changed = post(
        manager,
        b,
        f"{edit}/variants/{variant_id}",
        {**size, "price": NEW_PRICE},
        allow_redirects=False,
    )
    assert changed.status_code == 302, changed.text[:1000]
    for path in pages:
        after = anonymous(a + path)
        assert after.status_code == 200, path
        assert NEW_PRICE in after.text and OLD_PRICE not in after.text, f"A still shows {path}"

    # A second picture, uploaded through B while A keeps the page cached: A
    # shows it at once at its largest width, then at every width once the
    # worker's commit has made A's copy stale too.
    upload = {"image": ("amlou-jar.png", picture_bytes((90, 120, 60)), "image/png")}
    uploaded = post(manager, b, f"{edit}/images", {}, form=edit, files=upload)
    assert "Picture added." in uploaded.text, uploaded.text[:1000]
    shown_on_a = widths_shown(anonymous(a + product_page).text, deployment.media_url)
    assert len(shown_on_a) == 2 and {1080} <= set.intersection(*shown_on_a.values())

    def every_width_on_a() -> bool:
        html = anonymous(a + product_page).text
        return list(widths_shown(html, deployment.media_url).values()) == [{320, 640, 1080}] * 2

    wait_until(every_width_on_a, 60, "the second picture's renditions on A's product page")
    for picture in picture_links(anonymous(a + product_page).text, deployment.media_url):
        assert fetch_from_bucket(picture, deployment, s3_client), picture
