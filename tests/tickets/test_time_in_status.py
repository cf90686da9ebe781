"""Each lifecycle step keeps the status the job left and how long it was there, which is what the
manager's time-in-status figures read (reports.selectors)."""

import datetime
import importlib

import pytest
from django.db import connection
from django.utils import timezone

from tests.tickets.test_lifecycle import advance, all_pass, at_qc, book
from tickets.models import TimelineEntry, WorksOrder

H = datetime.timedelta(hours=1)
migration = importlib.import_module("tickets.migrations.0020_time_in_previous_status")


def steps(works_order) -> list[tuple[str, str, datetime.timedelta]]:
    return [
        (e.data["step"], e.from_status, e.time_in_from_status)
        for e in TimelineEntry.objects.for_shop(works_order.shop_id)
        .filter(works_order=works_order, from_status__gt="")
        .order_by("at", "id")
    ]


def test_a_step_records_how_long_the_job_waited_in_the_status_it_left(personas):
    works_order = book(personas)
    three_hours_ago = timezone.now() - 3 * H
    WorksOrder.objects.for_shop(works_order.shop_id).filter(pk=works_order.pk).update(
        status_since=three_hours_ago
    )
    works_order.refresh_from_db()

    advance(works_order, "assign", personas.front_desk, technician=personas.technician)

    [(step, left, stayed)] = steps(works_order)
    assert (step, left) == ("assign", "intake")
    assert stayed == pytest.approx(3 * H, abs=datetime.timedelta(seconds=30))
    works_order.refresh_from_db()
    assigned = TimelineEntry.objects.for_shop(works_order.shop_id).get(
        works_order=works_order, data__step="assign"
    )
    assert works_order.status_since == assigned.at  # the clock of the next stay starts here


def test_notes_and_reassignments_are_no_stays(personas):
    works_order = book(personas)
    advance(works_order, "assign", personas.front_desk, technician=personas.technician)
    notes = (
        TimelineEntry.objects.for_shop(works_order.shop_id)
        .filter(works_order=works_order)
        .exclude(data__has_key="step")
    )
    assert notes.exists()
    assert set(notes.values_list("from_status", flat=True)) == {""}


@pytest.mark.owner_login  # alters a table
def test_the_migration_fills_in_recorded_steps_as_the_lifecycle_records_them(personas):
    works_order = at_qc(personas)
    advance(works_order, "pass_qc", personas.second_technician, results=all_pass(personas.shop))
    recorded = steps(works_order)
    works_order.refresh_from_db()
    since = works_order.status_since
    assert [left for _, left, _ in recorded] == [
        "intake",
        "assigned",
        "in_progress",
        "quality_control",
    ]

    WorksOrder.objects.for_shop(works_order.shop_id).filter(pk=works_order.pk).update(
        status_since=works_order.created_at
    )
    with connection.cursor() as cursor:
        # The timeline as it was when 0020 ran: not yet sealed (0022) and without the stays.
        # DDL is transactional: the seal is back when the test's transaction rolls back.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: ALTER may run
        cursor.execute(
            "ALTER TABLE tickets_timelineentry DISABLE TRIGGER tickets_timelineentry_sealed"
        )
        cursor.execute(
            "UPDATE tickets_timelineentry SET from_status = '', time_in_from_status = NULL "
            "WHERE works_order_id = %s",
            [works_order.pk],
        )
        cursor.execute(migration.FILL_STEPS)
        cursor.execute(migration.FILL_WORKS_ORDERS)

    filled = steps(works_order)
    assert [s[:2] for s in filled] == [s[:2] for s in recorded]
    for (_, _, then), (_, _, now) in zip(recorded, filled, strict=True):
        # Booking's entry and the job's creation are stamped a moment apart.
        assert now == pytest.approx(then, abs=datetime.timedelta(seconds=1))
    works_order.refresh_from_db()
    assert works_order.status_since == since
