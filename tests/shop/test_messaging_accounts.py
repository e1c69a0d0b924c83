"""Each person chooses e-mail, SMS or WhatsApp and a mobile number on their account page."""

from __future__ import annotations

import re

import pytest

from shop.extensions import db
from shop.messaging import Channel, Recipient
from shop.messaging.phones import NotAMobile, NotAPhone, mobile_number, readable
from tests.shop.test_messaging_segments import with_pending_translations

PAGE = "/{lang}/account/messages"


def checked_channel(page: str) -> str | None:
    """The value of the channel radio button the page has checked."""
    match = re.search(r'<input\b[^>]*\bchecked\b[^>]*\bvalue="(\w+)"', page)
    return match.group(1) if match else None


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("06 12 34 56 78", "+212612345678"),
        ("0712345678", "+212712345678"),
        ("+212 6 12 34 56 78", "+212612345678"),
        ("00212612345678", "+212612345678"),
        ("٠٦١٢٣٤٥٦٧٨", "+212612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_mobile_numbers_are_stored_in_e164(typed, stored):
    assert mobile_number(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345", "06 12 34", "+999 123", "call me", "0" * 40])
def test_what_is_not_a_phone_is_refused(typed):
    with pytest.raises(NotAPhone):
        mobile_number(typed)


def test_a_moroccan_landline_cannot_take_texts():
    with pytest.raises(NotAMobile):
        mobile_number("05 22 12 34 56")


def test_a_recipient_is_built_from_the_account(make_user):
    user = make_user(locale="ar")
    assert Recipient.for_user(user) == Recipient(lang="ar", email=user.email, channel=Channel.EMAIL)
    user.message_channel, user.phone = Channel.WHATSAPP, "+212612345678"
    recipient = Recipient.for_user(user)
    assert recipient.channel == Channel.WHATSAPP
    assert recipient.effective_channel == Channel.WHATSAPP
    assert recipient.phone == "+212612345678"


def test_the_page_needs_a_login(client):
    response = client.get(PAGE.format(lang="fr"))
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "lang, direction, heading",
    [
        ("ar", "rtl", "أخبار طلباتي"),
        ("fr", "ltr", "Suivi de mes commandes"),
        ("en", "ltr", "News of my orders"),
    ],
)
def test_the_page_in_each_language(
    app, client, make_user, login, monkeypatch, lang, direction, heading
):
    with_pending_translations(monkeypatch)
    user = make_user(locale=lang)
    login(client, user, lang=lang)
    response = client.get(PAGE.format(lang=lang))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'lang="{lang}"' in page and f'dir="{direction}"' in page
    assert heading in page
    assert checked_channel(page) == "email"
    assert 'inputmode="tel"' in page and 'dir="ltr"' in page
    profile = client.get(f"/{lang}/account/").get_data(as_text=True)
    assert PAGE.format(lang=lang) in profile


def test_choosing_sms_saves_the_number_and_texts_it(
    app, client, make_user, login, post_form, text_outbox
):
    user = make_user(locale="fr")
    login(client, user)
    url = PAGE.format(lang="fr")
    response = post_form(client, url, {"channel": "sms", "phone": "06 12 34 56 78"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.message_channel, user.phone) == (Channel.SMS, "+212612345678")
    [sent] = text_outbox()
    assert sent["to"] == "+212612345678"
    assert sent["channel"] == "sms"
    assert "SMS" in sent["body"] and "Taawon" in sent["body"]
    page = client.get(url).get_data(as_text=True)
    assert readable("+212612345678") in page  # the flash and the field
    # Saving the same choice again sends nothing more.
    post_form(client, url, {"channel": "sms", "phone": "+212612345678"})
    assert len(text_outbox()) == 1
    profile = client.get("/fr/account/").get_data(as_text=True)
    assert f'<bdi dir="ltr">{readable("+212612345678")}</bdi>' in profile


def test_choosing_whatsapp_abroad(app, client, make_user, login, post_form, text_outbox):
    user = make_user(locale="en")
    login(client, user, lang="en")
    response = post_form(
        client, PAGE.format(lang="en"), {"channel": "whatsapp", "phone": "+33 6 12 34 56 78"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.message_channel, user.phone) == (Channel.WHATSAPP, "+33612345678")
    [sent] = text_outbox()
    assert sent["channel"] == "whatsapp"
    assert "WhatsApp" in sent["body"]


@pytest.mark.parametrize(
    "channel, typed, message",
    [
        ("sms", "12345", "This is not a number we can send to."),
        ("whatsapp", "05 22 12 34 56", "This number is a landline"),
        ("sms", "", "Give the mobile number the messages go to."),
        ("email", "not a phone", "This is not a number we can send to."),
    ],
)
def test_a_bad_number_re_renders_the_form_with_the_input_kept(
    app, client, make_user, login, post_form, text_outbox, channel, typed, message
):
    user = make_user(locale="en")
    login(client, user, lang="en")
    response = post_form(client, PAGE.format(lang="en"), {"channel": channel, "phone": typed})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert f'value="{typed}"' in page
    assert checked_channel(page) == channel
    db.session.refresh(user)
    assert (user.message_channel, user.phone) == (Channel.EMAIL, "")
    assert text_outbox() == []


def test_an_unknown_channel_is_refused(app, client, make_user, login, post_form):
    user = make_user(locale="en")
    login(client, user, lang="en")
    response = post_form(client, PAGE.format(lang="en"), {"channel": "pigeon", "phone": ""})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.message_channel == Channel.EMAIL


def test_back_to_e_mail_keeps_no_text_going(app, client, make_user, login, post_form, text_outbox):
    user = make_user(locale="fr")
    login(client, user)
    url = PAGE.format(lang="fr")
    post_form(client, url, {"channel": "sms", "phone": "0612345678"})
    post_form(client, url, {"channel": "email", "phone": ""})
    db.session.refresh(user)
    assert (user.message_channel, user.phone) == (Channel.EMAIL, "")
    assert len(text_outbox()) == 1


def test_the_form_needs_its_csrf_token(app, client, make_user, login):
    user = make_user(locale="fr")
    login(client, user)
    response = client.post(PAGE.format(lang="fr"), data={"channel": "sms", "phone": "0612345678"})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.phone == ""


@pytest.mark.parametrize("reply", ["STOP", "Stop.", " arrêt ", "توقف"])
def test_a_stop_reply_sends_the_account_back_to_e_mail(app, make_user, reply):
    from shop import messaging
    from shop.accounts.services import stop_texts

    user = make_user(locale="fr")
    user.message_channel, user.phone = Channel.SMS, "+212612345678"
    db.session.commit()
    assert stop_texts in messaging._reply_handlers
    assert messaging.dispatch_reply("+212612345678", reply) is True
    db.session.commit()
    db.session.refresh(user)
    assert user.message_channel == Channel.EMAIL
    assert user.phone == "+212612345678"  # kept, for when texts are chosen again


def test_other_replies_and_numbers_go_on_to_the_other_handlers(app, make_user):
    from shop.accounts.services import stop_texts

    user = make_user(locale="fr")
    user.message_channel, user.phone = Channel.WHATSAPP, "+212612345678"
    db.session.commit()
    assert stop_texts("+212612345678", "1") is False
    assert stop_texts("+212699999999", "STOP") is False  # no account with texts on
    assert user.message_channel == Channel.WHATSAPP


@pytest.mark.slow
def test_the_page_is_valid_html(app, client, make_user, login, post_form, tmp_path):
    from tests.shop.test_html_validity import check, vnu_command

    command = vnu_command()
    user = make_user(locale="ar")
    login(client, user, lang="ar")
    pages = {
        "messages.html": client.get(PAGE.format(lang="ar")),
        "messages-error.html": post_form(
            client, PAGE.format(lang="ar"), {"channel": "sms", "phone": "12"}
        ),
        "profile.html": client.get("/ar/account/"),
    }
    files = []
    for name, response in pages.items():
        path = tmp_path / name
        path.write_bytes(response.get_data())
        files.append(path)
    assert check(command, files) == {}
