"""Translated error pages; the 500 handler rolls back."""

from __future__ import annotations

import pytest
from flask import abort


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/fr/nope", "Nous n’avons pas trouvé cette page"),
        ("/ar/nope", "لم نجد هذه الصفحة"),
        ("/en/nope", "We could not find this page"),
    ],
)
def test_404_in_the_url_language(client, url, text):
    response = client.get(url)
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_404_outside_a_language_negotiates(client):
    response = client.get("/nowhere", headers={"Accept-Language": "ar"})
    assert response.status_code == 404
    assert 'lang="ar" dir="rtl"' in response.get_data(as_text=True)


@pytest.fixture
def failing_app(app):
    @app.route("/<lang:lang>/boom/<int:code>")
    def boom(code):
        from shop.accounts.models import User
        from shop.extensions import db

        db.session.add(User(email="half@example.com", name="Half", password_hash="x"))
        db.session.flush()
        if code == 500:
            raise RuntimeError("boom")
        abort(code)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (400, "Something in the request was not right"),
        (403, "This page is not yours to see"),
        (500, "Something went wrong on our side"),
    ],
)
@pytest.mark.fresh_app
def test_error_pages(failing_app, code, text):
    client = failing_app.test_client()
    response = client.get(f"/en/boom/{code}")
    assert response.status_code == code
    assert text in response.get_data(as_text=True)


@pytest.mark.fresh_app
def test_500_rolls_back_the_session(failing_app):
    from shop.accounts.services import find_user

    client = failing_app.test_client()
    assert client.get("/fr/boom/500").status_code == 500
    assert "Un problème est survenu de notre côté" in client.get("/fr/boom/500").get_data(
        as_text=True
    )
    assert find_user("half@example.com") is None


def test_405_page(client):
    response = client.post("/fr/account/")
    assert response.status_code in (400, 405)
