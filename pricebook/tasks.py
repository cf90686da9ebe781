"""Celery tasks for the pricebook: thin, by id, safe to run twice (pricebook.importer decides)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

import tenancy
from audit.context import SYSTEM, acting
from pricebook import importer
from pricebook.models import PricebookImport

# Only the database going away is worth retrying; anything else is recorded on the import.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def pricebook_import_preview(shop_id: int, import_id: int) -> None:
    """Read an uploaded pricebook file and store its preview; the pricebook is not touched."""
    with tenancy.for_shop(shop_id):
        importer.import_preview(shop_id=shop_id, import_id=import_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def pricebook_import_apply(shop_id: int, import_id: int) -> None:
    """Apply a previewed, claimed import in one transaction, all or nothing. The prices it
    changes are recorded in the audit trail as changed by the manager who applied it."""
    with tenancy.for_shop(shop_id):
        applied = (
            PricebookImport.objects.for_shop(shop_id)
            .filter(pk=import_id)
            .select_related("applied_by__user")
            .first()
        )
        by = applied.applied_by if applied is not None else None
        with acting(member=by, name="" if by else SYSTEM, source="task pricebook_import_apply"):
            importer.import_apply(shop_id=shop_id, import_id=import_id)
