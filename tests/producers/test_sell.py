"""Becoming a seller: the “Sell on Taawon” page, its links, and back to the form after registering."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale

from producers.models import Cooperative, CooperativeStatus, Membership, MembershipRole
from producers.money.policy import format_bp, publish_policy
from shop.extensions import db

APPLY = "/fr/producer/apply"


def href_to(html: str, path: str) -> bool:
    return re.search(rf'href="{re.escape(path)}"', html) is not None


# ---------------------------------------------------------------- the page


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_the_sell_page_explains_and_links_to_the_application(client, lang):
    response = client.get(f"/{lang}/sell")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert href_to(html, f"/{lang}/producer/apply")
    # The documents the application asks for, and the steps.
    for kind in ("registration", "onssa", "quality"):
        assert f'data-document="{kind}"' in html
    assert html.count("<li>", html.index('class="rules-list sell-steps"')) >= 6


def test_the_fees_come_from_the_policy_in_force(app, client, make_user):
    before = client.get("/fr/sell").get_data(as_text=True)
    admin = make_user(email="policy@taawon.ma", is_admin=True)
    version = publish_policy(admin, 1250, 300, 21, "Nouvelles règles")
    db.session.commit()
    html = client.get("/fr/sell").get_data(as_text=True)
    assert html != before
    with app.test_request_context("/fr/"), force_locale("fr"):
        commission, premium, producer = (format_bp(b, "fr") for b in (1250, 300, 8450))
    assert f'data-rate="commission">{commission}<' in html
    assert f'data-rate="premium">{premium}<' in html
    assert f'data-rate="producer">{producer}<' in html
    assert f'data-policy-version="{version.version}"' in html
    assert 'data-hold-days="21"' in html and "21 jours" in html
    # The worked example on 100 MAD follows the same numbers.
    assert re.search(r'data-part="commission">12,50', html)
    assert re.search(r'data-part="premium">3,00', html)


def test_the_sell_page_is_linked_from_the_header_footer_and_home(client, make_user, login):
    home = client.get("/fr/").get_data(as_text=True)
    # Home page invitation, footer, and the visitor's account menu.
    assert home.count('href="/fr/sell"') >= 3
    assert 'class="container section sell-invite"' in home
    footer = home[home.index('<footer class="site-footer">') :]
    assert href_to(footer, "/fr/sell")
    menu = home[
        home.index('class="menu account-menu"') : home.index(
            "</details>", home.index('class="menu account-menu"')
        )
    ]
    assert href_to(menu, "/fr/sell")
    # A signed-in shopper who manages no cooperative finds it in the account menu too.
    login(client, make_user())
    page = client.get("/fr/products/").get_data(as_text=True)
    menu = page[
        page.index('class="menu account-menu"') : page.index(
            "</details>", page.index('class="menu account-menu"')
        )
    ]
    assert href_to(menu, "/fr/sell")


def test_a_manager_is_sent_to_the_workspace_instead(client, make_user, login, make_cooperative):
    user = make_user()
    coop = make_cooperative(slug="amal")
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    login(client, user)
    html = client.get("/fr/sell").get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    assert href_to(main, "/fr/producer/") and not href_to(main, APPLY)


# ---------------------------------------------------------------- the round trip


def register(client, post_form, outbox, url, email="nouvelle@coop.ma"):
    """Register through ``url``, open the mailed link, choose the password: the last answer."""
    asked = post_form(client, url, {"name": "Fatima Zahra", "email": email})
    assert asked.status_code == 200, asked.status_code
    text = outbox()[-1].get_body(("plain",)).get_content()
    link = re.search(r"http://shop\.test(/fr/account/register/\S+)", text).group(1)
    password = "a long enough password 2026"
    return post_form(client, link, {"password": password, "confirm": password})


def test_registering_from_the_login_redirect_returns_to_the_application(client, post_form, outbox):
    # An anonymous visitor clicks "Apply to sell": the login page, remembering the form.
    to_login = client.get(APPLY)
    assert to_login.status_code == 302
    login_url = to_login.location
    assert parse_qs(urlsplit(login_url).query)["next"] == [APPLY]
    # "Create an account" on the login page carries the same destination.
    login_page = client.get(login_url).get_data(as_text=True)
    main = login_page[login_page.index("<main") : login_page.index("</main>")]
    link = re.search(r'href="(/fr/account/register[^"]*)"', main)
    assert link, "no link to the registration page"
    register_url = link.group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(register_url).query)["next"] == [APPLY]
    # The registration form keeps it, the mailed link carries it, and finishing
    # the registration lands on the application form.
    form = client.get(register_url).get_data(as_text=True)
    assert f'name="next" value="{APPLY}"' in form
    done = register(client, post_form, outbox, register_url)
    assert done.status_code == 302 and done.location.endswith(APPLY)
    page = client.get(APPLY)
    assert page.status_code == 200 and 'id="application-form"' in page.get_data(as_text=True)


def test_registering_without_a_destination_lands_home(client, post_form, outbox):
    done = register(client, post_form, outbox, "/fr/account/register")
    assert done.status_code == 302 and urlsplit(done.location).path == "/fr/"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_registration_only_follows_local_paths(client, post_form, outbox, target):
    done = register(client, post_form, outbox, f"/fr/account/register?next={target}")
    assert done.status_code == 302
    assert "evil" not in done.location and "javascript" not in done.location


# ---------------------------------------------------------------- the form


def test_a_new_application_lists_the_documents_before_its_button(client, make_user, login):
    login(client, make_user(), lang="en")
    html = client.get("/en/producer/apply").get_data(as_text=True)
    save = html.index('name="save"')
    for label in ("ODCo registration certificate", "ONSSA authorisation", "Quality certificate"):
        assert html.index(label) < save


def test_documents_come_before_the_send_button(client, make_user, login, make_cooperative):
    user = make_user()
    coop = make_cooperative(slug="amal", status=CooperativeStatus.DRAFT)
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    login(client, user)
    html = client.get("/fr/producer/apply/amal").get_data(as_text=True)
    send = html.index('name="send"')
    assert html.index('id="docs-title"') < send
    assert html.index('name="doc-file"') < send
    # The buttons still submit the application form, and say what is missing.
    assert re.search(r'<button[^>]*form="application-form"[^>]*name="send"', html)
    assert 'class="flash flash-warning"' in html[html.index('id="send-title"') :]
    assert db.session.get(Cooperative, coop.id).status == CooperativeStatus.DRAFT
