"""Absolute links come from PUBLIC_BASE_URL, never from the request's Host (issue #13).

The application here is public at https://taawon.example; as in every
non-production environment it also answers to ``localhost``. The test
client speaks to localhost (the old code answered ``http://localhost/…``
links), some requests over plain http; every link must read
``https://taawon.example/…``. (Extra TRUSTED_HOSTS: test_hardening_production.)
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from flask import url_for

from tests.conftest import CSRF_META

BASE = "https://taawon.example"

# Flask's test client takes its scheme from PREFERRED_URL_SCHEME (https, from
# the base URL) and its host from SERVER_NAME: https://localhost.


@pytest.fixture
def app_config():
    return {
        "PUBLIC_BASE_URL": BASE,
        "SERVER_NAME": "localhost",  # the test client's default host
    }


@pytest.mark.parametrize("host", ["evil.example", "taawon.example.evil.example"])
@pytest.mark.parametrize("via", ["Host header", "URL"])
def test_reset_for_a_foreign_host_is_refused_and_nothing_is_sent(
    client, make_user, outbox, host, via
):
    """The attack: a genuine session and CSRF token, replayed with a forged Host."""
    make_user(email="amina@example.com")
    token = CSRF_META.search(client.get("/fr/account/reset").text).group(1)
    client.set_cookie("session", client.get_cookie("session").value, domain=host)
    headers = {"Referer": f"https://{host}/fr/account/reset"}
    if via == "URL":
        forged = {"base_url": f"http://{host}", "headers": headers}
    else:
        forged = {"headers": {**headers, "Host": host}}
    data = {"email": "amina@example.com", "csrf_token": token}
    response = client.post("/fr/account/reset", data=data, **forged)
    assert response.status_code == 400
    assert outbox() == []
    # Every route, not only the reset form.
    assert client.get("/fr/", **forged).status_code == 400
    assert client.get("/robots.txt", **forged).status_code == 400


def test_reset_mail_links_to_the_base_url(client, post_form, make_user, outbox):
    make_user(email="amina@example.com", locale="ar")
    response = post_form(
        client,
        "/fr/account/reset",
        {"email": "amina@example.com"},
        headers={"Referer": "https://localhost/fr/account/reset"},  # Flask-WTF's https check
    )
    assert response.status_code == 302
    (message,) = outbox()
    for part in ("plain", "html"):
        body = message.get_body((part,)).get_content()
        links = re.findall(r"https?://[^\s\"'<>]+/account/reset/[^\s\"'<>]+", body)
        assert links, body
        assert all(link.startswith(f"{BASE}/ar/account/reset/") for link in links), links
        assert "localhost" not in body


def test_forwarded_host_is_not_believed(client):
    body = client.get("/robots.txt", headers={"X-Forwarded-Host": "evil.example"}).text
    assert f"Sitemap: {BASE}/sitemap.xml" in body
    assert "evil" not in body


def test_robots_and_sitemap_use_the_base_url(client, make_product):
    assert f"Sitemap: {BASE}/sitemap.xml" in client.get("/robots.txt").text
    product = make_product()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    index = ElementTree.fromstring(client.get("/sitemap.xml").data)
    files = [loc.text for loc in index.iterfind("s:sitemap/s:loc", ns)]
    assert files and all(url.startswith(f"{BASE}/sitemaps/") for url in files)
    root = ElementTree.fromstring(client.get("/sitemaps/products-1.xml").data)
    locs = [u.findtext("s:loc", namespaces=ns) for u in root.findall("s:url", ns)]
    hrefs = [a.get("href") for a in root.iter("{http://www.w3.org/1999/xhtml}link")]
    assert f"{BASE}/fr/products/{product.slug}" in locs
    assert hrefs and all(url.startswith(f"{BASE}/") for url in locs + hrefs)


def test_canonical_hreflang_and_json_ld_use_the_base_url(client, make_product):
    product = make_product()
    html = client.get(f"/fr/products/{product.slug}").text
    assert f'<link rel="canonical" href="{BASE}/fr/products/{product.slug}">' in html
    alternates = re.findall(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)"', html)
    assert dict(alternates)["ar"] == f"{BASE}/ar/products/{product.slug}"
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(raw)["url"] == f"{BASE}/fr/products/{product.slug}"
    assert "localhost" not in html


def test_qr_codes_and_digital_links_use_the_base_url(app):
    from catalog.trace.identifiers import qr_url

    lot = SimpleNamespace(
        variant=SimpleNamespace(gtin="06111234567895"), code="ARG-2501", public_id="t-arg"
    )
    bare = SimpleNamespace(variant=SimpleNamespace(gtin=None), code="X", public_id="t-x")
    with app.test_request_context("/", base_url="http://localhost"):
        assert qr_url(lot) == f"{BASE}/01/06111234567895/10/ARG-2501"
        assert qr_url(bare) == f"{BASE}/trace/t-x"
    # Outside any request too (a label printed from the command line).
    assert qr_url(bare) == f"{BASE}/trace/t-x"


def test_every_external_url_for_uses_the_base_url(app):
    """Order mails, invitations and Stripe's return URLs all call url_for(_external=True)."""
    with app.test_request_context("/fr/", base_url="http://localhost"):
        assert url_for("catalog.home", lang="fr", _external=True) == f"{BASE}/fr/"
        assert url_for("catalog.home", lang="fr", _scheme="http") == f"{BASE}/fr/"
        assert url_for("orders.order", lang="fr", number="TW-1", token="t", _external=True) == (
            f"{BASE}/fr/orders/TW-1?token=t"
        )
        assert url_for("catalog.home", lang="fr") == "/fr/"  # relative links stay relative
    # The command line (invitations from `flask producers import`) needs no request.
    app.config["SERVER_NAME"] = None
    assert url_for("catalog.home", lang="ar") == f"{BASE}/ar/"


def test_the_refused_request_still_gets_a_page(client):
    response = client.get("/fr/account/login", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.text
    assert f'href="{BASE}/' in response.text or 'href="/' in response.text


def test_mail_links_are_the_same_from_every_allowed_host(client, make_user, outbox):
    make_user(email="omar@example.com", locale="fr")
    for host in ("http://localhost", "http://127.0.0.1:5000", "https://taawon.example"):
        page = client.get("/fr/account/reset", base_url=host).text
        token = CSRF_META.search(page).group(1)
        response = client.post(
            "/fr/account/reset",
            data={"email": "omar@example.com", "csrf_token": token},
            base_url=host,
            headers={"Referer": f"{host}/fr/account/reset"},
        )
        assert response.status_code == 302, host
    bodies = [m.get_body(("plain",)).get_content() for m in outbox()]
    hosts = {re.search(r"(https?://[^/\s]+)/fr/account/reset/", body)[1] for body in bodies}
    assert len(bodies) == 3 and hosts == {BASE}
