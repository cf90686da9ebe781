"""Loaners' answer to tickets' collection_check: a job does not leave with its loaner out."""

from __future__ import annotations

from django.dispatch import receiver

from loaners.models import Loan
from tickets.signals import collection_check


@receiver(collection_check, dispatch_uid="loaners.collection_check")
def loaner_back_or_waived(sender, *, works_order, **kwargs) -> str | None:
    out = (
        Loan.objects.for_shop(works_order.shop_id)
        .filter(works_order_id=works_order.pk, returned_at__isnull=True, waived_at__isnull=True)
        .select_related("loaner")
        .first()
    )
    if out is None:
        return None
    return (
        f"Take back the loaner {out.loaner.name} (S/N {out.loaner.serial}) first, "
        "or a manager lets the job go with it still out."
    )
