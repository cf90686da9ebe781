"""A works order's SLA status — on track, at risk, breached — read from its stored times.

The status is never stored and never worked out row by row in Python: it is a comparison of
`sla_risk_at` and `sla_due_at` with the clock, in SQL, so a list of 300 cards or the SLA view
of a whole shop costs no more than the query that fetches them. While the clock is stopped the
job is judged at the moment it stopped (`sla_paused_at`), so a paused job keeps its colour.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone


class SlaStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"


# Worse first: what "sort by SLA" puts at the top.
SEVERITY = {SlaStatus.BREACHED: 0, SlaStatus.AT_RISK: 1, SlaStatus.ON_TRACK: 2, "": 3}


def sla_status(now: datetime.datetime | None = None) -> Case:
    """An annotation: the status as text ("" for a job with no SLA due time)."""
    clock = Coalesce(F("sla_paused_at"), Value(now or timezone.now()))
    return Case(
        When(sla_due_at__isnull=True, then=Value("")),
        When(sla_due_at__lte=clock, then=Value(SlaStatus.BREACHED.value)),
        When(sla_risk_at__lte=clock, then=Value(SlaStatus.AT_RISK.value)),
        default=Value(SlaStatus.ON_TRACK.value),
        output_field=models.CharField(),
    )


def sla_status_filter(status: str, now: datetime.datetime | None = None) -> Q:
    """The jobs in one SLA status, as a filter the database can answer from the stored times."""
    clock = Coalesce(F("sla_paused_at"), Value(now or timezone.now()))
    if status == SlaStatus.BREACHED:
        return Q(sla_due_at__lte=clock)
    if status == SlaStatus.AT_RISK:
        return Q(sla_risk_at__lte=clock, sla_due_at__gt=clock)
    if status == SlaStatus.ON_TRACK:
        return Q(sla_risk_at__gt=clock)
    raise ValueError(f"not an SLA status: {status!r}")


def sla_status_sql(now: str) -> str:
    """The same comparison for hand-written SQL over works orders aliased `w`; `now` is the SQL
    of the moment compared with (a placeholder, or a column)."""
    return f"""CASE
    WHEN w.sla_due_at IS NULL THEN ''
    WHEN w.sla_due_at <= COALESCE(w.sla_paused_at, {now}) THEN 'breached'
    WHEN w.sla_risk_at <= COALESCE(w.sla_paused_at, {now}) THEN 'at_risk'
    ELSE 'on_track' END"""


# With the moment as the parameter `now` (the board).
SLA_STATUS_SQL = sla_status_sql("%(now)s")
