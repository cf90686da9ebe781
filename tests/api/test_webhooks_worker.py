"""A real Celery worker: a booking made through the API is delivered by the task queued when
its transaction commits, and sweeps run afterwards send nothing twice."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from api.models import DeliveryState, WebhookDelivery
from api.services import api_key_create, webhook_endpoint_create
from api.tasks import webhooks_sweep
from config.celery import app as celery_app
from tests.fakes.webhook_receiver import Server

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.1)


def test_a_booking_through_the_api_reaches_the_receiver_once(personas, client):
    with Server() as receiver:
        webhook_endpoint_create(
            by=personas.manager, url=receiver.url, topics=["works_order.created"]
        )
        _, key = api_key_create(by=personas.manager, name="Shop sync", scope="write")
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            booked = client.post(
                "/api/v1/works-orders",
                {
                    "branch": "BHM",
                    "new_customer": {"full_name": "Grace Hopper", "phone": "07911 123456"},
                    "device": {"make": "Apple", "model_name": "iPhone 13"},
                    "fault_reported": "Cracked screen",
                },
                content_type="application/json",
                headers={"Authorization": f"Bearer {key}"},
            )
            assert booked.status_code == 201, booked.content
            wait_for(lambda: len(receiver.deliveries) == 1, "the delivery")
            delivery = WebhookDelivery.objects.for_shop(personas.shop).get()
            wait_for(
                lambda: (
                    WebhookDelivery.objects.for_shop(personas.shop).get().state
                    == DeliveryState.DELIVERED
                ),
                "the delivery to be recorded",
            )
            # Beat's sweep, again and again: nothing is due, so nothing is queued or sent.
            assert [webhooks_sweep() for _ in range(3)] == [0, 0, 0]
        [got] = receiver.deliveries
        assert got.json["data"]["works_order"]["number"] == booked.json()["number"]
        delivery.refresh_from_db()
        assert delivery.attempts == 1
