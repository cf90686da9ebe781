"""Loaners: lent with a job against a deposit held by billing, returned at collection, and the
job kept in the shop while its loaner is out unless a manager waives it."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from billing import services as billing
from billing.models import Method, Payment
from billing.selectors import amount_paid
from loaners import services
from loaners.models import Loan
from tests.billing.conftest import ready_job
from tests.factories import WorksOrderFactory
from tickets.lifecycle import works_order_advance
from tickets.models import Event, Status, TransitionRefused

HTMX = {"HX-Request": "true"}
NEXT_WEEK = timezone.localdate() + datetime.timedelta(days=7)


def collect(works_order, by):
    return works_order_advance(
        works_order=works_order, step="collect", by=by, signed_name="Dee", signature_png=None
    )


def paid_ready_job(personas):
    job = ready_job(personas)
    billing.payment_take(
        works_order=job, method=Method.CASH, amount=Decimal("120.00"), by=personas.front_desk
    )
    return job


def lend(job, loaner, by, **kwargs):
    return services.loaner_lend(
        works_order=job, loaner=loaner, due_back=NEXT_WEEK, condition="As listed", by=by, **kwargs
    )


def test_a_loaner_out_keeps_the_job_in_the_shop_until_it_is_back(personas, loaner):
    job = paid_ready_job(personas)
    loan = lend(job, loaner, personas.front_desk)
    with pytest.raises(TransitionRefused, match=r"Take back the loaner iPhone 11 64 GB"):
        collect(job, personas.front_desk)
    job.refresh_from_db()
    assert job.status == Status.READY

    services.loaner_return(loan=loan, condition="As lent", by=personas.front_desk)
    collect(job, personas.front_desk)
    job.refresh_from_db()
    assert job.status == Status.COLLECTED
    texts = list(job.timeline.filter(event=Event.LOANER).values_list("text", flat=True))
    assert any(t.startswith("Loaner iPhone 11 64 GB (S/N F17ZK2LMN72) returned") for t in texts)
    assert any(t.startswith("Lent iPhone 11 64 GB") for t in texts)


def test_a_managers_waiver_lets_the_job_go_with_its_reason_on_the_timeline(personas, loaner):
    job = paid_ready_job(personas)
    loan = lend(job, loaner, personas.front_desk)
    with pytest.raises(ValidationError, match="Only a manager"):
        services.loaner_waive(loan=loan, reason="Brings it back Monday", by=personas.front_desk)
    with pytest.raises(ValidationError, match="Say why"):
        services.loaner_waive(loan=loan, reason="  ", by=personas.manager)

    services.loaner_waive(loan=loan, reason="Brings it back Monday", by=personas.manager)
    collect(job, personas.front_desk)

    job.refresh_from_db()
    assert job.status == Status.COLLECTED
    waiver = job.timeline.get(event=Event.LOANER, text__startswith="May be collected")
    assert waiver.text.endswith("still out: Brings it back Monday")
    assert waiver.actor == personas.manager
    loan.refresh_from_db()
    assert loan.is_out and loan.waive_reason == "Brings it back Monday"
    # Still out after the job has gone: it comes back later, and the deposit with it.
    services.loaner_return(loan=loan, condition="As lent", by=personas.front_desk)


def test_the_deposit_is_held_apart_from_the_bill_and_given_back_once(personas, loaner):
    job = ready_job(personas)
    owed_before = billing.amount_owed(job)
    loan = lend(
        job,
        loaner,
        personas.front_desk,
        deposit=Decimal("50.00"),
        deposit_method=Method.CASH,
    )
    deposit = Payment.objects.for_shop(personas.shop).get(pk=loan.deposit_id)
    assert deposit.held and deposit.amount == Decimal("50.00")
    assert billing.amount_owed(job) == owed_before  # not a payment towards the repair
    assert job.timeline.filter(text__startswith="Deposit £50.00 (cash) held for loaner").exists()

    services.loaner_return(loan=loan, condition="As lent", by=personas.front_desk)
    with pytest.raises(ValidationError, match="already returned"):
        services.loaner_return(loan=loan, condition="As lent", by=personas.front_desk)

    refunds = Payment.objects.for_shop(personas.shop).filter(refund_of=deposit)
    assert [(r.amount, r.held, r.method) for r in refunds] == [(Decimal("50.00"), True, "cash")]
    assert amount_paid(job) == Decimal("0.00")
    assert billing.amount_owed(job) == owed_before
    assert job.timeline.filter(text__contains="deposit given back £50.00").count() == 1


def test_part_of_the_deposit_is_kept_only_with_a_reason(personas, loaner):
    job = ready_job(personas)
    loan = lend(
        job, loaner, personas.front_desk, deposit=Decimal("80.00"), deposit_method=Method.CASH
    )
    with pytest.raises(ValidationError) as refused:
        services.loaner_return(
            loan=loan, condition="Cracked screen", refund=Decimal("30"), by=personas.front_desk
        )
    assert "keep_reason" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        services.loaner_return(
            loan=loan, condition="Cracked screen", refund=Decimal("90"), by=personas.front_desk
        )
    assert "refund" in refused.value.error_dict
    loan.refresh_from_db()
    assert loan.is_out

    services.loaner_return(
        loan=loan,
        condition="Cracked screen",
        refund=Decimal("30.00"),
        keep_reason="Screen cracked while lent",
        by=personas.front_desk,
    )
    assert services.deposit_left(loan) == Decimal("50.00")
    loan.loaner.refresh_from_db()
    assert loan.loaner.condition == "Cracked screen"


def test_a_loaner_out_cannot_be_lent_again(personas, loaner):
    first = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    second = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    lend(first, loaner, personas.front_desk)
    with pytest.raises(ValidationError, match=f"already out with {first.number}"):
        lend(second, loaner, personas.front_desk)
    # The database holds it too, whatever path a write takes.
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(
            shop=personas.shop,
            loaner=loaner,
            works_order=second,
            lent_by=personas.front_desk,
            due_back=NEXT_WEEK,
        )
    assert Loan.objects.for_shop(personas.shop).filter(loaner=loaner).count() == 1


def test_a_technician_neither_lends_nor_takes_back(personas, loaner):
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    with pytest.raises(ValidationError, match="Only the counter"):
        lend(job, loaner, personas.technician)


def test_a_loaner_of_another_branch_is_not_lent_here(personas, loaner):
    job = WorksOrderFactory(branch=personas.other_branch, by=personas.front_desk)
    with pytest.raises(ValidationError, match="another branch"):
        lend(job, loaner, personas.front_desk)


# Views ------------------------------------------------------------------------------------------


def test_the_counter_lends_and_takes_back_from_the_panel(client_as, personas, loaner):
    job = ready_job(personas)
    desk = client_as(personas.front_desk)
    panel = desk.get(reverse("loaner_panel", args=[job.number]), headers=HTMX)
    assert panel.status_code == 200
    assert "Lend a loaner" in panel.content.decode()

    lent = desk.post(
        reverse("loaner_lend", args=[job.number]),
        {
            "loaner": loaner.pk,
            "due_back": NEXT_WEEK.isoformat(),
            "condition": "",
            "deposit": "40.00",
            "deposit_method": "card_terminal",
            "deposit_reference": "SLIP 12",
        },
        headers=HTMX,
    )
    html = lent.content.decode()
    assert lent.status_code == 200 and 'id="loaner-panel"' in html
    assert "F17ZK2LMN72" in html and "£40.00 (card (terminal))" in html
    assert "depositChanged" in json.loads(lent["HX-Trigger"])  # the billing panel redraws
    loan = Loan.objects.for_shop(personas.shop).get(works_order=job)
    billing_html = desk.get(reverse("billing_panel", args=[job.number]), headers=HTMX)
    billing_html = " ".join(billing_html.content.decode().split())
    assert "Loaner deposit £40.00 · Card (terminal)" in billing_html
    assert 'Paid</dt><dd class="col-6 col-sm-8">£0.00' in billing_html  # not towards the bill

    back = desk.post(
        reverse("loaner_return", args=[job.number, loan.pk]),
        {"condition": "As lent", "refund": "", "keep_reason": ""},
        headers=HTMX,
    )
    assert "Returned" in back.content.decode()
    loan.refresh_from_db()
    assert loan.returned_by == personas.front_desk
    assert services.deposit_left(loan) == Decimal("0.00")


def test_a_refused_lend_shows_why_and_changes_nothing(client_as, personas, loaner):
    job = ready_job(personas)
    desk = client_as(personas.front_desk)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    answer = desk.post(
        reverse("loaner_lend", args=[job.number]),
        {"loaner": loaner.pk, "due_back": yesterday.isoformat(), "deposit_method": "cash"},
        headers=HTMX,
    )
    assert "cannot be in the past" in answer.content.decode()
    assert not Loan.objects.for_shop(personas.shop).exists()


def test_only_the_right_roles_are_offered_and_allowed(client_as, personas, loaner):
    job = ready_job(personas)
    loan = lend(job, loaner, personas.front_desk)
    tech = client_as(personas.technician)
    panel = tech.get(reverse("loaner_panel", args=[job.number]), headers=HTMX).content.decode()
    assert "Take back" not in panel and "Let the job go" not in panel
    refused = tech.post(reverse("loaner_return", args=[job.number, loan.pk]), {"condition": "ok"})
    assert refused.status_code == 403
    desk_panel = client_as(personas.front_desk).get(
        reverse("loaner_panel", args=[job.number]), headers=HTMX
    )
    assert "Take back" in desk_panel.content.decode()
    assert "Let the job go" not in desk_panel.content.decode()
    waive = client_as(personas.front_desk).post(
        reverse("loaner_waive", args=[job.number, loan.pk]), {"reason": "x"}
    )
    assert waive.status_code == 403
    manager = client_as(personas.manager)
    assert (
        "Let the job go"
        in manager.get(reverse("loaner_panel", args=[job.number]), headers=HTMX).content.decode()
    )
    manager.post(
        reverse("loaner_waive", args=[job.number, loan.pk]),
        {"reason": "Regular customer"},
        headers=HTMX,
    )
    loan.refresh_from_db()
    assert loan.waived_by == personas.manager


def test_another_shops_loan_is_not_found(client_as, personas, loaner):
    job = ready_job(personas)
    loan = lend(job, loaner, personas.front_desk)
    outsider = client_as(personas.outsider)
    assert outsider.get(reverse("loaner_panel", args=[job.number])).status_code == 404
    answer = outsider.post(
        reverse("loaner_return", args=[job.number, loan.pk]), {"condition": "ok"}
    )
    assert answer.status_code == 404


def test_the_loaners_page_shows_who_has_each_and_overdue_ones_stand_out(
    client_as, personas, loaner, django_assert_max_num_queries
):
    others = [
        services.loaner_add(
            branch=personas.branch,
            name=f"Galaxy A{n}",
            serial=f"R58N{n:04d}",
            condition="",
            by=personas.manager,
        )
        for n in range(4)
    ]
    late_job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    late = lend(late_job, loaner, personas.front_desk)
    Loan.objects.for_shop(personas.shop).filter(pk=late.pk).update(
        due_back=timezone.localdate() - datetime.timedelta(days=3),
        lent_at=timezone.now() - datetime.timedelta(days=10),
    )
    for other in others[:3]:
        lend(
            WorksOrderFactory(branch=personas.branch, by=personas.front_desk),
            other,
            personas.front_desk,
        )

    client = client_as(personas.front_desk)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("loaners_list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 overdue" in html
    assert html.count("Overdue since") == 1
    assert late_job.number in html and late_job.customer.full_name in html
    assert "(10 days)" in html
    assert "Add a loaner" not in html  # the counter lends; managers add


def test_a_manager_adds_a_loaner_and_a_serial_is_the_shops_once(client_as, personas, loaner):
    manager = client_as(personas.manager)
    answer = manager.post(
        reverse("loaner_add"),
        {"branch": personas.branch.pk, "name": "iPad 9", "serial": "f17zk2lmn72", "condition": ""},
    )
    assert answer.status_code == 400
    assert "Another loaner already has this serial number." in answer.content.decode()
    added = manager.post(
        reverse("loaner_add"),
        {"branch": personas.branch.pk, "name": "iPad 9", "serial": "DMPXK1", "condition": ""},
    )
    assert added.status_code == 302
    desk = client_as(personas.front_desk).post(
        reverse("loaner_add"),
        {"branch": personas.branch.pk, "name": "iPad 9", "serial": "OTHER1", "condition": ""},
    )
    assert desk.status_code == 403


def test_only_the_branchs_loaners_in_the_shop_are_offered(client_as, personas, loaner):
    spare = services.loaner_add(
        branch=personas.branch,
        name="Galaxy A14",
        serial="R58N0001",
        condition="",
        by=personas.manager,
    )
    services.loaner_add(
        branch=personas.other_branch,
        name="Pixel 7",
        serial="PX7",
        condition="",
        by=personas.manager,
    )
    retired = services.loaner_add(
        branch=personas.branch, name="iPhone 8", serial="OLD8", condition="", by=personas.manager
    )
    services.loaner_retire(loaner=retired, by=personas.manager)
    lend(
        WorksOrderFactory(branch=personas.branch, by=personas.front_desk),
        loaner,
        personas.front_desk,
    )
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    html = (
        client_as(personas.front_desk)
        .get(reverse("loaner_panel", args=[job.number]), headers=HTMX)
        .content.decode()
    )
    assert f"Galaxy A14 · S/N {spare.serial}" in html
    assert "F17ZK2LMN72" not in html and "Pixel 7" not in html and "OLD8" not in html


def test_the_board_card_says_a_loaner_is_out(client_as, personas, loaner):
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    loan = lend(job, loaner, personas.front_desk)
    board = client_as(personas.front_desk)
    assert (
        '<span class="bc-badge bc-loaner">Loaner out</span>'
        in board.get(reverse("board")).content.decode()
    )
    services.loaner_return(loan=loan, condition="As lent", by=personas.front_desk)
    assert "Loaner out" not in board.get(reverse("board")).content.decode()
