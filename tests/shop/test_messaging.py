"""The messaging contract: one ``notify``, by the recipient's channel, after the commit."""

from __future__ import annotations

import jinja2

from shop import messaging
from shop.extensions import db
from shop.messaging import Channel, Recipient


def with_template(app, name: str, source: str) -> None:
    app.jinja_env.loader = jinja2.ChoiceLoader(
        [jinja2.DictLoader({name: source}), app.jinja_env.loader]
    )


def test_a_text_goes_to_the_outbox_only_after_the_commit(app, text_outbox):
    with_template(app, "messages/hello.txt", "Salam {{ name }},\n  merci.\n")
    messaging.notify(
        Recipient(lang="fr", phone="+212600000001", channel=Channel.SMS), "hello", "", name="Aya"
    )
    assert text_outbox() == []
    db.session.commit()
    [sent] = text_outbox()
    assert sent["to"] == "+212600000001"
    assert sent["channel"] == "sms"
    assert sent["body"] == "Salam Aya, merci."


def test_a_rolled_back_text_never_leaves(app, text_outbox):
    with_template(app, "messages/hello.txt", "Salam")
    messaging.notify(
        Recipient(lang="ar", phone="+212600000001", channel=Channel.WHATSAPP), "hello", ""
    )
    db.session.rollback()
    db.session.commit()
    assert text_outbox() == []


def test_no_phone_falls_back_to_email():
    recipient = Recipient(lang="en", email="a@example.com", channel=Channel.SMS)
    assert recipient.effective_channel == Channel.EMAIL
    assert Recipient(lang="en", phone="+2126", channel=Channel.SMS).effective_channel == Channel.SMS


def test_replies_go_to_the_first_handler_that_takes_them():
    seen: list[tuple[str, str]] = []

    def refuse(phone: str, body: str) -> bool:
        seen.append(("refuse", body))
        return False

    def take(phone: str, body: str) -> bool:
        seen.append(("take", body))
        return True

    saved = list(messaging._reply_handlers)
    try:
        messaging._reply_handlers[:] = []
        messaging.on_reply(refuse)
        messaging.on_reply(take)
        messaging.on_reply(take)
        assert messaging.dispatch_reply("+212600000001", "1") is True
        assert seen == [("refuse", "1"), ("take", "1")]
    finally:
        messaging._reply_handlers[:] = saved
