"""A customer's works orders, kept for the shop's records but stripped of what identifies them
(privacy.services.customer_erase): passcodes, signatures, photos, and their identifiers in the
jobs' free text, timeline and approvals. Prices, lines, statuses and times stay as they were."""

from __future__ import annotations

from django.db.models import F, Func, JSONField

from customers.erasure import ERASED_NAME
from shops.redaction import redacted, redacted_json
from tickets.models import Approval, Consent, Photo, QuoteLine, TimelineEntry, WorksOrder
from tickets.services import timeline_open_for_erasure

FREE_TEXT = [
    "fault_reported",
    "condition_notes",
    "diagnosis",
    "diagnostic_codes",
    "scope_agreed",
    "scope_excluded",
    "cancel_reason",
    "accessories_other",
]


def works_orders_erase(*, shop_id: int, customer_id: int, pattern: str | None) -> dict[str, int]:
    """Run inside the erasure's transaction (its setting lets the consents be changed)."""
    jobs = WorksOrder.objects.for_shop(shop_id).filter(customer_id=customer_id)
    job_ids = list(jobs.values_list("pk", flat=True))
    counts = {"works_orders": len(job_ids)}
    changes = {
        "passcode_secret": None,
        "collected_by_name": "",
        "collection_signature_png": None,
    }
    if pattern:
        changes |= {field: redacted(field, pattern) for field in FREE_TEXT}
    counts["passcodes"] = jobs.filter(passcode_secret__isnull=False).count()
    jobs.update(**changes)

    consents = Consent.objects.for_shop(shop_id).filter(works_order_id__in=job_ids)
    counts["signatures"] = consents.filter(signature_png__isnull=False).count()
    consents.update(signed_name=ERASED_NAME, signature_png=None)

    # One by one, so each gives its storage back and its file goes once this commits.
    photos = Photo.objects.for_shop(shop_id).filter(works_order_id__in=job_ids)
    counts["photos"] = 0
    for photo in photos:
        photo.delete()
        counts["photos"] += 1

    approvals = Approval.objects.for_shop(shop_id).filter(works_order_id__in=job_ids)
    # Where and on what the customer answered (address, browser) goes; what was agreed stays.
    without_device = Func(
        F("evidence"),
        template="(%(expressions)s - 'ip' - 'user_agent')",
        output_field=JSONField(),
    )
    if pattern:
        approvals.update(evidence=without_device, reason=redacted("reason", pattern))
        QuoteLine.objects.for_shop(shop_id).filter(works_order_id__in=job_ids).update(
            description=redacted("description", pattern), note=redacted("note", pattern)
        )
        timeline_open_for_erasure()  # the timeline is append-only but for this transaction
        counts["timeline_entries"] = (
            TimelineEntry.objects.for_shop(shop_id)
            .filter(works_order_id__in=job_ids)
            .update(text=redacted("text", pattern), data=redacted_json("data", pattern))
        )
    else:
        approvals.update(evidence=without_device)
    return counts
