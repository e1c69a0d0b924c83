"""A real S3 API for the tests: moto's standalone server, with buckets of each test's own.

``s3_endpoint`` starts ``python -m moto.server`` (the ``moto_server``
command) on a free loopback port, once per session (per xdist worker), and
stops it at the end: no network, no account. Every test that asks gets
buckets no other test uses (``s3_settings``).

A test that takes ``media_storage`` (directly or with
``@pytest.mark.usefixtures("media_storage")``) runs twice: on local disk and
on S3, the application's storage switched before the test's first file is
saved. ``TEST_MEDIA_STORAGE=s3`` puts every other test on S3 too.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

#: The two backends a storage-touching test runs on.
MEDIA_BACKENDS = ("local", "s3")
#: Marks a test that stores or serves files: it runs on local disk and on S3.
on_both_storages = pytest.mark.usefixtures("media_storage")
#: Credentials moto accepts (any would do); no real account is ever reached.
CREDENTIALS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}
REGION = "us-east-1"


MEDIA_LINK = re.compile(r"/media/(img/[^\"\s,]+)")


def assert_pictures_served(client, html: str) -> int:
    """Fetch every /media/ picture a page links to: stored bytes, long cache. How many."""
    from shop.storage import MEDIA_CACHE_CONTROL, get_storage

    names = sorted(set(MEDIA_LINK.findall(html)))
    for name in names:
        response = client.get(f"/media/{name}")
        assert response.status_code == 200, name
        assert response.headers["Cache-Control"] == MEDIA_CACHE_CONTROL
        assert response.get_data() == get_storage().read(name), name
        response.close()
    return len(names)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    """moto's server on a free port; tried again if another process took the port."""
    for _attempt in range(5):
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                time.sleep(0.1)
            else:
                return process, f"http://127.0.0.1:{port}"
        process.kill()
        process.wait()
    raise RuntimeError("moto's S3 server did not start")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The URL of a local S3 API (moto's server), for the whole session."""
    process, url = start_moto()
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def client_settings(endpoint: str) -> dict[str, Any]:
    """The ``S3_*`` settings that reach the local server."""
    return {"S3_ENDPOINT_URL": endpoint, "S3_REGION": REGION, **CREDENTIALS}


@pytest.fixture(scope="session")
def s3_client(s3_endpoint) -> Any:
    """A boto3 client of the local server, for the tests' own look at the buckets."""
    from shop.storage.s3 import make_client

    return make_client(client_settings(s3_endpoint))


@pytest.fixture
def make_bucket(s3_client) -> Callable[[], str]:
    """Create a bucket no other test uses and return its name."""

    def make() -> str:
        name = f"taawon-{uuid.uuid4().hex[:16]}"
        s3_client.create_bucket(Bucket=name)
        return name

    return make


@pytest.fixture
def s3_settings(s3_endpoint, make_bucket) -> dict[str, Any]:
    """Settings that put a test's media on S3: one new bucket, private files under a prefix."""
    return {"MEDIA_STORAGE": "s3", "S3_BUCKET": make_bucket(), **client_settings(s3_endpoint)}


@pytest.fixture(params=MEDIA_BACKENDS)
def media_storage(request) -> str:
    """The backend this run of the test stores files on (``local`` or ``s3``)."""
    return request.param


@pytest.fixture
def media_settings(request) -> dict[str, Any]:
    """The media settings the ``app`` fixture applies to this test (none for local disk)."""
    if "media_storage" in request.fixturenames:
        backend = request.getfixturevalue("media_storage")
    else:
        backend = os.environ.get("TEST_MEDIA_STORAGE", "local")
    if backend != "s3" or request.node.get_closest_marker("demo"):
        return {}  # the demo's pictures were seeded on disk
    # The local folders sit under a plain file: a file saved or read on disk
    # instead of in the bucket fails the test instead of passing unseen.
    blocker = request.getfixturevalue("tmp_path") / "no-local-media"
    blocker.write_bytes(b"")
    return {
        **request.getfixturevalue("s3_settings"),
        "MEDIA_ROOT": str(blocker / "media"),
        "PRIVATE_MEDIA_ROOT": str(blocker / "private"),
    }
