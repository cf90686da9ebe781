from __future__ import annotations

from celery import shared_task

import tenancy
from privacy.retention import retention_sweep as sweep


@shared_task(ignore_result=True)
def retention_sweep() -> dict[str, int]:
    """Nightly: remove photos and customer messages past each shop's retention period."""
    with tenancy.all_shops():
        swept = sweep()
    return {"photos": swept.photos, "messages": swept.messages}
