"""Media on S3-compatible storage: the backend, its settings, serving, and ``flask media migrate``.

Everything here talks to a real S3 API: moto's standalone server, started
for the session on a loopback port (tests/s3.py). The storage-touching tests
of the other modules (uploads, documents, evidence, the import ZIP) run on
both backends through the ``media_storage`` fixture.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from PIL import Image

from catalog import services as catalog_services
from producers import services as producer_services
from producers.models import CooperativeDocument, DocumentKind, Membership, MembershipRole
from shop import create_app
from shop.extensions import db
from shop.storage import (
    MEDIA_CACHE_CONTROL,
    LocalStorage,
    S3Storage,
    get_private_storage,
    get_storage,
)
from shop.urls import ConfigError
from tests.conftest import make_app

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PICTURE = "img/ab/ab12cd-320.webp"


def png(colour=(180, 90, 40), size=(800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def anonymous_get(url: str):
    """GET ``url`` as a browser would, with no credentials: (status, headers, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


def fetch(client, url: str, **kwargs):
    """GET ``url`` through the app; the response, its body read and its file closed."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def public_read_policy(bucket: str) -> str:
    """The README's bucket policy: anyone may read the pictures (img/*), nothing else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/img/*",
                }
            ],
        }
    )


@pytest.fixture
def bucket(make_bucket) -> str:
    return make_bucket()


@pytest.fixture
def storage(s3_client, bucket) -> S3Storage:
    return S3Storage(s3_client, bucket, cache_control=MEDIA_CACHE_CONTROL)


# ---------------------------------------------------------------- the backend


def test_s3_storage_round_trip(storage, s3_client, bucket):
    assert not storage.exists(PICTURE) and storage.stat(PICTURE) is None
    with pytest.raises(FileNotFoundError):
        storage.read(PICTURE)
    storage.save(PICTURE, b"first")
    assert storage.exists(PICTURE) and storage.read(PICTURE) == b"first"
    storage.save(PICTURE, b"second")  # a conditional write: content-addressed names
    assert storage.read(PICTURE) == b"first"
    assert storage.path(PICTURE) is None  # no local file: the routes read the bytes
    head = s3_client.head_object(Bucket=bucket, Key=PICTURE)
    assert head["ContentType"] == "image/webp"
    assert head["CacheControl"] == MEDIA_CACHE_CONTROL
    assert head["Metadata"]["sha256"] == hashlib.sha256(b"first").hexdigest()
    found = storage.stat(PICTURE)
    assert found.size == 5 and found.holds(b"first") and not found.holds(b"firsT")
    storage.replace(PICTURE, b"second")
    assert storage.read(PICTURE) == b"second"
    storage.delete(PICTURE)
    assert not storage.exists(PICTURE)
    storage.delete(PICTURE)  # deleting twice is fine


def test_a_prefix_keeps_every_name_under_it(s3_client, bucket):
    private = S3Storage(s3_client, bucket, "private/")
    private.save("docs/ab/ab.pdf", PDF)
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["private/docs/ab/ab.pdf"]
    assert private.read("docs/ab/ab.pdf") == PDF
    assert not S3Storage(s3_client, bucket).exists("docs/ab/ab.pdf")


@pytest.mark.parametrize(
    "name",
    ["../escape", "a/../../escape", "..", "/abs", "", "a\x00b", "..\\escape", "C:evil", ".",
     "img//x.webp", "img/./x.webp", "img/"],
)  # fmt: skip
def test_both_backends_refuse_the_same_names(storage, tmp_path: Path, name: str):
    for backend in (storage, LocalStorage(tmp_path / "media")):
        for method, *arguments in (("save", b"x"), ("read",), ("exists",), ("delete",), ("path",)):
            with pytest.raises(ValueError):
                getattr(backend, method)(name, *arguments)


def test_an_endpoint_without_conditional_writes_gets_a_head_first(storage):
    """Some S3-compatible stores answer ``If-None-Match`` with 501: save still never overwrites."""
    with Stubber(storage.client) as stub:
        stub.add_client_error("put_object", "NotImplemented", http_status_code=501)
        stub.add_client_error("head_object", "404", http_status_code=404)
        stub.add_response("put_object", {})
        stub.add_response("head_object", {"ContentLength": 5, "ETag": '"x"', "Metadata": {}})
        storage.save(PICTURE, b"first")
        storage.save(PICTURE, b"again")  # exists: no second put
        stub.assert_no_pending_responses()
    assert storage.conditional_writes is False


def test_the_client_comes_from_the_environment(monkeypatch, tmp_path, s3_endpoint, bucket):
    """MEDIA_STORAGE, bucket, endpoint, region and credentials: read from the environment."""
    for name, value in {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "eu-west-3",
        "S3_ACCESS_KEY_ID": "key-from-env",
        "S3_SECRET_ACCESS_KEY": "secret-from-env",
    }.items():
        monkeypatch.setenv(name, value)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test",
            "PUBLIC_BASE_URL": "http://shop.test",
        }
    )
    with app.app_context():
        storage = get_storage()
        assert isinstance(storage, S3Storage) and storage.bucket == bucket
        client = storage.client
        assert client.meta.endpoint_url == s3_endpoint
        assert client.meta.region_name == "eu-west-3"
        credentials = client._request_signer._credentials
        assert (credentials.access_key, credentials.secret_key) == (
            "key-from-env",
            "secret-from-env",
        )
        private = get_private_storage()
        assert (private.bucket, private.prefix) == (bucket, "private/")
        assert private.client is client  # one client per application
        storage.save(PICTURE, b"x")  # and the endpoint answers
        assert storage.read(PICTURE) == b"x"


@pytest.mark.parametrize(
    "settings, problem",
    [
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE='ftp'"),
        ({"MEDIA_STORAGE": "s3"}, "needs S3_BUCKET"),
        ({"MEDIA_STORAGE": "s3", "S3_BUCKET": "b", "S3_PRIVATE_PREFIX": "img/x"}, "prefix"),
        ({"MEDIA_STORAGE": "s3", "S3_BUCKET": "b", "S3_PRIVATE_BUCKET": "b", "S3_PRIVATE_PREFIX": "img"}, "prefix"),
        ({"MEDIA_URL": "ftp://media.example"}, "MEDIA_URL"),
        ({"MEDIA_URL": "http://media.example", "ENVIRONMENT": "production", "PUBLIC_BASE_URL": "https://shop.test"}, "must be https"),
    ],
)  # fmt: skip
def test_unusable_media_settings_stop_the_start(tmp_path, settings, problem):
    with pytest.raises(ConfigError, match=re.escape(problem)):
        make_app("sqlite://", tmp_path, **settings)


def test_private_files_may_have_a_bucket_of_their_own(app, s3_settings, make_bucket, s3_client):
    private = make_bucket()
    app.config.update(s3_settings, S3_PRIVATE_BUCKET=private)
    name, _type, _size = producer_services.store_document(PDF)
    assert s3_client.get_object(Bucket=private, Key=name)["Body"].read() == PDF
    assert get_private_storage().prefix == ""
    assert "Contents" not in s3_client.list_objects_v2(Bucket=s3_settings["S3_BUCKET"])


# ---------------------------------------------------------------- serving the pictures


@pytest.mark.usefixtures("media_storage")
def test_media_serves_the_stored_bytes_with_a_long_cache(client):
    data = png()
    get_storage().save(PICTURE, data)
    response = fetch(client, f"/media/{PICTURE}")
    assert response.status_code == 200 and response.data == data
    assert response.headers["Cache-Control"] == MEDIA_CACHE_CONTROL
    assert response.mimetype == "image/webp"
    etag = response.headers["ETag"]
    assert etag == f'"{PICTURE}"'  # the content's address: the same on every server
    again = fetch(client, f"/media/{PICTURE}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    for missing in ("img/ab/none-320.webp", "img/../docs/ab.pdf", "docs/ab/ab.pdf"):
        assert fetch(client, f"/media/{missing}").status_code == 404, missing


class TestMediaUrl:
    """MEDIA_URL set: pages link the pictures straight to the public bucket."""

    @pytest.fixture
    def app_config(self, s3_settings, s3_endpoint):
        return {**s3_settings, "MEDIA_URL": f"{s3_endpoint}/{s3_settings['S3_BUCKET']}/"}

    def test_pages_link_pictures_to_the_bucket_which_serves_them_alike(
        self, app, client, s3_client, s3_endpoint, make_product
    ):
        bucket = app.config["S3_BUCKET"]
        s3_client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
        product = make_product()
        catalog_services.add_image(product, png())
        db.session.commit()
        page = client.get(f"/fr/products/{product.slug}")
        html = page.get_data(as_text=True)
        pictures = [link for link in re.findall(r'src="([^"]+)"', html) if "/static/" not in link]
        assert pictures
        assert all(link.startswith(f"{s3_endpoint}/{bucket}/img/") for link in pictures)
        assert "/media/img/" not in html
        assert f"img-src 'self' data: {s3_endpoint};" in page.headers["Content-Security-Policy"]

        name = pictures[0].removeprefix(f"{s3_endpoint}/{bucket}/")
        status, headers, body = anonymous_get(pictures[0])
        assert status == 200 and body == get_storage().read(name)
        assert headers["Cache-Control"] == MEDIA_CACHE_CONTROL
        assert headers["Content-Type"] == "image/jpeg"
        # The app's own route still answers, with the same header and bytes.
        response = fetch(client, f"/media/{name}")
        assert response.data == body
        assert response.headers["Cache-Control"] == MEDIA_CACHE_CONTROL

        # A private file in the same bucket (under private/) is for no one.
        name, _type, _size = producer_services.store_document(PDF)
        status, _headers, body = anonymous_get(f"{s3_endpoint}/{bucket}/private/{name}")
        assert status == 403 and body == b""
        assert get_private_storage().read(name) == PDF


# ---------------------------------------------------------------- flask media migrate


@pytest.fixture
def local_files(app, tmp_path):
    """Files on disk as a single server left them: pictures, documents, evidence."""
    media, private = LocalStorage(tmp_path / "old-media"), LocalStorage(tmp_path / "old-private")
    files = {
        "public": {f"img/{n:02x}/{n:02x}{'0' * 8}-320.webp": png((n, 0, 0)) for n in range(6)},
        "private": {
            "docs/aa/aa11.pdf": PDF,
            "docs/bb/bb22.jpg": b"\xff\xd8photo",
            "evidence/cc/cc33.pdf": PDF.replace(b"1.4", b"1.5"),
        },
    }
    for name, data in files["public"].items():
        media.save(name, data)
    for name, data in files["private"].items():
        private.save(name, data)
    media.save("docs/dd/dd44.pdf", PDF)  # left by a server older than the private area
    (media.root / "img" / "00" / ".tmp-half-written").write_bytes(b"half")
    app.config.update(MEDIA_ROOT=str(media.root), PRIVATE_MEDIA_ROOT=str(private.root))
    return files


def bucket_keys(s3_client, bucket: str) -> set[str]:
    return {o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_media_migrate_needs_s3(app, runner, local_files):
    app.config["MEDIA_STORAGE"] = "local"
    result = runner.invoke(args=["media", "migrate"])
    assert result.exit_code == 1 and "MEDIA_STORAGE is not s3" in result.output


def test_media_migrate_copies_then_skips_and_repairs(
    app, runner, local_files, s3_settings, s3_client, client, login, make_user, make_cooperative
):
    app.config.update(s3_settings)
    bucket = s3_settings["S3_BUCKET"]
    result = runner.invoke(args=["media", "migrate"])
    assert result.exit_code == 0, result.output
    assert "public pictures" in result.output and "6 copied, 0 replaced, 0 already there" in (
        result.output
    )
    assert "3 copied" in result.output
    assert "left out: 1 file(s) under MEDIA_ROOT" in result.output  # docs/dd/dd44.pdf
    assert bucket_keys(s3_client, bucket) == set(local_files["public"]) | {
        f"private/{name}" for name in local_files["private"]
    }
    for name, data in local_files["public"].items():
        head = s3_client.head_object(Bucket=bucket, Key=name)
        assert head["CacheControl"] == MEDIA_CACHE_CONTROL and head["ContentType"] == "image/webp"
        assert get_storage().read(name) == data
    for name, data in local_files["private"].items():
        assert get_private_storage().read(name) == data

    again = runner.invoke(args=["media", "migrate"])
    assert again.exit_code == 0
    assert "0 copied, 0 replaced, 6 already there" in again.output
    assert "0 copied, 0 replaced, 3 already there" in again.output

    damaged, lost = sorted(local_files["public"])[:2]
    s3_client.put_object(Bucket=bucket, Key=damaged, Body=b"truncated")
    s3_client.delete_object(Bucket=bucket, Key=lost)
    repaired = runner.invoke(args=["media", "migrate"])
    assert "1 copied, 1 replaced, 4 already there" in repaired.output
    assert get_storage().read(damaged) == local_files["public"][damaged]
    assert get_storage().read(lost) == local_files["public"][lost]

    # The site now runs on the bucket: a migrated picture and document are served.
    picture = fetch(client, f"/media/{damaged}")
    assert picture.data == local_files["public"][damaged]
    coop = make_cooperative(slug="amal")
    owner = make_user(email="owner@amal.ma")
    db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
    document = CooperativeDocument(
        cooperative=coop,
        kind=DocumentKind.REGISTRATION,
        filename="statuts.pdf",
        storage_name="docs/aa/aa11.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    db.session.add(document)
    db.session.commit()
    login(client, owner)
    response = fetch(client, f"/fr/producer/amal/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Cache-Control"] == "private, no-store"


def test_media_migrate_resumes_after_an_interruption(
    app, runner, local_files, s3_settings, s3_client, monkeypatch
):
    app.config.update(s3_settings)
    real_replace = S3Storage.replace
    calls = []

    def flaky(self, name, data):
        calls.append(name)
        if len(calls) > 4:  # the network goes after four uploads
            raise EndpointConnectionError(endpoint_url=s3_settings["S3_ENDPOINT_URL"])
        real_replace(self, name, data)

    monkeypatch.setattr(S3Storage, "replace", flaky)
    broken = runner.invoke(args=["media", "migrate", "--jobs", "1"])
    assert broken.exit_code == 1
    assert "5 file(s) were not copied. Run the command again" in broken.output
    assert "4 copied" in broken.output and "failed: " in broken.output
    monkeypatch.setattr(S3Storage, "replace", real_replace)

    resumed = runner.invoke(args=["media", "migrate"])
    assert resumed.exit_code == 0, resumed.output
    assert "2 copied, 0 replaced, 4 already there" in resumed.output  # the pictures
    assert "3 copied, 0 replaced, 0 already there" in resumed.output  # the private files
    assert len(bucket_keys(s3_client, s3_settings["S3_BUCKET"])) == 9
