"""Managers set the SLA targets; the counter sees the promise as it books a job in."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from shops.services import DEFAULT_HOURS, branch_set_hours
from tickets.models import Priority, SlaTarget, SlaUnit

pytestmark = pytest.mark.django_db


def targets_post(**changes) -> dict:
    data = {"sla_risk_percent": "75", "sla_parts_clock": "on"}
    defaults = {
        "standard": ("days", 5),
        "urgent": ("next_day", 1),
        "vip": ("hours", 4),
        "warranty": ("per_job", 1),
    }
    for priority, (unit, amount) in defaults.items():
        data[f"{priority}-unit"], data[f"{priority}-amount"] = unit, str(amount)
    return data | changes


def test_a_manager_sets_the_targets_and_when_jobs_turn_amber(client_as, personas):
    client = client_as(personas.manager)
    page = client.get(reverse("sla_settings")).content.decode()
    assert "Targets by priority" in page and 'value="5"' in page  # the defaults, shown
    response = client.post(
        reverse("sla_settings"),
        targets_post(**{"vip-amount": "2", "sla_risk_percent": "60"}),
        follow=True,
    )
    assert "SLA targets saved" in response.content.decode()
    vip = SlaTarget.objects.for_shop(personas.shop).get(priority=Priority.VIP)
    assert (vip.unit, vip.amount) == (SlaUnit.BUSINESS_HOURS, 2)
    personas.shop.refresh_from_db()
    assert personas.shop.sla_risk_percent == 60


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("vip-amount", "0", "Enter a whole number from 1 to 365."),
        ("vip-amount", "99999999999", "Enter a whole number from 1 to 365."),
        ("vip-amount", "300", "Up to 200 business hours"),
        ("sla_risk_percent", "100", "Enter a whole number from 1 to 99."),
        ("vip-unit", "weeks", "Select a valid choice."),
    ],
)
def test_bad_targets_are_refused_at_the_field_and_nothing_changes(
    client_as, personas, field, value, message
):
    client = client_as(personas.manager)
    response = client.post(reverse("sla_settings"), targets_post(**{field: value}))
    assert message in response.content.decode()
    assert not SlaTarget.objects.for_shop(personas.shop).exists()


def test_only_managers_change_targets(client_as, personas):
    response = client_as(personas.technician).post(reverse("sla_settings"), targets_post())
    assert response.status_code == 403
    assert not SlaTarget.objects.for_shop(personas.shop).exists()


def test_the_counter_sees_the_promise_and_a_later_one_is_flagged(client_as, personas):
    branch_set_hours(branch=personas.branch, hours=DEFAULT_HOURS)
    client = client_as(personas.front_desk)
    url = reverse("intake_promise")
    shown = client.get(url, {"job-branch": personas.branch.pk, "job-priority": "vip"})
    assert "Ready by" in shown.content.decode() and "4 business hours" in shown.content.decode()
    far = (timezone.localtime() + datetime.timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    late = client.get(
        url,
        {"job-branch": personas.branch.pk, "job-priority": "vip", "job-estimated_completion": far},
    ).content.decode()
    assert "later than the SLA target" in late
    warranty = client.get(url, {"job-branch": personas.branch.pk, "job-priority": "warranty"})
    assert "Type the manufacturer's due time" in warranty.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"job-branch": "x", "job-priority": "vip"},
        {"job-branch": "1\x00", "job-priority": "?"},
        {"job-branch": "99999999999999999999", "job-priority": "vip"},
        {"job-priority": "vip", "job-estimated_completion": "9999-99-99T99:99"},
    ],
)
def test_odd_input_gives_no_promise_and_no_error(client_as, personas, params):
    response = client_as(personas.front_desk).get(reverse("intake_promise"), params)
    assert response.status_code == 200 and "Ready by" not in response.content.decode()


def test_another_shops_branch_gives_no_promise(client_as, personas):
    branch_set_hours(branch=personas.branch, hours=DEFAULT_HOURS)
    response = client_as(personas.outsider).get(
        reverse("intake_promise"), {"job-branch": personas.branch.pk, "job-priority": "vip"}
    )
    assert "Ready by" not in response.content.decode()


def test_the_counter_sees_when_such_a_job_is_likely_ready(client_as, personas):
    from tests.factories import WorksOrderFactory
    from tickets.models import WorksOrder

    branch_set_hours(branch=personas.branch, hours=DEFAULT_HOURS)
    now = timezone.now()
    for days in range(6):  # six finished jobs, each ready two days after booking in
        job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
        booked = now - datetime.timedelta(days=10 + days)
        WorksOrder.objects.for_shop(personas.shop).filter(pk=job.pk).update(
            created_at=booked, ready_at=booked + datetime.timedelta(days=2)
        )
    page = (
        client_as(personas.front_desk)
        .get(
            reverse("intake_promise"),
            {"job-branch": personas.branch.pk, "job-priority": "standard"},
        )
        .content.decode()
    )
    assert "Likely ready" in page and "median of 6" in page
