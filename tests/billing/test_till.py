"""Day end at the till: a branch's day of payments by method, refunds, expected cash and
invoices; a manager closes it with the cash counted; a closed day is read-only and a payment
recorded after the close is shown apart."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from billing import services, till
from billing.models import DayIsClosed, Method, TillDay
from tests.billing.conftest import ready_job
from tickets.services import LineData


@pytest.fixture
def day_of_takings(personas, ready):
    """Cash £144 with £6 change, a card payment of £48 at the other till, a £10 cash refund;
    a job at the other branch paid in cash (not in this branch's drawer)."""
    desk = personas.front_desk
    cash = services.payment_take(
        works_order=ready, method=Method.CASH, amount=Decimal("144.00"),
        tendered=Decimal("150.00"), by=desk,
    )  # fmt: skip
    battery = ready_job(personas, lines=[LineData(description="Battery", unit_price=Decimal(40))])
    services.payment_take(
        works_order=battery, method=Method.CARD_TERMINAL, amount=Decimal("48.00"), by=desk
    )
    services.payment_refund(payment=cash, amount=Decimal("10.00"), reason="Case", by=desk)
    elsewhere = ready_job(
        personas,
        lines=[LineData(description="Hinge", unit_price=Decimal(10))],
        branch=personas.other_branch,
    )
    services.payment_take(
        works_order=elsewhere, method=Method.CASH, amount=Decimal("12.00"), by=personas.manager
    )
    return personas.branch


def today(branch):
    return till.branch_today(branch)


def page(client, branch, day=None):
    day = day or today(branch)
    return client.get(reverse("till_report"), {"branch": branch.code, "day": day.isoformat()})


def close(client, branch, counted="130.00", day=None, note=""):
    day = day or today(branch)
    return client.post(
        reverse("till_close"),
        {"branch": branch.code, "day": day.isoformat(), "counted_cash": counted, "note": note},
    )


def test_it_reports_the_day_by_method_with_the_expected_cash(day_of_takings):
    report = till.till_report(branch=day_of_takings, day=today(day_of_takings))
    rows = {row.method: row for row in report.by_method}
    assert (rows["cash"].payments, rows["cash"].taken, rows["cash"].refunded) == (
        1,
        Decimal("144.00"),
        Decimal("10.00"),
    )
    assert rows["card_terminal"].taken == Decimal("48.00")
    assert report.expected_cash == Decimal("134.00")  # the change never stayed in the drawer
    assert report.taken == Decimal("182.00") and report.refunded == Decimal("10.00")
    assert len(report.invoices) == 2 and report.invoiced == Decimal("192.00")
    assert report.closed is None and report.late == []


def test_a_manager_closes_the_day_and_the_difference_is_recorded(
    client_as, personas, day_of_takings
):
    client = client_as(personas.manager)
    shown = page(client, day_of_takings).content.decode()
    assert "£134.00" in shown and "Close the day" in shown
    response = close(client, day_of_takings, counted="130.00", note="Short: checked twice")
    assert response.status_code == 302
    closed = TillDay.objects.for_shop(personas.shop).get()
    assert (closed.expected_cash, closed.counted_cash, closed.difference) == (
        Decimal("134.00"),
        Decimal("130.00"),
        Decimal("-4.00"),
    )
    assert closed.taken == Decimal("182.00") and closed.payments == 3
    assert closed.closed_by == personas.manager
    after = client.get(response["Location"]).content.decode()
    assert "Closed" in after and "-£4.00" in after and "Close the day" not in after


def test_a_closed_day_cannot_be_closed_again_or_changed(client_as, personas, day_of_takings):
    client = client_as(personas.manager)
    close(client, day_of_takings)
    again = close(client, day_of_takings, counted="134.00")
    assert again.status_code == 200 and "already closed" in again.content.decode()
    closed = TillDay.objects.for_shop(personas.shop).get()
    assert closed.counted_cash == Decimal("130.00")
    closed.counted_cash = Decimal("134.00")
    with pytest.raises(DayIsClosed):
        closed.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        TillDay.objects.for_shop(personas.shop).update(counted_cash=Decimal("134.00"))


def test_a_payment_recorded_after_the_close_is_flagged_not_counted(
    client_as, personas, day_of_takings
):
    client = client_as(personas.manager)
    close(client, day_of_takings, counted="134.00")
    late_job = ready_job(personas, lines=[LineData(description="Port", unit_price=Decimal(20))])
    services.payment_take(
        works_order=late_job, method=Method.CASH, amount=Decimal("24.00"), by=personas.front_desk
    )
    report = till.till_report(branch=day_of_takings, day=today(day_of_takings))
    assert report.expected_cash == Decimal("134.00")  # the closed figures stand
    assert [p.amount for p in report.late] == [Decimal("24.00")] and report.late_cash == 24
    shown = page(client, day_of_takings).content.decode()
    assert "Recorded after the close" in shown and late_job.number in shown


def test_a_day_not_begun_cannot_be_closed(client_as, personas, day_of_takings):
    tomorrow = today(day_of_takings) + datetime.timedelta(days=1)
    client = client_as(personas.manager)
    assert "has not begun" in page(client, day_of_takings, tomorrow).content.decode()
    response = close(client, day_of_takings, day=tomorrow)
    assert "has not begun" in response.content.decode()
    assert not TillDay.objects.for_shop(personas.shop).exists()
    with pytest.raises(ValidationError):
        till.till_day_close(
            branch=day_of_takings, day=tomorrow, counted_cash=Decimal(0), note="",
            by=personas.manager,
        )  # fmt: skip


@pytest.mark.parametrize(
    "counted", ["", "12\x0034", "1e30", "NaN", "-5", "99999999999", "twelve", "12.345"]
)
def test_bad_counted_cash_says_why_and_closes_nothing(client_as, personas, day_of_takings, counted):
    response = close(client_as(personas.manager), day_of_takings, counted=counted)
    assert response.status_code == 200
    assert (
        'class="invalid-feedback' in response.content.decode()
        or "Enter" in response.content.decode()
    )
    assert not TillDay.objects.for_shop(personas.shop).exists()


@pytest.mark.parametrize(
    "asked",
    [
        {"branch": "NOPE", "day": "2026-01-01"},
        {"branch": "BHM", "day": "9999-12-31"},
        {"branch": "BHM", "day": "2026-02-30"},
        {"branch": "BHM\x00", "day": "\x00"},
    ],
)
def test_a_bad_branch_or_day_says_why_and_shows_today(client_as, personas, asked):
    response = client_as(personas.manager).get(reverse("till_report"), asked)
    assert response.status_code == 200
    assert "cannot be shown" in response.content.decode()


def test_another_shops_branch_is_not_closed(client_as, personas, day_of_takings):
    other = personas.outsider.branches.first()
    response = client_as(personas.manager).post(
        reverse("till_close"),
        {"branch": other.code, "day": today(day_of_takings).isoformat(), "counted_cash": "1"},
    )
    assert response.status_code == 200
    assert not TillDay.objects.all_shops().exists()


def test_the_day_end_is_for_managers_and_reachable_from_billing(client_as, personas, ready):
    for member in (personas.front_desk, personas.technician):
        assert client_as(member).get(reverse("till_report")).status_code == 403
        assert close(client_as(member), personas.branch).status_code == 403
    assert not TillDay.objects.all_shops().exists()
    client = client_as(personas.owner)
    assert client.get(reverse("till_report")).status_code == 200
    panel = client.get(reverse("billing_panel", args=[ready.number])).content.decode()
    assert reverse("till_report") in panel
    desk_panel = client_as(personas.front_desk).get(reverse("billing_panel", args=[ready.number]))
    assert reverse("till_report") not in desk_panel.content.decode()


def test_the_days_invoices_and_payments_follow_the_branchs_clock(personas, day_of_takings):
    yesterday = today(day_of_takings) - datetime.timedelta(days=1)
    report = till.till_report(branch=day_of_takings, day=yesterday)
    assert report.by_method == [] and report.invoices == [] and report.expected_cash == 0
    start, end = till.day_bounds(day_of_takings, today(day_of_takings))
    assert start <= timezone.now() < end
