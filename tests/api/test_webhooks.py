"""Outbound webhooks: recorded once per event, signed, retried with backoff, delivered once per
endpoint however often the sweep runs, sent again with the same event id on request."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import time

import pytest
from django.utils import timezone

from api import webhooks
from api.models import DeliveryState, Topic, WebhookDelivery, WebhookEvent
from api.services import webhook_delivery_send_again, webhook_endpoint_create
from tests.factories import WorksOrderFactory
from tests.fakes.webhook_receiver import Server
from tickets.lifecycle import works_order_advance
from tickets.models import ConsentMethod
from tickets.services import ConsentData, consent_record


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """A receiver's check, written from the README: split `t=…,v1=…[,v1=…]`, HMAC-SHA256 the
    secret over `t` + "." + the raw body, compare with each v1 in constant time, refuse old
    timestamps."""
    items = [item.split("=", 1) for item in header.split(",")]
    timestamp = int(next(value for key, value in items if key == "t"))
    signatures = [value for key, value in items if key == "v1"]
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return any(hmac.compare_digest(expected.hexdigest(), s) for s in signatures)


@pytest.fixture
def receiver():
    with Server() as fake:
        yield fake


@pytest.fixture
def endpoint(personas, receiver):
    made, secret = webhook_endpoint_create(
        by=personas.manager, url=receiver.url, topics=[t.value for t in Topic]
    )
    made.secret = secret
    return made


def sweep_and_deliver() -> list[str | None]:
    """What a beat sweep and the workers it feeds do, in this thread."""
    return [webhooks.delivery_attempt(delivery_id) for delivery_id in webhooks.due_ids()]


def test_a_booking_is_delivered_signed_with_its_event_id(personas, endpoint, receiver):
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    assert sweep_and_deliver() == ["delivered"]
    [got] = receiver.deliveries
    assert verify(endpoint.secret, got.headers["Benchdesk-Signature"], got.body)
    assert not verify("whsec_wrong", got.headers["Benchdesk-Signature"], got.body)
    assert not verify(endpoint.secret, got.headers["Benchdesk-Signature"], got.body + b" ")
    event = WebhookEvent.objects.for_shop(personas.shop).get()
    assert got.event_id == str(event.event_id) == got.json["id"]
    assert got.json["type"] == "works_order.created"
    assert got.json["data"]["works_order"]["number"] == job.number
    delivery = WebhookDelivery.objects.for_shop(personas.shop).get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.last_duration_ms is not None


def test_an_event_is_recorded_once_however_often_its_listener_runs(personas, endpoint):
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    entry = job.timeline.get(event="booked_in")
    for _ in range(3):
        webhooks.event_record(
            shop_id=job.shop_id, topic=Topic.CREATED, source=f"entry-{entry.pk}", payload={}
        )
    assert WebhookEvent.objects.for_shop(personas.shop).count() == 1
    assert WebhookDelivery.objects.for_shop(personas.shop).count() == 1


def test_nothing_is_recorded_for_a_topic_no_endpoint_wants(personas, receiver):
    webhook_endpoint_create(by=personas.manager, url=receiver.url, topics=["invoice.issued"])
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    assert not WebhookEvent.objects.for_shop(personas.shop).exists()


def test_failures_are_retried_with_growing_waits_then_given_up(personas, endpoint, receiver):
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    delivery = WebhookDelivery.objects.for_shop(personas.shop).get()
    receiver.fail_next(*[500] * webhooks.MAX_ATTEMPTS)
    waits = []
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        before = timezone.now()
        assert sweep_and_deliver() == ["queued"]
        delivery.refresh_from_db()
        waits.append(round((delivery.next_try_at - before).total_seconds()))
        assert sweep_and_deliver() == []  # not due yet: the sweep leaves it
        delivery.next_try_at = timezone.now() - datetime.timedelta(seconds=1)
        delivery.save(update_fields=["next_try_at"])
    assert waits == [30, 60, 120, 240, 480, 960, 1920]
    assert sweep_and_deliver() == ["failed"]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("failed", 8, 500)
    ids = {d.event_id for d in receiver.deliveries}
    assert len(receiver.deliveries) == 8 and len(ids) == 1  # every retry: the same event id


def test_one_delivery_per_event_and_endpoint_under_rerun_sweeps(
    personas, endpoint, receiver, django_capture_on_commit_callbacks
):
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    consent_record(
        works_order=job,
        consent=ConsentData(method=ConsentMethod.ON_BEHALF, signed_name="Ann Customer"),
        by=personas.front_desk,
    )
    works_order_advance(
        works_order=job, step="assign", technician=personas.technician, by=personas.manager
    )
    for _ in range(4):  # beat fires again and again; a second worker runs the same ids
        sweep_and_deliver()
        sweep_and_deliver()
    topics = sorted(d.json["type"] for d in receiver.deliveries)
    assert topics == ["works_order.created", "works_order.status_changed"]
    assert len({d.event_id for d in receiver.deliveries}) == 2


def test_a_delivery_recorded_done_is_never_sent_again_by_the_sweep(personas, endpoint, receiver):
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    delivery = WebhookDelivery.objects.for_shop(personas.shop).get()
    # A worker claimed it and died before answering: once stale, it is sent (once).
    WebhookDelivery.objects.for_shop(personas.shop).filter(pk=delivery.pk).update(
        state=DeliveryState.SENDING,
        attempts=1,
        sending_since=timezone.now() - webhooks.STALE - datetime.timedelta(seconds=1),
    )
    assert sweep_and_deliver() == ["delivered"]
    assert sweep_and_deliver() == []
    assert webhooks.delivery_attempt(delivery.pk) is None  # a late task for it does nothing
    assert len(receiver.deliveries) == 1


def test_send_again_replays_the_same_event_id_and_body(personas, endpoint, receiver):
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    sweep_and_deliver()
    delivery = WebhookDelivery.objects.for_shop(personas.shop).get()
    webhook_delivery_send_again(delivery=delivery)
    assert sweep_and_deliver() == ["delivered"]
    first, again = receiver.deliveries
    assert first.event_id == again.event_id
    assert first.body == again.body
    assert verify(endpoint.secret, again.headers["Benchdesk-Signature"], again.body)
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_another_shops_endpoints_hear_nothing(personas, receiver):
    webhook_endpoint_create(by=personas.outsider, url=receiver.url, topics=["works_order.created"])
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    assert sweep_and_deliver() == []
    assert receiver.deliveries == []


def test_production_takes_only_https_endpoints(personas, settings):
    from django.core.exceptions import ValidationError

    settings.WEBHOOKS_HTTPS_ONLY = True
    with pytest.raises(ValidationError):
        webhook_endpoint_create(
            by=personas.manager, url="http://example.com/hook", topics=["invoice.issued"]
        )
