"""Twilio delivery reports: signed, kept once, and a message's state only moves forward."""

from __future__ import annotations

import itertools
import random

import pytest
from django.db import transaction

from notifications import outbox
from notifications.models import Channel, DeliveryReport, Message, Stage, State
from notifications.services import message_queue
from tests.notifications.conftest import signed_post

STATUS = "/hooks/twilio/status/"


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr("notifications.services._enqueue", lambda message_id: None)


@pytest.fixture
def sent(twilio, customer) -> Message:
    with transaction.atomic():
        message = message_queue(
            customer=customer,
            works_order=None,
            stage=Stage.UPDATE,
            channel=Channel.SMS,
            key="update:1:sms",
            body="Hello",
        )
    outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.state == State.SENT
    return message


def report(sid: str, status: str, **extra):
    return signed_post(STATUS, {"MessageSid": sid, "MessageStatus": status, **extra})


def test_a_delivered_report_marks_the_message_delivered(sent):
    assert report(sent.provider_id, "delivered").status_code == 204
    sent.refresh_from_db()
    assert sent.state == State.DELIVERED


def test_a_late_sent_does_not_overwrite_delivered(sent):
    report(sent.provider_id, "delivered")
    report(sent.provider_id, "sent")
    sent.refresh_from_db()
    assert sent.state == State.DELIVERED
    assert DeliveryReport.objects.filter(provider_id=sent.provider_id).count() == 2


def test_ten_replays_in_any_order_give_one_state(sent):
    statuses = ["queued", "sent", "delivered", "sent", "queued"] * 2
    random.Random(11).shuffle(statuses)
    for status in statuses:
        assert report(sent.provider_id, status).status_code == 204
    sent.refresh_from_db()
    assert sent.state == State.DELIVERED
    assert sorted(
        DeliveryReport.objects.filter(provider_id=sent.provider_id).values_list("status", flat=True)
    ) == ["delivered", "queued", "sent"]


@pytest.mark.parametrize("order", list(itertools.permutations(["sent", "undelivered", "queued"])))
def test_undelivered_is_final_whatever_the_order(sent, order):
    for status in order:
        report(sent.provider_id, status, ErrorCode="30003")
    sent.refresh_from_db()
    assert sent.state == State.UNDELIVERED
    assert sent.last_error == "Twilio error 30003"


def test_a_report_arriving_before_our_sent_is_recorded_still_ends_delivered(twilio, customer):
    with transaction.atomic():
        message = message_queue(
            customer=customer,
            works_order=None,
            stage=Stage.UPDATE,
            channel=Channel.SMS,
            key="update:2:sms",
            body="Quick",
        )
    real_send = outbox.sms.send

    def send_then_report_arrives(message):
        sid = real_send(message)
        assert report(sid, "delivered").status_code == 204  # before we write "sent"
        return sid

    outbox.sms.send = send_then_report_arrives
    try:
        outbox.message_deliver(message.pk)
    finally:
        outbox.sms.send = real_send
    message.refresh_from_db()
    assert message.state == State.DELIVERED


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl"])
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(sent, signature):
    response = signed_post(
        STATUS, {"MessageSid": sent.provider_id, "MessageStatus": "failed"}, signature=signature
    )
    assert response.status_code == 403
    sent.refresh_from_db()
    assert sent.state == State.SENT
    assert not DeliveryReport.objects.exists()


def test_a_signature_for_other_fields_is_refused(sent):
    from twilio.request_validator import RequestValidator

    from tests.notifications.conftest import AUTH_TOKEN, PUBLIC

    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC + STATUS, {"MessageSid": sent.provider_id, "MessageStatus": "sent"}
    )
    response = signed_post(
        STATUS, {"MessageSid": sent.provider_id, "MessageStatus": "failed"}, signature=signature
    )
    assert response.status_code == 403
    sent.refresh_from_db()
    assert sent.state == State.SENT


def test_only_post_is_accepted(sent, client):
    assert client.get(STATUS).status_code == 405
