"""Webhooks reach only the public internet, change secrets without losing an event, and leave
no old customer data in the delivery log."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from api import webhooks
from api.models import DeliveryState, Topic, WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.services import webhook_endpoint_create
from audit.models import Change
from tests.api.test_webhooks import sweep_and_deliver, verify
from tests.factories import WorksOrderFactory
from tests.fakes.webhook_receiver import Server

INSIDE = [
    "http://127.0.0.1:8000/hooks",
    "http://localhost/hooks",
    "http://10.1.2.3/hooks",
    "http://192.168.0.10/hooks",
    "http://172.16.5.4/hooks",
    "http://100.64.0.1/hooks",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
    "http://[::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://[fd00::1]/hooks",
    "http://0.0.0.0/hooks",
    "http://224.0.0.1/hooks",
]


@pytest.fixture
def receiver():
    with Server() as fake:
        yield fake


@pytest.fixture
def no_private(settings):
    settings.WEBHOOKS_PRIVATE_ADDRESSES = False
    return settings


@pytest.mark.parametrize("url", INSIDE)
def test_an_address_inside_our_network_is_refused_at_the_field(
    client_as, personas, no_private, url
):
    response = client_as(personas.manager).post(
        "/settings/webhooks/", {"url": url, "topics": ["works_order.created"]}
    )
    assert response.status_code == 422
    [message] = response.context["form"].errors["url"]
    assert message.startswith("Webhooks go to the public internet only")
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.for_shop(personas.shop).exists()


def test_other_schemes_are_refused(client_as, personas, no_private):
    response = client_as(personas.manager).post(
        "/settings/webhooks/", {"url": "ftp://8.8.8.8/hooks", "topics": ["works_order.created"]}
    )
    assert response.status_code == 422
    assert not WebhookEndpoint.objects.for_shop(personas.shop).exists()


def test_a_public_address_is_taken(client_as, personas, no_private):
    response = client_as(personas.manager).post(
        "/settings/webhooks/", {"url": "https://8.8.8.8/hooks", "topics": ["invoice.issued"]}
    )
    assert response.status_code == 200
    assert WebhookEndpoint.objects.for_shop(personas.shop).get().url == "https://8.8.8.8/hooks"


def test_a_name_that_points_inside_when_sending_is_not_sent_to(personas, receiver, settings):
    """Saved while it was allowed (as a name that resolved outside then would be), sent when it
    is not: the check at connection time refuses it, and the log says why."""
    webhook_endpoint_create(by=personas.manager, url=receiver.url, topics=[t.value for t in Topic])
    settings.WEBHOOKS_PRIVATE_ADDRESSES = False
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    assert sweep_and_deliver() == [DeliveryState.QUEUED]
    assert receiver.deliveries == []
    delivery = WebhookDelivery.objects.for_shop(personas.shop).get()
    assert "is not on the public internet (127.0.0.1)" in delivery.last_error
    assert delivery.last_status_code is None


def test_a_redirect_is_not_followed(personas, receiver):
    """Even to an address allowed here: a redirect is the receiver's answer, a failed try."""
    with Server() as elsewhere:
        webhook_endpoint_create(
            by=personas.manager, url=receiver.url, topics=["works_order.created"]
        )
        receiver.redirect_next(elsewhere.url)
        WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
        assert sweep_and_deliver() == [DeliveryState.QUEUED]
        assert len(receiver.deliveries) == 1
        assert elsewhere.deliveries == []
    delivery = WebhookDelivery.objects.for_shop(personas.shop).get()
    assert (delivery.last_status_code, delivery.attempts) == (302, 1)


def _deliver_one(personas, receiver):
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    assert DeliveryState.DELIVERED in sweep_and_deliver()
    got = receiver.deliveries[-1]
    return got.headers["Benchdesk-Signature"], got.body


def test_a_new_secret_signs_beside_the_old_one_for_a_day(client_as, personas, receiver):
    endpoint, old = webhook_endpoint_create(
        by=personas.manager, url=receiver.url, topics=["works_order.created"]
    )
    header, body = _deliver_one(personas, receiver)
    assert header.count("v1=") == 1 and verify(old, header, body)

    page = client_as(personas.manager).post(f"/settings/webhooks/{endpoint.pk}/new-secret/")
    assert page.status_code == 200
    html = page.content.decode()
    new = html.split('id="new-secret"')[0].rsplit('value="', 1)[1].split('"', 1)[0]
    assert new.startswith("whsec_") and new != old
    assert "each delivery carries two signatures" in html
    # Shown once: the edit page does not show it again.
    assert (
        new
        not in client_as(personas.manager)
        .get(f"/settings/webhooks/{endpoint.pk}/")
        .content.decode()
    )

    header, body = _deliver_one(personas, receiver)
    assert header.count("v1=") == 2
    assert verify(new, header, body) and verify(old, header, body)

    # A day later the old one signs no more.
    WebhookEndpoint.objects.for_shop(personas.shop).filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    header, body = _deliver_one(personas, receiver)
    assert header.count("v1=") == 1
    assert verify(new, header, body) and not verify(old, header, body)


def test_the_audit_trail_records_a_new_secret_without_any_secret(client_as, personas, receiver):
    endpoint, old = webhook_endpoint_create(
        by=personas.manager, url=receiver.url, topics=["works_order.created"]
    )
    client_as(personas.manager).post(f"/settings/webhooks/{endpoint.pk}/new-secret/")
    change = (
        Change.objects.for_shop(personas.shop)
        .filter(table_name="api_webhookendpoint", action="update")
        .get()
    )
    recorded = str(change.before) + str(change.after)
    assert "previous_secret_until" in recorded
    assert "secret_sealed" not in recorded.replace("previous_secret_until", "")
    assert old not in recorded


def test_the_front_desk_cannot_make_a_new_secret(client_as, personas, receiver):
    endpoint, _ = webhook_endpoint_create(
        by=personas.manager, url=receiver.url, topics=["works_order.created"]
    )
    before = bytes(endpoint.secret_sealed)
    response = client_as(personas.front_desk).post(f"/settings/webhooks/{endpoint.pk}/new-secret/")
    assert response.status_code == 403
    endpoint.refresh_from_db()
    assert bytes(endpoint.secret_sealed) == before


def test_the_log_forgets_finished_events_after_its_days(personas, receiver, settings):
    settings.WEBHOOK_LOG_DAYS = 30
    webhook_endpoint_create(by=personas.manager, url=receiver.url, topics=["works_order.created"])
    for _ in range(3):
        WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    sweep_and_deliver()
    old_done, old_waiting, recent = WebhookEvent.objects.for_shop(personas.shop).order_by("id")
    WebhookEvent.objects.for_shop(personas.shop).filter(
        pk__in=[old_done.pk, old_waiting.pk]
    ).update(created_at=timezone.now() - datetime.timedelta(days=31))
    WebhookDelivery.objects.for_shop(personas.shop).filter(event=old_waiting).update(
        state=DeliveryState.QUEUED
    )
    assert webhooks.log_prune(batch=1) == 1
    left = set(WebhookEvent.objects.for_shop(personas.shop).values_list("pk", flat=True))
    assert left == {old_waiting.pk, recent.pk}
    assert not WebhookDelivery.objects.for_shop(personas.shop).filter(event_id=old_done.pk).exists()
    assert webhooks.log_prune() == 0  # a rerun removes nothing more
