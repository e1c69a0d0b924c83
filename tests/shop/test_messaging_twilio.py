"""Twilio offline: an injected ``twilio.http.HttpClient`` answers like the Messages API.

Sent, refused (Twilio's 4xx) and failing (5xx) messages, WhatsApp addresses,
the signed status and inbound webhooks, and forged signatures refused.
"""

from __future__ import annotations

import json
import logging
from itertools import count
from urllib.parse import urlsplit

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

from shop import messaging
from shop.extensions import db
from shop.messaging import Channel, MessageStatus, OutboxMessage, Recipient
from shop.messaging.outbox import deliver
from shop.messaging.webhooks import EMPTY_TWIML

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "test-auth-token-not-a-secret"
PHONE = "+212612345678"


class FakeTwilio(HttpClient):
    """Twilio's Messages API offline: records requests, answers a message or an error."""

    def __init__(self) -> None:
        super().__init__(logger=logging.getLogger("tests.fake_twilio"), is_async=False)
        self.requests: list[dict] = []
        self.error: tuple[int, int, str] | None = None
        self._ids = count(1)

    def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        self.requests.append(
            {"method": method, "path": urlsplit(url).path, "data": dict(data or {}), "auth": auth}
        )
        if self.error is not None:
            status, code, message = self.error
            body = {"code": code, "message": message, "status": status, "more_info": ""}
            return Response(status, json.dumps(body))
        form = dict(data or {})
        sid = f"SM{next(self._ids):032x}"
        body = {
            "sid": sid,
            "account_sid": ACCOUNT,
            "status": "queued",
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body"),
            "num_segments": "1",
            "direction": "outbound-api",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json",
        }
        return Response(201, json.dumps(body))


@pytest.fixture
def twilio(app):
    """Twilio as the transport, its API faked (settings and client restored after the test)."""
    fake = FakeTwilio()
    app.config.update(
        MESSAGING_TRANSPORT="twilio",
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_SMS_FROM="Taawon",
        TWILIO_WHATSAPP_FROM="+212522000000",
    )
    app.extensions["twilio_http_client"] = fake
    return fake


def sent_row(phone: str = PHONE, channel: Channel = Channel.SMS) -> OutboxMessage:
    row = messaging.send_text(phone, channel, "Taawon: votre commande TW7K2M9Q4X8P est en route.")
    db.session.commit()  # the job runs in this process after the commit
    db.session.refresh(row)
    return row


def signed_post(client, path: str, form: dict, *, url: str | None = None, token: str = TOKEN):
    signature = RequestValidator(token).compute_signature(url or f"http://shop.test{path}", form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


# ---------------------------------------------------------------- sending


def test_an_sms_goes_to_twilio_with_its_status_callback(app, twilio, text_outbox):
    row = sent_row()
    [request] = twilio.requests
    assert request["method"].upper() == "POST"
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request["data"]["To"] == PHONE
    assert request["data"]["From"] == "Taawon"
    assert request["data"]["Body"] == "Taawon: votre commande TW7K2M9Q4X8P est en route."
    assert (
        request["data"]["StatusCallback"] == f"http://shop.test/webhooks/twilio/status?m={row.id}"
    )
    assert row.status == MessageStatus.SENT
    assert row.provider_id == f"SM{1:032x}"
    assert row.attempts == 1
    assert text_outbox() == []  # nothing in the folder: Twilio is the transport
    assert deliver(row.id) is False  # never twice
    assert len(twilio.requests) == 1


def test_a_whatsapp_message_uses_whatsapp_addresses(app, twilio):
    sent_row(channel=Channel.WHATSAPP)
    [request] = twilio.requests
    assert request["data"]["To"] == f"whatsapp:{PHONE}"
    assert request["data"]["From"] == "whatsapp:+212522000000"


def test_a_messaging_service_sends_the_sms(app, twilio):
    app.config["TWILIO_SMS_FROM"] = "MG" + "0" * 32
    sent_row()
    [request] = twilio.requests
    assert request["data"]["MessagingServiceSid"] == "MG" + "0" * 32
    assert "From" not in request["data"]


def test_notify_by_sms_reaches_twilio(app, twilio):
    from tests.shop.test_messaging import with_template

    with_template(app, "messages/hello.txt", "Salam {{ name }}")
    messaging.notify(
        Recipient(lang="fr", phone=PHONE, channel=Channel.SMS), "hello", "", name="Aya"
    )
    db.session.commit()
    assert [r["data"]["Body"] for r in twilio.requests] == ["Salam Aya"]


def test_a_number_twilio_refuses_is_failed_at_once(app, twilio):
    twilio.error = (400, 21211, "The 'To' number +21200 is not a valid phone number.")
    row = sent_row()
    assert row.status == MessageStatus.FAILED
    assert row.attempts == 1
    assert "21211" in row.last_error
    assert row.provider_id is None
    assert deliver(row.id) is False  # a refusal is not retried
    assert len(twilio.requests) == 1


def test_a_twilio_outage_is_retried_then_sent(app, twilio):
    twilio.error = (503, 20503, "Service unavailable")
    row = sent_row()
    assert row.status == MessageStatus.PENDING
    assert "503" in row.last_error
    twilio.error = None
    assert deliver(row.id) is True  # the queue's retry
    db.session.refresh(row)
    assert (row.status, row.attempts, row.last_error) == (MessageStatus.SENT, 2, "")


def test_a_missing_sender_fails_the_message(app, twilio):
    app.config["TWILIO_WHATSAPP_FROM"] = ""
    row = sent_row(channel=Channel.WHATSAPP)
    assert row.status == MessageStatus.FAILED
    assert "no Twilio sender" in row.last_error
    assert twilio.requests == []


# ---------------------------------------------------------------- the status webhook


def status_form(row: OutboxMessage, status: str, **extra: str) -> dict:
    return {
        "MessageSid": row.provider_id,
        "MessageStatus": status,
        "AccountSid": ACCOUNT,
        "To": PHONE,
        **extra,
    }


def test_a_delivery_report_updates_the_row(app, twilio, client):
    row = sent_row()
    path = f"/webhooks/twilio/status?m={row.id}"
    response = signed_post(client, path, status_form(row, "delivered"))
    assert response.status_code == 204
    db.session.refresh(row)
    assert row.status == MessageStatus.DELIVERED
    assert row.reported_at is not None
    # A late "sent" report does not take the final status back.
    assert signed_post(client, path, status_form(row, "sent")).status_code == 204
    db.session.refresh(row)
    assert row.status == MessageStatus.DELIVERED


def test_an_undelivered_report_keeps_the_carrier_error(app, twilio, client):
    row = sent_row()
    path = f"/webhooks/twilio/status?m={row.id}"
    form = status_form(row, "undelivered", ErrorCode="30003")
    assert signed_post(client, path, form).status_code == 204
    db.session.refresh(row)
    assert row.status == MessageStatus.UNDELIVERED
    assert row.last_error == "Twilio error 30003"


def test_a_report_for_another_message_id_changes_nothing(app, twilio, client):
    first, second = sent_row(), sent_row()
    path = f"/webhooks/twilio/status?m={first.id}"
    form = status_form(second, "failed")  # the SID of the second, the id of the first
    assert signed_post(client, path, form).status_code == 204
    for row in (first, second):
        db.session.refresh(row)
        assert row.status == MessageStatus.SENT


def test_a_forged_status_report_is_refused_and_changes_nothing(app, twilio, client):
    row = sent_row()
    path = f"/webhooks/twilio/status?m={row.id}"
    form = status_form(row, "failed")
    # Signed with another token, for another site, or not at all.
    assert signed_post(client, path, form, token="guessed-token").status_code == 403
    forged_url = f"https://evil.test{path}"
    assert signed_post(client, path, form, url=forged_url).status_code == 403
    assert client.post(path, data=form).status_code == 403
    # A signature of the same form for another message id.
    other = f"/webhooks/twilio/status?m={row.id + 1}"
    signature = RequestValidator(TOKEN).compute_signature(f"http://shop.test{other}", form)
    response = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    db.session.refresh(row)
    assert row.status == MessageStatus.SENT


def test_without_a_token_every_webhook_is_refused(app, client):
    app.config["TWILIO_AUTH_TOKEN"] = ""
    form = {"From": PHONE, "Body": "1"}
    assert signed_post(client, "/webhooks/twilio/inbound", form).status_code == 403


def test_the_webhooks_need_no_csrf_token_but_only_post(app, twilio, client):
    assert client.get("/webhooks/twilio/status").status_code == 405
    assert client.get("/webhooks/twilio/inbound").status_code == 405


# ---------------------------------------------------------------- inbound replies


@pytest.fixture
def replies():
    """The reply handlers registered during the test (the others set aside)."""
    saved = list(messaging._reply_handlers)
    messaging._reply_handlers[:] = []
    yield messaging._reply_handlers
    messaging._reply_handlers[:] = saved


def test_an_inbound_reply_reaches_the_registered_handler(app, twilio, client, replies):
    from shop.accounts.models import User

    seen: list[tuple[str, str]] = []

    @messaging.on_reply
    def confirm(phone: str, body: str) -> bool:
        seen.append((phone, body))
        # What a handler changes is committed by the webhook.
        db.session.add(
            User(email="replied@example.com", name="Replied", password_hash="x", locale="fr")
        )
        return True

    form = {"From": f"whatsapp:{PHONE}", "To": "whatsapp:+212522000000", "Body": "1"}
    response = signed_post(client, "/webhooks/twilio/inbound", form)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True) == EMPTY_TWIML
    assert seen == [(PHONE, "1")]
    db.session.rollback()
    assert db.session.scalar(db.select(User).filter_by(email="replied@example.com")) is not None


def test_a_reply_no_handler_takes_is_answered_all_the_same(app, twilio, client, replies):
    form = {"From": PHONE, "Body": "hello"}
    response = signed_post(client, "/webhooks/twilio/inbound", form)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == EMPTY_TWIML


def test_a_forged_reply_reaches_no_handler(app, twilio, client, replies):
    seen: list[str] = []
    messaging.on_reply(lambda phone, body: seen.append(body) or True)
    form = {"From": PHONE, "Body": "1"}
    assert signed_post(client, "/webhooks/twilio/inbound", form, token="x").status_code == 403
    assert seen == []


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "settings, problem",
    [
        ({"MESSAGING_TRANSPORT": "carrier-pigeon"}, "is not one of outbox, twilio"),
        ({"MESSAGING_TRANSPORT": "twilio"}, "needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"),
        (
            {"MESSAGING_TRANSPORT": "twilio", "TWILIO_ACCOUNT_SID": "x", "TWILIO_AUTH_TOKEN": "y"},
            "starts with AC",
        ),
        (
            {
                "MESSAGING_TRANSPORT": "twilio",
                "TWILIO_ACCOUNT_SID": ACCOUNT,
                "TWILIO_AUTH_TOKEN": "y",
            },
            "needs a sender",
        ),
    ],
)
def test_an_unusable_messaging_setting_stops_the_start(settings, problem):
    from shop.config import check_messaging_config
    from shop.urls import ConfigError

    config = {"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", **settings}
    with pytest.raises(ConfigError, match=problem):
        check_messaging_config(config)


def test_twilio_settings_come_from_the_environment(tmp_path, database_url, monkeypatch):
    from tests.conftest import make_app

    monkeypatch.setenv("MESSAGING_TRANSPORT", "twilio")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_WHATSAPP_FROM", "+212522000000")
    application = make_app(database_url, tmp_path)
    assert application.config["MESSAGING_TRANSPORT"] == "twilio"
    assert application.config["TWILIO_AUTH_TOKEN"] == TOKEN
    assert application.config["TWILIO_SMS_FROM"] == ""
    with application.app_context():
        db.engine.dispose()


def test_texts_a_webhook_sends_are_not_counted_against_twilios_address(
    app, twilio, client, replies
):
    import uuid

    app.config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex[:12]}",
        MESSAGING_LIMIT_PER_ADDRESS="1 per hour",
        MESSAGING_LIMIT_PER_PHONE="100 per hour",
        MESSAGING_DAILY_CAP="100 per day",
    )

    @messaging.on_reply
    def thank(phone: str, body: str) -> bool:
        messaging.send_text(phone, Channel.SMS, "Taawon: merci, commande confirmee.")
        return True

    for n in range(3):
        form = {"From": f"+2126123456{n:02d}", "Body": "1"}
        assert signed_post(client, "/webhooks/twilio/inbound", form).status_code == 200
    assert [r["data"]["To"] for r in twilio.requests] == [f"+2126123456{n:02d}" for n in range(3)]
