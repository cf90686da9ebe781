"""Loaners' reads: the branch's loaners with where each is, and a job's loans."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from loaners.models import Loan, Loaner
from shops.models import Shop
from tickets.models import WorksOrder


def loans_out(shop: Shop, *, branch_id: int | None = None) -> QuerySet[Loan]:
    """Loaners out now, who has each and since when, the longest overdue first."""
    loans = (
        Loan.objects.for_shop(shop)
        .filter(returned_at__isnull=True)
        .select_related(
            "loaner__branch", "works_order__customer", "lent_by__user", "deposit", "waived_by__user"
        )
        .order_by("due_back", "lent_at", "id")
    )
    if branch_id is not None:
        loans = loans.filter(loaner__branch_id=branch_id)
    return loans


def loaners_of(shop: Shop, *, branch_id: int | None = None) -> QuerySet[Loaner]:
    """Every loaner, each with its loan out (if any) as `out` (a list of at most one)."""
    loaners = (
        Loaner.objects.for_shop(shop)
        .select_related("branch")
        .prefetch_related(
            Prefetch(
                "loans",
                queryset=Loan.objects.for_shop(shop)
                .filter(returned_at__isnull=True)
                .select_related("works_order"),
                to_attr="out",
            )
        )
        .order_by("-is_active", "branch__name", "name", "serial")
    )
    if branch_id is not None:
        loaners = loaners.filter(branch_id=branch_id)
    return loaners


def loans_of(works_order: WorksOrder) -> list[Loan]:
    return list(
        Loan.objects.for_shop(works_order.shop_id)
        .filter(works_order_id=works_order.pk)
        .select_related(
            "loaner", "lent_by__user", "returned_by__user", "waived_by__user", "deposit"
        )
        .prefetch_related("deposit__refunds")
        .order_by("-lent_at", "-id")
    )


def available_loaners(works_order: WorksOrder) -> QuerySet[Loaner]:
    """Loaners of the job's branch that are in use and in the shop now."""
    out = Loan.objects.for_shop(works_order.shop_id).filter(
        loaner_id=OuterRef("pk"), returned_at__isnull=True
    )
    return (
        Loaner.objects.for_shop(works_order.shop_id)
        .filter(branch_id=works_order.branch_id, is_active=True)
        .exclude(Exists(out))
        .order_by("name", "serial")
    )
