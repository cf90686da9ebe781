"""Recurring visits: each raised once as its own works order, ahead of time, however often the
beat runs; missed visits caught up once each; paused and ended schedules raise nothing."""

import datetime

import pytest
from django.urls import reverse

from recurring.models import Schedule, ScheduleState, Visit
from recurring.services import schedule_set_state, visits_raise
from shops.services import branch_set_hours
from tests.recurring.conftest import MONDAY
from tickets import sla
from tickets.models import Event, Priority, Status, WorksOrder

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def jobs(personas):
    return WorksOrder.objects.for_shop(personas.shop).order_by("id")


def test_a_visit_is_raised_lead_days_ahead_as_its_own_works_order(personas, make_schedule):
    schedule = make_schedule()
    assert visits_raise(today=MONDAY - 4 * DAY).booked == 0  # not yet: raised 3 days ahead
    run = visits_raise(today=MONDAY - 3 * DAY)
    assert (run.claimed, run.booked) == (1, 1)
    (job,) = jobs(personas)
    assert job.status == Status.INTAKE and job.branch == personas.branch
    assert job.fault_reported == "Quarterly check under the maintenance contract"
    assert [line.description for line in job.lines.all()] == ["Check"]
    assert [item.text for item in job.checklist.all()] == ["Battery health", "Software up to date"]
    assert job.timeline.filter(event=Event.DETAILS, text__contains="Raised by the schedule")
    assert not job.messages.exists()  # nobody is told of a job raised ahead of time
    schedule.refresh_from_db()
    assert schedule.next_due == MONDAY + 7 * DAY


def test_a_visits_sla_counts_from_its_day_not_from_raising_it(personas, make_schedule):
    branch_set_hours(
        branch=personas.branch, hours={d: (datetime.time(9), datetime.time(17)) for d in range(5)}
    )
    make_schedule()
    visits_raise(today=MONDAY - 3 * DAY)
    (job,) = jobs(personas)
    day = datetime.datetime.combine(MONDAY, datetime.time.min, tzinfo=personas.branch.tz)
    assert job.sla_from == day
    assert job.sla_due_at is not None and job.sla_due_at > day
    assert job.sla_due_at == sla.times_for(job.branch, job.priority, day).due_at
    # A new priority is counted from the visit's day too.
    job.priority = Priority.URGENT
    sla.sla_retarget(job)
    assert job.sla_due_at == sla.times_for(job.branch, Priority.URGENT, day).due_at > day


def test_running_twice_raises_one_visit(personas, make_schedule):
    make_schedule()
    visits_raise(today=MONDAY)
    again = visits_raise(today=MONDAY)
    assert (again.claimed, again.booked) == (0, 0)
    assert jobs(personas).count() == 1


def test_each_device_gets_its_own_works_order(personas, make_schedule, tablets):
    make_schedule(devices=tablets)
    visits_raise(today=MONDAY)
    assert sorted(j.device.model_name for j in jobs(personas)) == ["iPad 10", "iPad 9"]


def test_an_outage_is_caught_up_once_per_missed_visit(personas, make_schedule):
    schedule = make_schedule()
    run = visits_raise(today=MONDAY + 15 * DAY)  # the beat was down for two weeks
    assert run.booked == 3  # the 4th and 11th, missed, and the 18th (raised 3 days ahead)
    assert visits_raise(today=MONDAY + 15 * DAY).booked == 0
    dues = sorted(Visit.objects.for_shop(personas.shop).values_list("due_on", flat=True))
    assert dues == [MONDAY + k * 7 * DAY for k in range(3)]
    schedule.refresh_from_db()
    assert schedule.next_index == 3


def test_monthly_visits_on_the_31st_keep_to_the_month_end(personas, make_schedule):
    schedule = make_schedule(frequency="monthly", starts_on=datetime.date(2027, 1, 31))
    assert [schedule.due_on(k) for k in range(3)] == [
        datetime.date(2027, 1, 31),
        datetime.date(2027, 2, 28),
        datetime.date(2027, 3, 31),
    ]
    every_3 = make_schedule(frequency="monthly", interval=3)
    assert every_3.upcoming(2) == [MONDAY, datetime.date(2027, 4, 4)]


def test_a_paused_schedule_raises_nothing_and_resumes_from_the_next_visit(personas, make_schedule):
    schedule = make_schedule()
    schedule_set_state(schedule=schedule, state=ScheduleState.PAUSED, by=personas.front_desk)
    assert visits_raise(today=MONDAY + 30 * DAY).booked == 0
    schedule_set_state(schedule=schedule, state=ScheduleState.ACTIVE, by=personas.front_desk)
    schedule.refresh_from_db()
    assert schedule.next_due >= datetime.date.today()


def test_an_ended_schedule_raises_nothing(personas, make_schedule):
    schedule = make_schedule()
    schedule_set_state(schedule=schedule, state=ScheduleState.ENDED, by=personas.front_desk)
    assert visits_raise(today=MONDAY + 30 * DAY).booked == 0


def test_the_last_visit_ends_the_schedule(personas, make_schedule):
    schedule = make_schedule(ends_on=MONDAY + 7 * DAY)
    assert visits_raise(today=MONDAY + 60 * DAY).booked == 2
    schedule.refresh_from_db()
    assert schedule.state == ScheduleState.ENDED


def test_a_visit_that_cannot_be_booked_says_why_and_is_not_retried_forever(personas, make_schedule):
    make_schedule()
    personas.branch.is_active = False
    personas.branch.save()
    run = visits_raise(today=MONDAY)
    assert (run.booked, run.problems) == (0, 1)
    visit = Visit.objects.for_shop(personas.shop).get()
    assert "closed for new works orders" in visit.problem
    assert visits_raise(today=MONDAY).problems == 0


# Pages ---------------------------------------------------------------------------------------


def schedule_form(personas, tablets, fleet_check, **changes):
    data = {
        "schedule-name": "Acme monthly",
        "schedule-devices": [tablets[0].pk],
        "schedule-branch": personas.branch.pk,
        "schedule-template": fleet_check.pk,
        "schedule-priority": "standard",
        "schedule-frequency": "monthly",
        "schedule-interval": "1",
        "schedule-starts_on": "2027-02-01",
        "schedule-ends_on": "",
        "schedule-lead_days": "7",
    }
    return {**data, **changes}


def test_the_counter_sets_up_a_schedule_and_sees_its_visits(
    personas, client_as, account, tablets, fleet_check
):
    client = client_as(personas.front_desk)
    found = client.get(reverse("schedule_new"), {"q": "Acme"}).content.decode()
    assert "Acme Logistics Ltd" in found
    url = f"{reverse('schedule_new')}?customer={account.pk}"
    assert "iPad 9" in client.get(url).content.decode()
    response = client.post(url, schedule_form(personas, tablets, fleet_check))
    assert response.status_code == 302
    schedule = Schedule.objects.for_shop(personas.shop).get()
    visits_raise(today=datetime.date(2027, 1, 25))
    page = client.get(reverse("schedule_detail", args=[schedule.pk])).content.decode()
    job = WorksOrder.objects.for_shop(personas.shop).get()
    assert job.number in page and "Mon 1 Mar 2027" in page  # the past visit and the next
    listing = client.get(reverse("schedules")).content.decode()
    assert "Acme monthly" in listing
    response = client.post(reverse("schedule_detail", args=[schedule.pk]), {"state": "paused"})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.state == ScheduleState.PAUSED


@pytest.mark.parametrize(
    "changes, said",
    [
        ({"schedule-name": ""}, "This field is required"),
        ({"schedule-name": "a\x00"}, "Null characters"),
        ({"schedule-devices": ["99999999"]}, "Choose devices of this customer"),
        ({"schedule-devices": ["1\x00"]}, "Null characters"),
        ({"schedule-interval": "99999999999999999999"}, "Enter a whole number from 1 to 52"),
        ({"schedule-interval": "30"}, "Up to every 24 months"),
        ({"schedule-lead_days": "-1"}, "Enter a whole number from 0 to 90"),
        ({"schedule-starts_on": "0001-01-01"}, "Enter a date"),
        ({"schedule-starts_on": "2027-02-31"}, "Enter a valid date"),
        ({"schedule-ends_on": "2026-01-01"}, "cannot come before the first"),
        ({"schedule-frequency": "daily"}, "Select a valid choice"),
    ],
)
def test_bad_input_on_the_schedule_form_gets_a_message(
    personas, client_as, account, tablets, fleet_check, changes, said
):
    url = f"{reverse('schedule_new')}?customer={account.pk}"
    form = schedule_form(personas, tablets, fleet_check, **changes)
    response = client_as(personas.front_desk).post(url, form)
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not Schedule.objects.for_shop(personas.shop).exists()


def test_another_shops_devices_and_templates_are_refused(
    personas, client_as, account, tablets, fleet_check
):
    from tests.factories import CustomerFactory, DeviceFactory

    other_shop = personas.outsider.shop
    foreign = DeviceFactory(shop=other_shop, customer=CustomerFactory(shop=other_shop))
    url = f"{reverse('schedule_new')}?customer={account.pk}"
    form = schedule_form(personas, tablets, fleet_check, **{"schedule-devices": [foreign.pk]})
    assert client_as(personas.front_desk).post(url, form).status_code == 400
    # The outsider cannot reach this shop's customer or schedule at all.
    outsider = client_as(personas.outsider)
    assert outsider.get(url).status_code == 404


def test_who_may_see_schedules(personas, client_as, make_schedule):
    schedule = make_schedule()
    detail = reverse("schedule_detail", args=[schedule.pk])
    assert client_as(personas.technician).get(reverse("schedules")).status_code == 403
    assert client_as(personas.outsider).get(detail).status_code == 404
    assert client_as(personas.manager).get(detail).status_code == 200
    response = client_as(personas.manager).post(detail, {"state": "bogus\x00"})
    assert response.status_code == 302
