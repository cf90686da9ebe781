"""A big file is read and applied by a Celery worker; the page polls its progress, which is
visible to everyone while the import's own transaction is still open."""

import json
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections
from django.urls import reverse

from config.celery import app as celery_app
from pricebook.importer import Progress
from pricebook.models import ImportStatus, PricebookEntry, PricebookImport
from pricebook.sample import sample_csv
from pricebook.starter import repair_types_seed
from tests.pricebook.conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield


@pytest.fixture
def progress_seen_from_outside(monkeypatch) -> list[dict]:
    """Every progress write, read back at once over a connection of another session."""
    seen: list[dict] = []
    write = Progress.__call__

    def watched(self, step: str, percent: int) -> None:
        write(self, step, percent)
        outside = connections.create_connection("default")
        try:
            with outside.cursor() as cursor:
                cursor.execute(
                    "SELECT progress FROM pricebook_pricebookimport WHERE id = %s", [self.upload.pk]
                )
                seen.append(json.loads(cursor.fetchone()[0]))  # Django reads jsonb as text
        finally:
            outside.close()

    monkeypatch.setattr(Progress, "__call__", watched)
    monkeypatch.setattr(Progress, "EVERY", 0)
    return seen


def wait_for_the_outcome(client, url: str, timeout: float = 60) -> int:
    """Poll the progress fragment as the page does; returns how many polls showed progress."""
    polls, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200
        if response.headers.get("HX-Refresh") == "true":
            return polls
        assert 'role="progressbar"' in response.content.decode()
        polls += 1
        time.sleep(0.05)
    raise AssertionError("the import did not finish in time")


def test_a_large_file_is_previewed_and_applied_by_the_worker_with_progress(
    personas, settings, client_as, worker, progress_seen_from_outside
):
    settings.PRICEBOOK_INLINE_IMPORT_ROWS = 100
    repair_types_seed(shop=personas.shop)
    text = sample_csv(models=15, seed=9)
    rows = text.count("\n") - 1
    assert rows > 100
    client = client_as(personas.manager)

    response = client.post(reverse("pricebook_import"), {"file": upload(text, "big.csv")})
    detail = response["Location"]
    wait_for_the_outcome(client, detail)
    page = client.get(detail).content.decode()
    assert "Ready to review" in page
    assert f"Apply: add {rows}, change 0" in page
    assert not PricebookEntry.objects.for_shop(personas.shop).exists()

    progress_seen_from_outside.clear()
    assert client.post(detail + "apply/").status_code == 302
    wait_for_the_outcome(client, detail)

    stored = PricebookImport.objects.for_shop(personas.shop).get()
    assert stored.status == ImportStatus.APPLIED
    assert stored.result["counts"]["add"] == rows
    assert "The pricebook is updated" in client.get(detail).content.decode()
    assert PricebookEntry.objects.for_shop(personas.shop).count() > 15
    steps = [seen["step"] for seen in progress_seen_from_outside]
    assert "Reading rows" in steps or "Comparing with your pricebook" in steps
    assert "Writing options" in steps  # seen from outside while the transaction was open
    percents = [seen["percent"] for seen in progress_seen_from_outside]
    assert percents == sorted(percents)
