"""SMS through Twilio: the only module that talks to it.

Without TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER the app still runs: every
SMS is recorded as not sent, with why.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

if TYPE_CHECKING:
    from notifications.models import Message


TIMEOUT = 30  # seconds


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
    # A timeout, so a Twilio that never answers frees the worker: the retry then asks Twilio
    # whether it took the message after all (already_taken) before sending again.
    twilio = Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=TwilioHttpClient(timeout=TIMEOUT),
    )
    if settings.TWILIO_API_BASE_URL:  # a local stand-in for Twilio, in tests
        twilio.api.base_url = settings.TWILIO_API_BASE_URL.rstrip("/")
    return twilio


def status_callback_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("twilio_status")


def send(message: Message) -> str:
    """Hand the SMS to Twilio; its message SID."""
    if not configured():
        raise NotSetUp("SMS is not set up")
    with _provider_errors():
        sent = client().messages.create(
            to=message.recipient,
            from_=settings.TWILIO_FROM_NUMBER,
            body=message.body,
            status_callback=status_callback_url(),
        )
    return sent.sid


def already_taken(message: Message, *, known: Collection[str] = ()) -> str:
    """The SID of an SMS Twilio already took for this message (same number and body, sent
    since it was written, not one of `known`), or "": asked before sending again a message whose
    earlier attempt may have reached Twilio without our hearing the answer."""
    if not configured():
        return ""
    since = message.created_at - datetime.timedelta(minutes=1)
    with _provider_errors():
        found = client().messages.list(to=message.recipient, date_sent_after=since, limit=200)
    for sent in found:
        if sent.body == message.body and sent.sid not in known:
            return sent.sid
    return ""


@contextmanager
def _provider_errors() -> Iterator[None]:
    try:
        yield
    except TwilioRestException as error:
        if error.status == 429 or error.status >= 500:
            raise Transient(f"Twilio {error.status}: {error.msg}") from error
        raise Permanent(f"Twilio {error.status}: {error.msg}") from error
    except OSError as error:  # the connection itself
        raise Transient(str(error)) from error
