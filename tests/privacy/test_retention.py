"""Retention: photos and customer messages older than the shop's period go overnight, in batches,
only in that shop, and a second run finds nothing more."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import DeliveryReport, InboundMessage, Message
from privacy.retention import retention_sweep
from privacy.tasks import retention_sweep as retention_task
from shops.models import PhotoStorage, Shop
from tests.factories import CustomerFactory, WorksOrderFactory
from tests.privacy.conftest import jpeg
from tickets.models import Photo
from tickets.services import photos_add

NOW = timezone.now()


def aged(shop, branch, by, *, days: int, n: int):
    """A photo, a sent SMS (with its delivery report) and a received one, `days` old."""
    customer = CustomerFactory(shop=shop)
    job = WorksOrderFactory(branch=branch, by=by, customer=customer)
    Message.objects.for_shop(shop).filter(works_order=job).delete()  # "booked in": today's
    [photo] = photos_add(works_order=job, images=[jpeg()], by=by)
    when = NOW - datetime.timedelta(days=days)
    Photo.objects.for_shop(shop).filter(pk=photo.pk).update(uploaded_at=when)
    sent = Message.objects.create(
        shop=shop,
        works_order=job,
        customer=customer,
        stage="ready",
        channel="sms",
        key=f"old-{n}",
        recipient=customer.phone,
        body="Ready",
        state="delivered",
        provider_id=f"SMret{n}",
        created_at=when,
    )
    DeliveryReport.objects.create(provider_id=sent.provider_id, status="delivered")
    InboundMessage.objects.create(
        shop=shop, provider_id=f"in-{n}", sender=customer.phone, body="ok", received_at=when
    )
    return photo


def counts(shop) -> tuple[int, int, int]:
    return (
        Photo.objects.for_shop(shop).count(),
        Message.objects.for_shop(shop).count(),
        InboundMessage.objects.for_shop(shop).count(),
    )


def test_it_removes_only_old_items_of_shops_that_set_a_period(
    personas, django_capture_on_commit_callbacks
):
    shop, elsewhere = personas.shop, personas.outsider.shop
    Shop.objects.filter(pk=shop.pk).update(photo_retention_months=6, message_retention_months=12)
    old_photo = aged(shop, personas.branch, personas.manager, days=400, n=1)
    aged(shop, personas.branch, personas.manager, days=250, n=2)  # photo old, messages not
    aged(shop, personas.branch, personas.manager, days=30, n=3)
    outsider_branch = personas.outsider.branches.first()
    aged(elsewhere, outsider_branch, personas.outsider, days=400, n=4)  # keeps everything

    with django_capture_on_commit_callbacks(execute=True):
        swept = retention_sweep(NOW)

    assert (swept.photos, swept.messages) == (2, 2)
    assert counts(shop) == (1, 2, 2)
    assert counts(elsewhere) == (1, 1, 1)
    assert not Path(settings.MEDIA_ROOT, old_photo.image.name).exists()
    assert set(DeliveryReport.objects.values_list("provider_id", flat=True)) == {
        "SMret2",
        "SMret3",
        "SMret4",
    }
    storage = PhotoStorage.objects.get(shop=shop)
    assert storage.photo_count == 1
    assert storage.used_bytes == Photo.objects.for_shop(shop).get().size


def test_it_works_in_batches_and_a_second_run_removes_nothing(personas):
    shop = personas.shop
    Shop.objects.filter(pk=shop.pk).update(photo_retention_months=1, message_retention_months=1)
    for n in range(3):
        aged(shop, personas.branch, personas.manager, days=60, n=n)
    swept = retention_sweep(NOW, batch=2)
    assert (swept.photos, swept.messages) == (3, 6)
    assert counts(shop) == (0, 0, 0)
    again = retention_sweep(NOW, batch=2)
    assert (again.photos, again.messages) == (0, 0)


def test_messages_still_queued_are_kept(personas):
    shop = personas.shop
    Shop.objects.filter(pk=shop.pk).update(message_retention_months=1)
    aged(shop, personas.branch, personas.manager, days=60, n=1)
    Message.objects.for_shop(shop).update(state="queued")
    retention_sweep(NOW)
    assert Message.objects.for_shop(shop).count() == 1
    assert Photo.objects.for_shop(shop).count() == 1  # no photo period set


def test_the_beat_task_runs_the_sweep(personas):
    Shop.objects.filter(pk=personas.shop.pk).update(photo_retention_months=1)
    aged(personas.shop, personas.branch, personas.manager, days=60, n=1)
    assert retention_task() == {"photos": 1, "messages": 0}
    assert "retention-sweep" in settings.CELERY_BEAT_SCHEDULE


def test_managers_set_the_periods(personas, client_as):
    client = client_as(personas.manager)
    assert client.get("/settings/privacy/").status_code == 200
    response = client.post(
        "/settings/privacy/", {"photo_retention_months": "18", "message_retention_months": ""}
    )
    assert response.status_code == 302
    shop = Shop.objects.get(pk=personas.shop.pk)
    assert (shop.photo_retention_months, shop.message_retention_months) == (18, None)


@pytest.mark.parametrize("value", ["0", "121", "99999999999999999999", "1.5", "\x00", "-3"])
def test_a_bad_period_says_why(personas, client_as, value):
    response = client_as(personas.owner).post(
        "/settings/privacy/", {"photo_retention_months": value}
    )
    assert response.status_code == 200
    assert "Enter a whole number from 1 to 120." in response.content.decode()
    assert Shop.objects.get(pk=personas.shop.pk).photo_retention_months is None


@pytest.mark.parametrize("role", ["front_desk", "technician"])
def test_only_managers_and_owners_change_retention(personas, client_as, role):
    client = client_as(getattr(personas, role))
    assert client.get("/settings/privacy/").status_code == 403
    assert client.post("/settings/privacy/", {"photo_retention_months": "1"}).status_code == 403
    assert Shop.objects.get(pk=personas.shop.pk).photo_retention_months is None
