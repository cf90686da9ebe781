"""Celery tasks for the pricebook: thin, by id, safe to run twice (pricebook.importer decides)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from pricebook import importer

# Only the database going away is worth retrying; anything else is recorded on the import.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def pricebook_import_preview(shop_id: int, import_id: int) -> None:
    """Read an uploaded pricebook file and store its preview; the pricebook is not touched."""
    importer.import_preview(shop_id=shop_id, import_id=import_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def pricebook_import_apply(shop_id: int, import_id: int) -> None:
    """Apply a previewed, claimed import in one transaction, all or nothing."""
    importer.import_apply(shop_id=shop_id, import_id=import_id)
