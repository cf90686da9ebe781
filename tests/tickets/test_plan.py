"""Priority, due time and bench time change as the job goes on, and the timeline keeps track."""

import pytest
from django.urls import reverse

from tests.factories import WorksOrderFactory
from tickets.models import Event, Priority

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(personas):
    return WorksOrderFactory(branch=personas.branch, by=personas.front_desk)


def plan(client, job, **fields):
    data = {"plan-priority": job.priority, "plan-estimated_completion": ""}
    data |= {"plan-estimated_minutes": ""} | {f"plan-{k}": v for k, v in fields.items()}
    return client.post(reverse("works_order_plan", args=[job.number]), data)


def test_changing_the_plan_says_what_changed_from_what_on_the_timeline(client_as, personas, job):
    client = client_as(personas.front_desk)
    response = plan(
        client,
        job,
        priority="urgent",
        estimated_completion="2026-12-04T10:00",
        estimated_minutes=45,
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.priority, job.estimated_minutes) == (Priority.URGENT, 45)
    entry = job.timeline.get(event=Event.DETAILS)
    assert entry.text == (
        "Priority: Standard → Urgent; Due: not set → Fri 4 Dec 10:00; Bench time: not set → 45 min"
    )
    assert entry.actor == personas.front_desk

    plan(
        client,
        job,
        priority="urgent",
        estimated_completion="2026-12-04T10:00",
        estimated_minutes=45,
    )
    assert job.timeline.filter(event=Event.DETAILS).count() == 1  # nothing changed, nothing said


def test_a_bad_bench_time_is_shown_on_the_page_and_nothing_changes(client_as, personas, job):
    response = plan(client_as(personas.technician), job, priority="vip", estimated_minutes="-5")
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    job.refresh_from_db()
    assert job.priority == Priority.STANDARD
    assert not job.timeline.filter(event=Event.DETAILS).exists()


def test_a_closed_job_keeps_its_plan(client_as, personas, job):
    from tickets.services import works_order_cancel

    works_order_cancel(works_order=job, reason="Customer took it back", by=personas.front_desk)
    client = client_as(personas.manager)
    response = plan(client, job, priority="urgent")
    assert "is closed" in client.get(response.url).content.decode()
    job.refresh_from_db()
    assert job.priority == Priority.STANDARD
