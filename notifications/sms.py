"""SMS through Twilio: the only module that talks to it.

Without TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER the app still runs: every
SMS is recorded as not sent, with why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

if TYPE_CHECKING:
    from notifications.models import Message


class NotSetUp(Exception):
    pass


class Transient(Exception):
    pass


class Permanent(Exception):
    pass


def configured() -> bool:
    return bool(
        settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER
    )


def client() -> Client:
    twilio = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    if settings.TWILIO_API_BASE_URL:  # a local stand-in for Twilio, in tests
        twilio.api.base_url = settings.TWILIO_API_BASE_URL.rstrip("/")
    return twilio


def send(message: Message) -> str:
    """Hand the SMS to Twilio; its message SID."""
    if not configured():
        raise NotSetUp("SMS is not set up")
    try:
        sent = client().messages.create(
            to=message.recipient, from_=settings.TWILIO_FROM_NUMBER, body=message.body
        )
    except TwilioRestException as error:
        if error.status == 429 or error.status >= 500:
            raise Transient(f"Twilio {error.status}: {error.msg}") from error
        raise Permanent(f"Twilio {error.status}: {error.msg}") from error
    except OSError as error:  # the connection itself
        raise Transient(str(error)) from error
    return sent.sid
