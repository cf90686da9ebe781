"""A customer's erasure reaching the trail: identifiers typed into recorded text (a payment's
reference, a quote line's note) are replaced in the entries' before/after, nothing else of them
changes (the seal allows only that, only inside the erasure's transaction; audit 0003)."""

from __future__ import annotations

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from audit.models import Change
from shops.redaction import redacted_json


def audit_erase(*, shop_id: int, pattern: str | None) -> dict[str, int]:
    if not pattern:
        return {"audit_entries": 0}
    matching = (
        Change.objects.for_shop(shop_id)
        .alias(before_text=Cast("before", TextField()), after_text=Cast("after", TextField()))
        .filter(Q(before_text__iregex=pattern) | Q(after_text__iregex=pattern))
    )
    changed = matching.update(
        before=redacted_json("before", pattern), after=redacted_json("after", pattern)
    )
    return {"audit_entries": changed}
