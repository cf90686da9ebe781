"""Notifications fixtures: Twilio is the local fake server, talked to by the real client, and
webhook requests carry signatures made by Twilio's own RequestValidator."""

from __future__ import annotations

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from tests.factories import CustomerFactory, WorksOrderFactory
from tests.fakes.twilio import FakeTwilio, Server
from tickets.services import ConsentData

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC = "https://bench.example.test"


@pytest.fixture
def twilio(settings) -> FakeTwilio:
    with Server() as fake:
        settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
        settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
        settings.TWILIO_FROM_NUMBER = "+447700900000"
        settings.TWILIO_API_BASE_URL = fake.url
        settings.PUBLIC_BASE_URL = PUBLIC
        yield fake


def signed_post(path: str, form: dict[str, str], *, signature: str | None = None):
    """POST `form` to `path` as Twilio would, signed for the public URL (or with `signature`)."""
    if signature is None:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, form)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return Client().post(path, form, headers=headers)


@pytest.fixture
def customer(personas):
    return CustomerFactory(shop=personas.shop, full_name="Dee Lane", phone="+447911123456")


@pytest.fixture
def works_order(personas, customer):
    return WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        customer=customer,
        consent=ConsentData(method="on_behalf", signed_name="Dee Lane"),
    )
