"""SLA promises on works orders: set at booking in, moved by a new priority, stopped while the
customer decides or parts are awaited, stopped for good once ready."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from shops.models import ClosedDate
from shops.services import DEFAULT_HOURS, branch_set_hours, holiday_opening_set
from tests.factories import WorksOrderFactory
from tests.tickets.sla_helpers import sla_next_at
from tickets.forms import WorksOrderForm
from tickets.lifecycle import works_order_advance
from tickets.models import Event, Priority, SlaTarget, SlaUnit, Status
from tickets.services import ConsentData, works_order_plan_update
from tickets.sla import sla_clock_save, sla_step

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.fixture
def open_branch(personas):
    """Birmingham, open Mon–Fri 9–17:30 and Saturday 10–16, with England's bank holidays."""
    branch_set_hours(branch=personas.branch, hours=DEFAULT_HOURS)
    return personas.branch


def book(personas, **details):
    return WorksOrderFactory(branch=personas.branch, by=personas.front_desk, **details)


def test_booking_in_sets_the_promise_from_the_priority(personas, open_branch):
    standard = book(personas, created_at=at("2026-11-30 14:00"))  # a Monday
    assert standard.sla_due_at == at("2026-12-05 14:00")  # 5 open days, Saturday being one
    vip = book(personas, priority=Priority.VIP, created_at=at("2026-12-04 16:30"))
    assert vip.sla_due_at == at("2026-12-05 13:00")  # 1 h on Friday, 3 h on Saturday
    assert vip.sla_risk_at == at("2026-12-05 12:00")  # 75 % of 4 hours
    assert sla_next_at(vip) == vip.sla_risk_at and vip.sla_paused_at is None
    urgent = book(personas, priority=Priority.URGENT, created_at=at("2026-12-24 11:00"))
    assert urgent.sla_due_at == at("2026-12-29 17:30")  # Christmas, Boxing Day (observed), Sunday


def test_the_shops_own_target_and_risk_share_are_used(personas, open_branch):
    SlaTarget.objects.create(
        shop=personas.shop, priority=Priority.STANDARD, unit=SlaUnit.BUSINESS_HOURS, amount=10
    )
    personas.shop.sla_risk_percent = 50
    personas.shop.save()
    job = book(personas, created_at=at("2026-11-30 09:00"))
    assert job.sla_due_at == at("2026-12-01 10:30")  # 8.5 h on Monday, 1.5 h on Tuesday
    assert job.sla_risk_at == at("2026-11-30 14:00")


def test_a_closed_date_moves_the_promise(personas, open_branch):
    ClosedDate.objects.create(
        shop=personas.shop, branch=open_branch, date=datetime.date(2026, 12, 1)
    )
    job = book(personas, priority=Priority.VIP, created_at=at("2026-11-30 16:30"))
    assert job.sla_due_at == at("2026-12-02 12:00")


def test_the_timeline_says_the_promise_and_flags_a_later_one_typed_at_the_counter(
    personas, open_branch
):
    later = timezone.now() + datetime.timedelta(days=30)
    job = book(personas, priority=Priority.VIP, estimated_completion=later)
    booked = job.timeline.get(event=Event.BOOKED_IN).text
    assert "SLA: ready by" in booked and "(4 business hours)" in booked
    assert "Promised later than the SLA target" in booked


def test_a_warranty_job_is_due_when_typed_and_must_have_that_time(personas, open_branch):
    due = at("2026-12-10 12:00")
    job = book(
        personas,
        priority=Priority.WARRANTY,
        created_at=at("2026-12-07 09:00"),
        estimated_completion=due,
    )
    assert job.sla_due_at == due
    assert at("2026-12-07 09:00") < job.sla_risk_at < due
    form = WorksOrderForm(
        {
            "job-branch": open_branch.pk,
            "job-priority": "warranty",
            "job-fault_reported": "No power",
            "job-passcode_kind": "none",
        },
        member=personas.front_desk,
        prefix="job",
    )
    assert not form.is_valid()
    assert "manufacturer" in form.errors["estimated_completion"][0]


def test_a_new_priority_gives_a_new_promise_on_the_timeline(personas, open_branch):
    job = book(personas, created_at=at("2026-11-30 14:00"))
    works_order_plan_update(
        works_order=job,
        priority=Priority.VIP,
        estimated_completion=None,
        estimated_minutes=None,
        by=personas.manager,
    )
    job.refresh_from_db()
    assert job.sla_due_at == at("2026-12-01 09:30")  # 3.5 h on Monday, 0.5 h on Tuesday
    assert sla_next_at(job) == job.sla_risk_at
    text = job.timeline.filter(event=Event.DETAILS).first().text
    assert "Priority: Standard → VIP" in text and "SLA due:" in text and "4 business hours" in text


def test_waiting_for_approval_stops_the_clock_and_resuming_moves_the_promise_on(
    personas, open_branch
):
    job = book(personas, priority=Priority.VIP, created_at=at("2026-11-30 09:00"))
    due, risk = job.sla_due_at, job.sla_risk_at
    assert due == at("2026-11-30 13:00")
    sla_step(job, Status.AWAITING_APPROVAL, now=at("2026-11-30 10:00"))
    sla_clock_save(job)
    assert job.sla_paused_at == at("2026-11-30 10:00") and sla_next_at(job) is None
    # The customer answers the next morning: 7.5 open hours later.
    sla_step(job, Status.IN_PROGRESS, now=at("2026-12-01 09:00"))
    sla_clock_save(job)
    assert job.sla_paused_at is None
    assert job.sla_paused_seconds == int(7.5 * 3600)
    assert job.sla_due_at == at("2026-12-01 12:00")  # three hours still to go
    assert job.sla_risk_at == at("2026-12-01 11:00")
    assert sla_next_at(job) == job.sla_risk_at
    assert (due, risk) != (job.sla_due_at, job.sla_risk_at)


def test_a_new_priority_after_a_pause_keeps_the_time_paused(personas, open_branch):
    job = book(personas, priority=Priority.VIP, created_at=at("2026-11-30 09:00"))
    sla_step(job, Status.AWAITING_APPROVAL, now=at("2026-11-30 10:00"))
    sla_step(job, Status.IN_PROGRESS, now=at("2026-11-30 12:00"))  # two hours paused
    job.save()
    works_order_plan_update(
        works_order=job,
        priority=Priority.STANDARD,
        estimated_completion=None,
        estimated_minutes=None,
        by=personas.manager,
    )
    job.refresh_from_db()
    # Five whole days from Monday 9:00 end Friday 17:30; two paused hours more: Saturday noon.
    assert job.sla_due_at == at("2026-12-05 12:00")


def test_waiting_for_parts_counts_unless_the_shop_says_otherwise(personas, open_branch):
    job = book(personas, priority=Priority.VIP)
    sla_step(job, Status.AWAITING_PARTS)
    assert job.sla_paused_at is None
    personas.shop.sla_parts_clock = False
    personas.shop.save()
    job = book(personas, priority=Priority.VIP)
    sla_step(job, Status.AWAITING_PARTS)
    assert job.sla_paused_at is not None


def test_the_lifecycle_stops_the_clock_when_the_job_waits_and_for_good_when_ready(
    personas, open_branch
):
    consent = ConsentData(method="on_behalf", signed_name="Dee Whitfield")
    job = book(personas, priority=Priority.VIP, consent=consent)
    jack = personas.technician
    works_order_advance(works_order=job, step="assign", by=personas.front_desk, technician=jack)
    works_order_advance(works_order=job, step="start", by=jack)
    works_order_advance(works_order=job, step="ask_for_approval", by=jack, reason="Board damage")
    job.refresh_from_db()
    assert job.sla_paused_at is not None
    works_order_advance(works_order=job, step="resume", by=jack)
    job.refresh_from_db()
    assert job.sla_paused_at is None and sla_next_at(job) is not None
    works_order_advance(works_order=job, step="submit_for_qc", by=jack, amount=Decimal("120.00"))
    checks = {item: {"ok": True, "note": ""} for item in personas.shop.qc_checklist}
    works_order_advance(
        works_order=job, step="pass_qc", by=personas.second_technician, results=checks
    )
    job.refresh_from_db()
    assert job.status == Status.READY
    assert job.sla_paused_at is not None and sla_next_at(job) is None


def test_a_holiday_the_branch_opens_on_shortens_the_promise(personas, open_branch):
    christmas_eve = at("2026-12-24 11:00")
    holiday_opening_set(branch=open_branch, day=datetime.date(2026, 12, 28), name="", is_open=True)
    urgent = book(personas, priority=Priority.URGENT, created_at=christmas_eve)
    assert urgent.sla_due_at == at("2026-12-28 17:30")  # open on Boxing Day (observed)


def test_a_branch_with_no_opening_hours_makes_no_promise(personas):
    job = book(personas, priority=Priority.VIP)
    assert (job.sla_due_at, job.sla_risk_at, sla_next_at(job)) == (None, None, None)


def test_resuming_at_a_branch_whose_hours_were_all_removed_keeps_the_promise(personas, open_branch):
    job = book(personas, priority=Priority.VIP, created_at=at("2026-11-30 09:00"))
    due = job.sla_due_at
    sla_step(job, Status.AWAITING_APPROVAL, now=at("2026-11-30 10:00"))
    job.save()
    branch_set_hours(branch=open_branch, hours={})  # closed every day from now on
    sla_step(job, Status.IN_PROGRESS, now=at("2026-12-01 09:00"))
    assert job.sla_paused_at is None and job.sla_due_at == due


def test_the_targets_and_calendar_read_at_once_are_the_ones_read_apart(
    personas, open_branch, django_assert_num_queries
):
    from tickets.sla import calendar_for, targets_and_calendar, targets_for

    SlaTarget.objects.create(
        shop=personas.shop, priority=Priority.URGENT, unit=SlaUnit.BUSINESS_HOURS, amount=6
    )
    ClosedDate.objects.create(
        shop=personas.shop, branch=open_branch, date=datetime.date(2026, 12, 29), reason="Stock"
    )
    holiday_opening_set(
        branch=open_branch, day=datetime.date(2026, 12, 28), name="Boxing Day", is_open=True
    )
    ClosedDate.objects.create(  # another branch's: not this one's
        shop=personas.shop, branch=personas.other_branch, date=datetime.date(2026, 12, 30)
    )
    with django_assert_num_queries(1):
        targets, calendar = targets_and_calendar(open_branch)
    assert targets == targets_for(personas.shop)
    assert targets[Priority.URGENT] == (SlaUnit.BUSINESS_HOURS, 6)
    assert calendar == calendar_for(open_branch)
    assert calendar.closed == {datetime.date(2026, 12, 29)}
    assert calendar.opened == {datetime.date(2026, 12, 28)}
