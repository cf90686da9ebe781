"""Moving a job to another branch: one record that travels, parts moved once, the technician
and SLA following the new branch, the customer told where to collect."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from notifications.models import Message
from parts import services as parts
from parts.models import MovementKind, PartStatus, StockMovement
from parts.selectors import stock_figures
from shops.services import branch_set_hours
from tests.factories import PartFactory, WorksOrderFactory
from tickets.board import board_cards
from tickets.lifecycle import works_order_advance
from tickets.models import BranchTransfer, Event, Status, TimeEntry, TimelineEntry, WorksOrder
from tickets.services import ConsentData, LineData, photos_add, timer_start
from tickets.transfers import works_order_receive, works_order_transfer

pytestmark = pytest.mark.django_db
WEEKDAYS_9_TO_5 = {day: (datetime.time(9), datetime.time(17)) for day in range(5)}
LATE_SHIFT = {day: (datetime.time(13), datetime.time(21)) for day in range(7)}


@pytest.fixture
def screen(personas):
    return PartFactory(shop=personas.shop, name="iPad screen", part_number="IPAD-SCR")


@pytest.fixture
def job(personas, screen):
    branch_set_hours(branch=personas.branch, hours=WEEKDAYS_9_TO_5)
    branch_set_hours(branch=personas.other_branch, hours=LATE_SHIFT)
    job = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        lines=[LineData(description="Screen", unit_price="120.00", kind="part")],
        consent=ConsentData(method="on_behalf", signed_name="Dee Customer"),
    )
    parts.stock_receive(part=screen, branch=personas.branch, quantity=2, by=personas.manager)
    parts.stock_receive(part=screen, branch=personas.other_branch, quantity=1, by=personas.manager)
    parts.works_order_part_add(works_order=job, part=screen, quantity=1, by=personas.technician)
    parts.works_order_reserve_parts(works_order=job, by=personas.technician)
    works_order_advance(
        works_order=job, step="assign", by=personas.front_desk, technician=personas.technician
    )
    return job


def move(job, personas, to=None, by=None, seen=None):
    return works_order_transfer(
        works_order=job,
        to_branch=to or personas.other_branch,
        from_branch_id=seen or personas.branch.pk,
        reason="Board-level repair at the specialist bench",
        by=by or personas.front_desk,
    )


def test_the_record_travels_whole_and_keeps_its_number(personas, job):
    from tests.tickets.conftest import camera_jpeg

    photos_add(works_order=job, images=[camera_jpeg(200, 100)], by=personas.front_desk)
    number, entries = job.number, job.timeline.count()
    move(job, personas)
    job = WorksOrder.objects.for_shop(personas.shop).get(pk=job.pk)
    assert job.number == number and job.branch == personas.other_branch
    assert job.photos.count() == 1 and job.consent.signed_name == "Dee Customer"
    assert job.lines.count() == 1
    assert job.timeline.count() > entries  # the old entries stay and the move adds its own
    moved = job.timeline.get(event=Event.TRANSFER)
    assert moved.text.startswith("Moved from Birmingham to Coventry: Board-level repair")
    transfer = BranchTransfer.objects.for_shop(personas.shop).get()
    assert transfer.in_transit and transfer.from_branch == personas.branch


def test_reserved_parts_are_released_at_the_old_branch_and_reserved_at_the_new(
    personas, job, screen
):
    move(job, personas)
    assert stock_figures(screen, personas.branch).reserved == 0
    assert stock_figures(screen, personas.other_branch).reserved == 1
    assert job.part_lines.get().status == PartStatus.RESERVED
    text = job.timeline.get(event=Event.TRANSFER).text
    assert "released at Birmingham, reserved at Coventry" in text


def test_a_part_the_new_branch_lacks_is_left_to_order(personas, job, screen):
    coventry_job = WorksOrderFactory(branch=personas.other_branch, by=personas.front_desk)
    parts.works_order_part_add(
        works_order=coventry_job, part=screen, quantity=1, by=personas.manager
    )
    parts.works_order_reserve_parts(works_order=coventry_job, by=personas.manager)
    assert stock_figures(screen, personas.other_branch).available == 0
    move(job, personas)
    assert stock_figures(screen, personas.branch).reserved == 0
    assert job.part_lines.get().status == PartStatus.NEEDED
    assert "not in stock at Coventry, to order" in job.timeline.get(event=Event.TRANSFER).text


def test_the_same_move_sent_twice_moves_the_parts_once(personas, job, screen):
    move(job, personas)
    stale = WorksOrder.objects.for_shop(personas.shop).get(pk=job.pk)
    with pytest.raises(ValidationError, match="already been moved to Coventry"):
        move(stale, personas)
    movements = StockMovement.objects.for_shop(personas.shop).filter(works_order=job)
    assert movements.filter(kind=MovementKind.RELEASED).count() == 1
    assert movements.filter(kind=MovementKind.RESERVED, branch=personas.other_branch).count() == 1
    assert BranchTransfer.objects.for_shop(personas.shop).count() == 1


def test_a_technician_who_does_not_work_there_is_unassigned(personas, job):
    assert job.assigned_to == personas.technician  # Jack works at Birmingham only
    move(job, personas)
    job.refresh_from_db()
    assert job.assigned_to is None
    assert "Jack Morgan does not work at Coventry" in job.timeline.get(event=Event.TRANSFER).text


def test_a_running_timer_stops_when_the_job_leaves_the_bench(personas, job):
    works_order_advance(works_order=job, step="start", by=personas.technician)
    timer_start(works_order=job, by=personas.technician)
    TimeEntry.objects.for_shop(personas.shop).filter(works_order=job).update(
        started_at=timezone.now() - datetime.timedelta(minutes=25)
    )
    move(job, personas)
    [entry] = TimeEntry.objects.for_shop(personas.shop).filter(works_order=job)
    assert entry.ended_at is not None and entry.minutes == 25
    said = job.timeline.get(event=Event.TRANSFER).text
    assert "Jack Morgan's timer stopped at 25 min" in said


def test_a_technician_of_both_branches_keeps_the_job(personas, job):
    WorksOrder.objects.for_shop(personas.shop).filter(pk=job.pk).update(
        assigned_to=personas.second_technician
    )
    job.refresh_from_db()
    move(job, personas)
    job.refresh_from_db()
    assert job.assigned_to == personas.second_technician


def test_the_sla_is_counted_again_in_the_new_branchs_hours(personas, job):
    before = job.sla_due_at
    move(job, personas)
    job.refresh_from_db()
    assert job.sla_due_at != before
    assert job.sla_due_at.astimezone(personas.other_branch.tz).hour in range(13, 22)
    assert "SLA due:" in job.timeline.get(event=Event.TRANSFER).text
    assert job.sla_clock.branch_id == personas.other_branch.pk


def test_the_customer_is_told_where_to_collect(personas, job):
    move(job, personas)
    told = TimelineEntry.objects.for_shop(personas.shop).get(
        works_order=job, event=Event.NOTE, note_kind="customer"
    )
    assert "collect it from" in told.text and "Opening hours: Monday 13:00–21:00" in told.text
    message = Message.objects.for_shop(personas.shop).filter(works_order=job, stage="update")
    assert message.exists()
    assert "Coventry" in message.first().body


def test_the_board_shows_it_at_the_new_branch_with_where_it_came_from(personas, job):
    move(job, personas)
    assert [c["number"] for c in board_cards(personas.shop, branch=personas.branch)] == []
    (card,) = board_cards(personas.shop, branch=personas.other_branch)
    assert card["moved_from"] == "Birmingham" and card["in_transit"]
    works_order_receive(works_order=job, by=personas.manager)
    (card,) = board_cards(personas.shop, branch=personas.other_branch)
    assert not card["in_transit"]


def test_receiving_is_recorded_once(personas, job):
    move(job, personas)
    works_order_receive(works_order=job, by=personas.manager)
    with pytest.raises(ValidationError, match="not on its way"):
        works_order_receive(works_order=job, by=personas.manager)
    assert job.timeline.filter(event=Event.TRANSFER, text="Received at Coventry").count() == 1


def test_a_job_in_transit_is_received_before_it_moves_again(personas, job):
    move(job, personas)
    with pytest.raises(ValidationError, match="still on its way to Coventry"):
        move(job, personas, to=personas.branch, seen=personas.other_branch.pk)


def test_collected_and_cancelled_jobs_do_not_move(personas, job):
    works_order_advance(works_order=job, step="cancel", by=personas.front_desk, reason="Declined")
    with pytest.raises(ValidationError, match="cancelled: it no longer moves"):
        move(job, personas)


def test_technicians_move_jobs_only_where_the_shop_allows(personas, job):
    with pytest.raises(PermissionDenied):
        move(job, personas, by=personas.technician)
    personas.shop.technicians_move_branches = True
    personas.shop.save(update_fields=["technicians_move_branches"])
    personas.technician.shop.refresh_from_db()
    move(job, personas, by=personas.technician)


def test_another_shops_branch_is_refused(personas, job):
    elsewhere = personas.outsider.branches.get()
    with pytest.raises(ValidationError, match="this shop's branches"):
        move(job, personas, to=elsewhere)


# The page ------------------------------------------------------------------------------------


def test_the_page_offers_the_move_and_moves_it(personas, job, client_as):
    client = client_as(personas.front_desk)
    url = reverse("works_order_detail", args=[job.number])
    page = client.get(f"{url}?panel=transfer")
    assert b"Move to another branch" in page.content and b"Why is it moving?" in page.content
    response = client.post(
        reverse("works_order_move_branch", args=[job.number]),
        {
            "transfer-to_branch": personas.other_branch.pk,
            "transfer-reason": "Specialist",
            "transfer-seen_branch": personas.branch.pk,
        },
        follow=True,
    )
    assert b"moved to Coventry" in response.content
    assert b"Moved from Birmingham to Coventry" in response.content
    assert b"In transit to Coventry" in response.content


@pytest.mark.parametrize(
    "data, said",
    [
        ({"transfer-to_branch": "", "transfer-reason": "x"}, b"This field is required"),
        ({"transfer-to_branch": "99999999999999999999"}, b"other open branches"),
        ({"transfer-to_branch": "1\x00", "transfer-reason": "x"}, b"Null characters"),
        ({"transfer-reason": "x" * 600}, b"at most 500 characters"),
        ({"transfer-seen_branch": "abc"}, b"This form is damaged"),
    ],
)
def test_bad_input_gets_a_message(personas, job, client_as, data, said):
    client = client_as(personas.front_desk)
    form = {
        "transfer-to_branch": personas.other_branch.pk,
        "transfer-reason": "Specialist",
        "transfer-seen_branch": personas.branch.pk,
        **data,
    }
    response = client.post(reverse("works_order_move_branch", args=[job.number]), form)
    assert response.status_code == 400
    assert said in response.content
    job.refresh_from_db()
    assert job.branch == personas.branch


def test_a_technician_is_refused_and_an_outsider_finds_nothing(personas, job, client_as):
    url = reverse("works_order_move_branch", args=[job.number])
    form = {
        "transfer-to_branch": personas.other_branch.pk,
        "transfer-reason": "x",
        "transfer-seen_branch": personas.branch.pk,
    }
    assert client_as(personas.technician).post(url, form).status_code == 403
    assert client_as(personas.outsider).post(url, form).status_code == 404
    job.refresh_from_db()
    assert job.branch == personas.branch
    assert job.status == Status.ASSIGNED


def test_reports_count_it_under_the_new_branch(personas, job, django_capture_on_commit_callbacks):
    from unittest import mock

    from django.utils import timezone

    from reports.models import DailyBranch
    from reports.rollups import rollup_catch_up, rollup_job_days

    rollup_catch_up(today=timezone.localdate() + datetime.timedelta(days=1))
    rows = DailyBranch.objects.for_shop(personas.shop)
    assert rows.get(branch=personas.branch).booked_in == 1
    with (
        mock.patch(
            "reports.tasks.rollup_job_days.delay",
            lambda shop_id, days: rollup_job_days(
                shop_id=shop_id, days=[datetime.date.fromisoformat(d) for d in days]
            ),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        move(job, personas)
    assert rows.get(branch=personas.other_branch).booked_in == 1
    assert not rows.filter(branch=personas.branch, booked_in__gt=0).exists()
