"""Sending an outbox message through the real Twilio client against the local fake Twilio."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import outbox, sms
from notifications.models import Channel, Message, Stage, State
from notifications.services import message_queue
from notifications.tasks import outbox_sweep


def queue(customer, works_order=None, key="update:1:sms", body="Your repair is ready.") -> Message:
    with transaction.atomic():
        return message_queue(
            customer=customer,
            works_order=works_order,
            stage=Stage.UPDATE,
            channel=Channel.SMS,
            key=key,
            body=body,
        )


def backoff_over(message: Message) -> None:
    """Move the clock past the message's backoff (rather than wait for it)."""
    Message.objects.all_shops().filter(pk=message.pk).update(send_after=timezone.now())


def test_the_backoff_doubles_up_to_ten_minutes():
    waits = [outbox.backoff(n).total_seconds() for n in range(1, 9)]
    assert waits == [10, 20, 40, 80, 160, 320, 600, 600]


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """These tests call the outbox directly; the task queued on commit is not run here."""
    monkeypatch.setattr("notifications.services._enqueue", lambda message_id: None)


def test_an_sms_goes_to_twilio_with_a_status_callback(twilio, customer):
    message = queue(customer)
    outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENT, 1)
    assert message.provider_id == twilio.messages[0]["sid"]
    [create] = twilio.creates
    assert create.form["To"] == "+447911123456"
    assert create.form["From"] == "+447700900000"
    assert create.form["Body"] == "Your repair is ready."
    assert create.form["StatusCallback"] == "https://bench.example.test/hooks/twilio/status/"


def test_a_task_run_twice_sends_once(twilio, customer):
    message = queue(customer)
    outbox.message_deliver(message.pk)
    outbox.message_deliver(message.pk)
    assert len(twilio.creates) == 1
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.parametrize("status", [500, 429])
def test_a_transient_error_is_retried_and_sent_once(twilio, customer, status):
    twilio.fail_next(status)
    message = queue(customer)
    with pytest.raises(outbox.Transient):
        outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.state == State.QUEUED
    assert f"Twilio {status}" in message.last_error
    assert message.send_after > timezone.now()  # backing off: not even the sweep takes it yet
    outbox.message_deliver(message.pk)
    assert len(twilio.creates) == 1
    backoff_over(message)
    outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENT, 2)
    assert len(twilio.messages) == 1


def test_a_permanent_error_fails_visibly(twilio, customer):
    twilio.fail_next(400)
    message = queue(customer)
    outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert "Twilio 400" in message.last_error and "not a valid phone number" in message.last_error
    assert message.attempts == 1


def test_it_gives_up_after_the_last_attempt(twilio, customer):
    message = queue(customer)
    Message.objects.all_shops().filter(pk=message.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    twilio.fail_next(500)
    outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.last_error.startswith(f"gave up after {outbox.MAX_ATTEMPTS} tries")


def test_without_twilio_settings_the_sms_is_recorded_as_not_sent(settings, customer):
    settings.TWILIO_ACCOUNT_SID = ""
    message = queue(customer)
    outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert (message.state, message.not_sent_reason) == (State.NOT_SENT, "SMS is not set up")


def test_a_message_stuck_sending_is_adopted_from_twilio_not_sent_again(twilio, customer):
    """The worker sent it and died before recording the answer: Twilio has it, we do not."""
    message = queue(customer)
    assert outbox.message_claim(message.pk) is not None
    sms.send(message)  # reached Twilio; the worker died here
    long_ago = timezone.now() - outbox.STALE - datetime.timedelta(seconds=1)
    Message.objects.all_shops().filter(pk=message.pk).update(sending_since=long_ago)

    assert message.pk in outbox.waiting_ids()
    outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENT, 2)
    assert message.provider_id == twilio.messages[0]["sid"]
    assert len(twilio.creates) == 1
    assert any(r.method == "GET" for r in twilio.requests)


def test_an_earlier_sid_of_another_message_with_the_same_words_is_not_adopted(twilio, customer):
    first = queue(customer, key="update:1:sms")
    outbox.message_deliver(first.pk)
    second = queue(customer, key="update:2:sms")
    twilio.fail_next(500)
    with pytest.raises(outbox.Transient):
        outbox.message_deliver(second.pk)
    backoff_over(second)
    outbox.message_deliver(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.state == State.SENT and second.provider_id != first.provider_id
    assert len(twilio.messages) == 2


def test_the_sweep_finds_queued_and_stale_sending_messages_only(twilio, customer, monkeypatch):
    due = queue(customer, key="a")
    stale = queue(customer, key="b")
    fresh = queue(customer, key="c")
    held = queue(customer, key="d")
    later = timezone.now() + datetime.timedelta(hours=8)
    Message.objects.all_shops().filter(pk=held.pk).update(send_after=later)
    outbox.message_claim(stale.pk)
    outbox.message_claim(fresh.pk)
    long_ago = timezone.now() - outbox.STALE - datetime.timedelta(seconds=1)
    Message.objects.all_shops().filter(pk=stale.pk).update(sending_since=long_ago)

    sent: list[int] = []
    monkeypatch.setattr("notifications.tasks.message_send.delay", sent.append)
    assert outbox_sweep() == 2
    assert sorted(sent) == sorted([due.pk, stale.pk])


def test_a_queued_message_goes_to_the_worker_after_commit(
    customer, monkeypatch, django_capture_on_commit_callbacks
):
    handed: list[int] = []
    monkeypatch.setattr("notifications.services._enqueue", handed.append)
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(customer)
        assert handed == []
    assert handed == [message.pk]


def test_a_twilio_that_does_not_answer_in_time_is_retried_without_a_second_sms(
    twilio, customer, monkeypatch
):
    monkeypatch.setattr(sms, "TIMEOUT", 0.5)
    twilio.delay = 30  # it takes the message, then holds the answer past our timeout
    message = queue(customer)
    with pytest.raises(outbox.Transient):
        outbox.message_deliver(message.pk)
    twilio.released.set()
    twilio.delay = 0
    backoff_over(message)
    outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENT, 2)
    assert message.provider_id == twilio.messages[0]["sid"]
    assert len(twilio.creates) == 1
