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


# ---------------------------------------------------------------- the outbox table


def test_a_text_is_a_row_written_in_the_transaction_then_sent_once(app, text_outbox):
    from shop.messaging import MessageStatus, OutboxMessage, deliver_text

    row = messaging.send_text("+212612345678", Channel.SMS, "Taawon: test")
    assert row.status == MessageStatus.PENDING
    db.session.commit()
    stored = db.session.get(OutboxMessage, row.id)
    db.session.refresh(stored)
    assert stored.status == MessageStatus.SENT
    assert stored.attempts == 1
    assert stored.segments == 1
    assert stored.provider_id.startswith("outbox-")
    assert stored.sent_at is not None
    [sent] = text_outbox()
    assert sent["id"] == row.id
    # A second run of the job (a retry, the sweeper) finds it sent: nothing leaves.
    assert deliver_text(row.id) is False
    assert len(text_outbox()) == 1


def test_a_rolled_back_text_leaves_no_row(app, text_outbox):
    from shop.messaging import OutboxMessage

    messaging.send_text("+212612345678", Channel.SMS, "Taawon: test")
    db.session.rollback()
    assert db.session.scalars(db.select(OutboxMessage)).all() == []
    assert text_outbox() == []


def test_a_failing_transport_puts_the_row_back_then_gives_up(app, monkeypatch):
    from shop.messaging import MessageStatus, OutboxMessage, outbox
    from shop.messaging.transports import SendError

    class Broken:
        def send(self, message, status_callback):
            raise SendError("network down", permanent=False)

    monkeypatch.setattr(outbox, "get_transport", Broken)
    app.config["MESSAGING_MAX_ATTEMPTS"] = 2
    row = messaging.send_text("+212612345678", Channel.SMS, "Taawon: test")
    db.session.commit()  # the in-process job fails and logs
    db.session.refresh(row)
    assert (row.status, row.attempts, row.last_error) == (MessageStatus.PENDING, 1, "network down")
    # The queue's retry: the last attempt gives up and keeps the row for an administrator.
    assert outbox.deliver(row.id) is False
    db.session.refresh(row)
    assert (row.status, row.attempts) == (MessageStatus.FAILED, 2)
    assert db.session.get(OutboxMessage, row.id).sent_at is None


def test_a_sending_row_is_claimed_by_one_sender_only(app, monkeypatch, text_outbox):
    from shop.messaging import MessageStatus, outbox

    monkeypatch.setattr(outbox.jobs, "after_commit", lambda *args, **kw: None)  # no job
    row = messaging.send_text("+212612345678", Channel.SMS, "Taawon: test")
    db.session.commit()
    row.status = MessageStatus.SENDING  # another sender claimed it a moment ago
    row.attempted_at = outbox.utcnow()
    db.session.commit()
    assert outbox.deliver(row.id) is False
    assert outbox.retry_stale() == 0
    assert text_outbox() == []


def test_the_sweeper_hands_over_the_messages_left_behind(app, monkeypatch, text_outbox):
    from datetime import timedelta

    from shop.messaging import MessageStatus, outbox

    monkeypatch.setattr(outbox.jobs, "after_commit", lambda *args, **kw: None)  # a lost job
    row = messaging.send_text("+212612345678", Channel.SMS, "Taawon: test")
    db.session.commit()
    row.created_at = outbox.utcnow() - timedelta(hours=2)
    db.session.commit()
    assert outbox.retry_stale() == 1
    db.session.refresh(row)
    assert row.status == MessageStatus.SENT
    assert len(text_outbox()) == 1


def test_old_messages_are_purged_but_not_the_waiting_ones(app, monkeypatch):
    from datetime import timedelta

    from shop.messaging import MessageStatus, OutboxMessage, outbox

    monkeypatch.setattr(outbox.jobs, "after_commit", lambda *args, **kw: None)
    old = messaging.send_text("+212612345678", Channel.SMS, "old")
    waiting = messaging.send_text("+212612345678", Channel.SMS, "waiting")
    db.session.flush()
    old.status = MessageStatus.DELIVERED
    for row in (old, waiting):
        row.created_at = outbox.utcnow() - timedelta(days=400)
    db.session.commit()
    assert outbox.purge_old() == 1
    assert [r.body for r in db.session.scalars(db.select(OutboxMessage))] == ["waiting"]


def test_an_sms_loses_its_typographic_quotes_when_that_makes_it_gsm(app):
    row = messaging.send_text("+212612345678", Channel.SMS, "Taawon : l’envoi « TW12 » part…")
    assert row.body == 'Taawon : l\'envoi " TW12 " part...'
    arabic = messaging.send_text("+212612345678", Channel.SMS, "تعاون: طلبكم « TW12 » في الطريق")
    assert "«" in arabic.body
    whatsapp = messaging.send_text("+212612345678", Channel.WHATSAPP, "l’envoi")
    assert whatsapp.body == "l’envoi"
    assert whatsapp.segments == 1
