"""Where a text message goes: the outbox folder (the default) or Twilio.

``MESSAGING_TRANSPORT`` chooses: ``"outbox"`` writes each message as a JSON
file under ``OUTBOX_DIR/messages/`` (development, tests, a shop that has no
provider yet: nothing leaves the machine); ``"twilio"`` sends SMS from
``TWILIO_SMS_FROM`` (a number, an alphanumeric sender or a Messaging Service
``MG…``) and WhatsApp messages from ``TWILIO_WHATSAPP_FROM`` through
Twilio's Messages API, with the account's ``TWILIO_ACCOUNT_SID`` and
``TWILIO_AUTH_TOKEN`` read from the configuration only (``shop/config.py``
refuses to start without them). Tests inject a ``twilio.http.HttpClient`` as
``app.extensions["twilio_http_client"]``, as Stripe's tests inject theirs, so
the suite never reaches the network.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Protocol

from flask import current_app

from ..models import utcnow
from .models import Channel, OutboxMessage

#: ``app.extensions`` key of an injected ``twilio.http.HttpClient`` (tests).
HTTP_CLIENT = "twilio_http_client"
TRANSPORTS = ("outbox", "twilio")


class SendError(Exception):
    """The transport did not take the message; ``permanent`` when trying again cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    """Sends one message; returns the provider's id for it, or raises ``SendError``."""

    def send(self, message: OutboxMessage, status_callback: str | None) -> str: ...


class OutboxFolder:
    """Each message as a JSON file in ``OUTBOX_DIR/messages/`` (``to``, ``channel``, ``body``)."""

    def send(self, message: OutboxMessage, status_callback: str | None) -> str:
        folder = Path(current_app.config["OUTBOX_DIR"]) / "messages"
        now = utcnow()
        name = f"{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        record = {
            "id": message.id,
            "to": message.phone,
            "channel": str(message.channel),
            "body": message.body,
            "segments": message.segments,
            "at": now.isoformat(),
        }
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.json").write_text(
                json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8"
            )
        except OSError as exc:
            raise SendError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
        return f"outbox-{name}"


def twilio_address(channel: Channel | str, phone: str) -> str:
    """Twilio's ``To``/``From`` for a number: ``whatsapp:+212…`` on WhatsApp."""
    if channel == Channel.WHATSAPP and not phone.startswith("whatsapp:"):
        return f"whatsapp:{phone}"
    return phone


class Twilio:
    """Twilio's Messages API, SMS and WhatsApp alike."""

    def __init__(self) -> None:
        from twilio.rest import Client

        config = current_app.config
        self.client = Client(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            http_client=current_app.extensions.get(HTTP_CLIENT),
        )
        self.sms_from = config.get("TWILIO_SMS_FROM") or ""
        self.whatsapp_from = config.get("TWILIO_WHATSAPP_FROM") or ""

    def _sender(self, channel: Channel) -> dict[str, str]:
        sender = self.whatsapp_from if channel == Channel.WHATSAPP else self.sms_from
        if not sender:
            raise SendError(f"no Twilio sender is configured for {channel}", permanent=True)
        if sender.startswith("MG"):
            return {"messaging_service_sid": sender}
        return {"from_": twilio_address(channel, sender)}

    def send(self, message: OutboxMessage, status_callback: str | None) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        params = {
            "to": twilio_address(message.channel, message.phone),
            "body": message.body,
            **self._sender(message.channel),
        }
        if status_callback:
            params["status_callback"] = status_callback
        try:
            created = self.client.messages.create(**params)
        except TwilioRestException as exc:
            # A 4xx is Twilio refusing this message (an invalid or blocked
            # number, a WhatsApp message outside the 24-hour window): the same
            # request fails again. 429 and 5xx pass.
            permanent = 400 <= exc.status < 500 and exc.status != 429
            raise SendError(f"Twilio {exc.status} {exc.code}: {exc.msg}", permanent=permanent)
        except (TwilioException, OSError) as exc:  # requests' errors are OSErrors
            raise SendError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
        return str(created.sid)


def get_transport() -> Transport:
    """The configured transport (``MESSAGING_TRANSPORT``)."""
    if current_app.config.get("MESSAGING_TRANSPORT") == "twilio":
        return Twilio()
    return OutboxFolder()
