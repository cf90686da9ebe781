"""Two managers applying imports at once: the second is told who is importing, and keeps their
file to apply afterwards; the pricebook is written by one import at a time."""

import datetime
import html

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from pricebook import importer
from pricebook.models import ImportStatus, PricebookImport, PriceOption
from tests.pricebook.conftest import DIAGNOSTIC, SCREEN_OEM, csv_text, preview


@pytest.fixture
def two_previews(shop, personas):
    first = preview(shop, personas.manager, csv_text(SCREEN_OEM))
    second = preview(shop, personas.owner, csv_text(SCREEN_OEM | {"price": "199.00"}, DIAGNOSTIC))
    return first, second


def test_the_second_manager_is_told_who_is_importing_and_keeps_their_file(
    personas, settings, client_as, two_previews
):
    first, second = two_previews
    settings.PRICEBOOK_INLINE_IMPORT_ROWS = 0  # applying goes to a worker, none runs here yet
    importer.import_apply_start(upload=first, by=personas.manager)
    first.refresh_from_db()
    assert first.status == ImportStatus.APPLYING

    response = client_as(personas.owner).post(
        reverse("pricebook_import_apply", args=[second.pk]), follow=True
    )

    page = html.unescape(response.content.decode())
    assert "Tom Fletcher’s import of “prices.csv” is being applied" in page
    assert "Yours is kept as it is: apply it again when theirs has finished" in page
    second.refresh_from_db()
    assert second.status == ImportStatus.PREVIEW

    importer.import_apply(shop_id=first.shop_id, import_id=first.pk)  # the worker gets to it
    settings.PRICEBOOK_INLINE_IMPORT_ROWS = 2000
    importer.import_apply_start(upload=second, by=personas.owner)
    second.refresh_from_db()
    assert second.status == ImportStatus.APPLIED
    assert second.result["counts"] == {"add": 1, "change": 1, "unchanged": 0, "rejected": 0}
    assert sorted(PriceOption.objects.for_shop(personas.shop).values_list("price", flat=True)) == [
        29,
        199,
    ]


def test_an_apply_running_in_another_session_holds_the_shops_lock(personas, two_previews):
    _, second = two_previews
    elsewhere = connections.create_connection("default")
    try:
        elsewhere.set_autocommit(False)
        with elsewhere.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [importer.LOCK_CLASS, personas.shop.pk]
            )
        with pytest.raises(importer.ImportBusy, match="being applied to the pricebook right now"):
            importer.import_apply_start(upload=second, by=personas.owner)
    finally:
        elsewhere.rollback()
        elsewhere.close()
    second.refresh_from_db()
    assert second.status == ImportStatus.PREVIEW


def test_an_apply_that_died_on_the_way_does_not_block_the_shop_for_ever(
    personas, settings, two_previews
):
    first, second = two_previews
    settings.PRICEBOOK_INLINE_IMPORT_ROWS = 0
    importer.import_apply_start(upload=first, by=personas.manager)
    PricebookImport.objects.for_shop(personas.shop).filter(pk=first.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=20)
    )
    settings.PRICEBOOK_INLINE_IMPORT_ROWS = 2000
    importer.import_apply_start(upload=second, by=personas.owner)
    second.refresh_from_db()
    assert second.status == ImportStatus.APPLIED


def test_an_import_in_another_shop_does_not_hold_this_one_up(personas, settings, two_previews):
    from tests.pricebook.conftest import preview as preview_in

    _, second = two_previews
    elsewhere = preview_in(personas.outsider.shop, personas.outsider, csv_text(SCREEN_OEM))
    settings.PRICEBOOK_INLINE_IMPORT_ROWS = 0
    importer.import_apply_start(upload=elsewhere, by=personas.outsider)
    settings.PRICEBOOK_INLINE_IMPORT_ROWS = 2000
    importer.import_apply_start(upload=second, by=personas.owner)
    second.refresh_from_db()
    assert second.status == ImportStatus.APPLIED
