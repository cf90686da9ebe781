"""The works-order page says when the job is due by its SLA, in words as well as colour."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse

from tests.factories import WorksOrderFactory
from tickets.models import Status, WorksOrder

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2030, 4, day, hour, 0, tzinfo=LONDON)  # in summer time (BST)


def job(personas, *, status=None, due=None, risk=None, paused=None, **details) -> WorksOrder:
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk, **details)
    fields = {"sla_due_at": due, "sla_risk_at": risk, "sla_paused_at": paused}
    if status:
        fields["status"] = status  # protected field: a queryset update is the way around
    WorksOrder.objects.for_shop(personas.shop).filter(pk=works_order.pk).update(**fields)
    return works_order


def due_line(client, works_order) -> str:
    page = client.get(reverse("works_order_detail", args=[works_order.number])).content.decode()
    found = re.search(r"Due: (.*?)\s+· Bench time", page, re.S)
    assert found, "no Due line"
    return " ".join(re.sub(r"<[^>]+>", " ", found[1]).split())


def test_the_header_shows_the_sla_due_time_with_its_status_in_words(client_as, personas):
    client = client_as(personas.front_desk)
    coming = job(personas, risk=at(9, 12), due=at(10, 16))  # 2030: years ahead, on track
    page = client.get(reverse("works_order_detail", args=[coming.number])).content.decode()
    assert due_line(client, coming) == "On track Wed 10 Apr, 16:00"  # branch time, not UTC
    assert 'data-sla="on_track"' in page and "bi-clock" in page


def test_a_breached_job_says_when_it_was_due(client_as, personas):
    client = client_as(personas.front_desk)
    late = job(
        personas,
        risk=datetime.datetime(2020, 1, 6, 9, tzinfo=LONDON),
        due=datetime.datetime(2020, 1, 7, 12, tzinfo=LONDON),
    )
    assert due_line(client, late) == "Breached was due Tue 7 Jan, 12:00"


def test_a_promise_other_than_the_sla_is_shown_beside_it(client_as, personas):
    client = client_as(personas.front_desk)
    promised = job(personas, risk=at(9, 12), due=at(10, 16), estimated_completion=at(11, 12))
    assert due_line(client, promised) == (
        "On track Wed 10 Apr, 16:00 · promised to the customer: Thu 11 Apr, 12:00"
    )
    same = job(personas, risk=at(9, 12), due=at(10, 16), estimated_completion=at(10, 16))
    assert due_line(client, same) == "On track Wed 10 Apr, 16:00"
    no_sla = job(personas, estimated_completion=at(11, 12))
    assert due_line(client, no_sla) == "Thu 11 Apr, 12:00 (promised to the customer)"
    assert due_line(client, job(personas)) == "not set"


def test_a_stopped_clock_says_so(client_as, personas):
    client = client_as(personas.front_desk)
    waiting = job(
        personas,
        status=Status.AWAITING_APPROVAL,
        risk=datetime.datetime(2020, 1, 6, 9, tzinfo=LONDON),
        due=datetime.datetime(2020, 1, 7, 12, tzinfo=LONDON),
        paused=datetime.datetime(2020, 1, 6, 10, tzinfo=LONDON),
    )
    assert due_line(client, waiting) == "At risk clock stopped (waiting for customer)"
    cancelled = job(
        personas, status=Status.CANCELLED, risk=at(9, 12), due=at(10, 16), paused=at(8, 9)
    )
    assert due_line(client, cancelled) == "not set"
