"""Billing's worker tasks: thin, by id, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from billing import documents


@shared_task
def documents_prepare(document_id: int) -> int:
    """Render and store an issued document's PDFs, then email the customer (once per version)."""
    return documents.documents_prepare(document_id)
