"""Billing's worker tasks: thin, by id, safe to run twice."""

from __future__ import annotations

from celery import shared_task

import tenancy
from billing import documents


@shared_task
def documents_prepare(document_id: int) -> int:
    """Render and store an issued document's PDFs, then email the customer (once per version)."""
    with tenancy.all_shops():  # the task has only the id; the row names its shop
        return documents.documents_prepare(document_id)
