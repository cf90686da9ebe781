"""A panel on the works-order page that writes to the job's timeline tells the page, whose
timeline then fetches itself again: the entry shows without reloading the page."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from loaners.services import loaner_add
from tests.billing.conftest import ready_job

HTMX = {"HX-Request": "true"}


@pytest.fixture
def job(personas):
    return ready_job(personas)


def lend(client, job, loaner, due_back=None):
    return client.post(
        reverse("loaner_lend", args=[job.number]),
        {
            "loaner": loaner.pk,
            "due_back": (due_back or timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
            "condition": "",
            "deposit": "",
            "deposit_method": "cash",
            "deposit_reference": "",
        },
        headers=HTMX,
    )


@pytest.fixture
def loaner(personas):
    branch, manager = personas.branch, personas.manager
    return loaner_add(branch=branch, name="Galaxy A14", serial="R58N01", condition="", by=manager)


def triggers(response) -> dict:
    header = response.headers.get("HX-Trigger", "")
    return json.loads(header) if header.startswith("{") else dict.fromkeys(header.split(","))


def test_lending_from_the_panel_redraws_the_timeline_with_the_loan(
    client_as, personas, job, loaner
):
    desk = client_as(personas.front_desk)
    page = desk.get(reverse("works_order_detail", args=[job.number])).content.decode()
    timeline_url = reverse("works_order_timeline", args=[job.number])
    assert f'hx-get="{timeline_url}" hx-trigger="timelineChanged from:body"' in page
    assert "Galaxy A14" not in page.split('id="timeline-entries"', 1)[1]

    lent = lend(desk, job, loaner)

    assert lent.status_code == 200 and "timelineChanged" in triggers(lent)
    redrawn = desk.get(timeline_url, headers=HTMX)
    html = redrawn.content.decode()
    assert redrawn.status_code == 200 and html.lstrip().startswith('<ol class="list-unstyled')
    assert "Galaxy A14" in html and 'id="timeline-entries"' in html
    assert 'name="note-text"' not in html  # a note being typed above the entries stays


def test_an_answer_that_wrote_nothing_to_the_timeline_says_nothing(
    client_as, personas, job, loaner
):
    desk = client_as(personas.front_desk)
    opened = desk.get(reverse("loaner_panel", args=[job.number]), headers=HTMX)
    refused = lend(desk, job, loaner, due_back=timezone.localdate() - datetime.timedelta(days=1))

    assert "cannot be in the past" in refused.content.decode()
    assert "timelineChanged" not in triggers(opened)
    assert "timelineChanged" not in triggers(refused)


def test_the_timeline_alone_is_for_htmx_and_for_this_shop(client_as, personas, job):
    url = reverse("works_order_timeline", args=[job.number])
    plain = client_as(personas.technician).get(url)
    assert plain.status_code == 302
    assert plain["Location"] == reverse("works_order_detail", args=[job.number]) + "#timeline"
    assert client_as(personas.outsider).get(url, headers=HTMX).status_code == 404
