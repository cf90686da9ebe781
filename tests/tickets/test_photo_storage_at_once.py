"""Two uploads at the same moment, each fitting in what is left of the shop's photo storage but
not both: the second waits for the first and is refused, and the count stays exact.

Committed transactions (transaction=True) and one database connection per thread, as two
tablets would have.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum

import tenancy
from shops.models import PhotoStorage
from shops.services import PhotoStorageFull
from tests.factories import WorksOrderFactory
from tests.tickets.conftest import camera_jpeg
from tickets import services
from tickets.models import Photo
from tickets.photos import clean_photo

pytestmark = pytest.mark.django_db(transaction=True)


def in_own_connection(work):
    def run(*args):
        try:
            return work(*args)
        finally:
            connections.close_all()  # this thread's connection, before the test database goes

    return run


def someone_waits_for_a_lock() -> bool:
    # As benchdesk_app itself, whose other sessions' waits pg_stat_activity shows it.
    with tenancy.for_shop(None), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_the_second_of_two_uploads_at_once_waits_and_is_refused_if_both_do_not_fit(personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    photo_a, photo_b = (clean_photo(camera_jpeg(640, 480)) for _ in "ab")
    personas.shop.photo_storage_quota = photo_a.size + photo_b.size - 1  # room for one
    personas.shop.save(update_fields=["photo_storage_quota"])
    a_saved, a_may_commit = threading.Event(), threading.Event()

    def add(image):
        services.photos_add(works_order=works_order, images=[image], by=personas.technician)

    @in_own_connection
    def tablet_a():
        with transaction.atomic():
            add(photo_a)
            a_saved.set()
            a_may_commit.wait(timeout=30)

    @in_own_connection
    def tablet_b():
        a_saved.wait(timeout=30)
        try:
            add(photo_b)
        except PhotoStorageFull:
            return "refused"
        return "saved"

    with ThreadPoolExecutor(max_workers=2) as pool:
        pool.submit(tablet_a)
        b = pool.submit(tablet_b)
        deadline = time.monotonic() + 30
        while not someone_waits_for_a_lock():  # B is queued behind A's uncommitted bytes
            assert time.monotonic() < deadline, "the second upload never waited"
            time.sleep(0.02)
        a_may_commit.set()
        assert b.result(timeout=30) == "refused"

    photos = Photo.objects.for_shop(personas.shop)
    storage = PhotoStorage.objects.get(shop=personas.shop)
    assert photos.count() == storage.photo_count == 1
    assert storage.used_bytes == photos.aggregate(total=Sum("size"))["total"] == photo_a.size
