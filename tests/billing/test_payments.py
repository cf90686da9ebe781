"""Payments at the counter, refunds, exemptions, and collection waiting for them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing import services
from billing.models import Method, Payment
from customers.models import CustomerType
from tests.factories import WorksOrderFactory
from tickets.lifecycle import works_order_advance
from tickets.models import Status, TransitionRefused

HTMX = {"HX-Request": "true"}


def collect(works_order, by):
    return works_order_advance(
        works_order=works_order, step="collect", by=by, signed_name="Dee", signature_png=None
    )


def test_it_takes_cash_and_gives_change(personas, ready):
    payment = services.payment_take(
        works_order=ready,
        method=Method.CASH,
        amount=Decimal("144.00"),
        tendered=Decimal("150.00"),
        by=personas.front_desk,
    )
    assert payment.change_given == Decimal("6.00")
    assert services.amount_owed(ready) == Decimal("0.00")


def test_part_payments_add_up_and_never_go_above_what_is_owed(personas, ready):
    desk = personas.front_desk
    services.payment_take(
        works_order=ready, method=Method.CARD_TERMINAL, amount=Decimal("100"), by=desk
    )
    with pytest.raises(ValidationError, match=r"Only £44\.00 is owed"):
        services.payment_take(
            works_order=ready, method=Method.BANK_TRANSFER, amount=Decimal("44.01"), by=desk
        )
    services.payment_take(
        works_order=ready, method=Method.BANK_TRANSFER, amount=Decimal("44"), by=desk
    )
    assert services.amount_owed(ready) == 0


def test_only_business_customers_pay_on_account(personas, ready):
    with pytest.raises(ValidationError, match="Only business customers"):
        services.payment_take(
            works_order=ready, method=Method.ACCOUNT, amount=Decimal("1"), by=personas.front_desk
        )
    ready.customer.customer_type = CustomerType.BUSINESS
    ready.customer.save()
    services.payment_take(
        works_order=ready, method=Method.ACCOUNT, amount=Decimal("144"), by=personas.front_desk
    )


def test_a_deposit_at_intake_counts_against_the_invoice(personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    deposit = services.payment_take(
        works_order=works_order,
        method=Method.CARD_TERMINAL,
        amount=Decimal("20.00"),
        deposit=True,
        by=personas.front_desk,
    )
    assert deposit.is_deposit
    with pytest.raises(ValidationError, match="take a deposit"):
        services.payment_take(
            works_order=works_order, method=Method.CASH, amount=Decimal("1"), by=personas.front_desk
        )
    works_order.refresh_from_db()
    type(works_order).objects.for_shop(personas.shop).filter(pk=works_order.pk).update(
        status=Status.READY
    )
    works_order.refresh_from_db()
    services.invoice_issue(works_order=works_order, by=personas.front_desk)
    assert services.amount_owed(works_order) == Decimal("100.00")  # £120 less the deposit


def test_a_refund_never_exceeds_the_payment(personas, ready):
    payment = services.payment_take(
        works_order=ready, method=Method.CARD_TERMINAL, amount=Decimal("50"), by=personas.front_desk
    )
    services.payment_refund(
        payment=payment, amount=Decimal("30"), reason="Overcharged", by=personas.front_desk
    )
    with pytest.raises(ValidationError, match=r"At most £20\.00"):
        services.payment_refund(
            payment=payment, amount=Decimal("20.01"), reason="Again", by=personas.front_desk
        )
    services.payment_refund(
        payment=payment, amount=Decimal("20"), reason="All", by=personas.manager
    )
    assert services.amount_owed(ready) == Decimal("144.00")


def test_collection_is_refused_while_unpaid_without_an_exemption(personas, ready):
    with pytest.raises(TransitionRefused, match="Issue the invoice"):
        collect(ready, personas.front_desk)
    services.payment_take(
        works_order=ready, method=Method.CASH, amount=Decimal("100"), by=personas.front_desk
    )
    with pytest.raises(TransitionRefused, match=r"£44\.00 is owed"):
        collect(ready, personas.front_desk)
    services.payment_take(
        works_order=ready, method=Method.CASH, amount=Decimal("44"), by=personas.front_desk
    )
    collect(ready, personas.front_desk)
    assert ready.status == Status.COLLECTED


def test_a_manager_exempts_a_warranty_job_and_it_may_leave(personas, ready):
    with pytest.raises(ValidationError, match="Only a manager"):
        services.payment_exemption_grant(
            works_order=ready, kind="warranty", note="Comeback", by=personas.front_desk
        )
    services.payment_exemption_grant(
        works_order=ready, kind="goodwill", note="Long wait", by=personas.manager
    )
    collect(ready, personas.front_desk)
    assert ready.status == Status.COLLECTED


def test_it_shows_the_panel_and_takes_a_cash_payment_from_it(client_as, personas, ready):
    desk = client_as(personas.front_desk)
    panel = desk.get(reverse("billing_panel", args=[ready.number]), headers=HTMX)
    html = panel.content.decode()
    assert panel.status_code == 200 and "Take payment…" in html and "Credit note…" not in html
    response = desk.post(
        reverse("payment_take", args=[ready.number]),
        {"method": "cash", "amount": "144.00", "tendered": "160"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert "Paid in full" in html and "change £16.00" in html
    invoice_number = services.invoice_for(ready).number
    page = desk.get(reverse("invoice_page", args=[invoice_number]))
    assert page.status_code == 200
    assert f'Invoice <span class="font-monospace">{invoice_number}' in page.content.decode()
    assert "£144.00" in page.content.decode()


def test_it_refuses_more_than_is_owed_at_the_field(client_as, personas, ready):
    desk = client_as(personas.front_desk)
    response = desk.post(
        reverse("payment_take", args=[ready.number]),
        {"method": "cash", "amount": "999.00", "tendered": "1000"},
        headers=HTMX,
    )
    assert "Only £144.00 is owed" in response.content.decode()
    assert not Payment.objects.for_shop(personas.shop).exists()


def test_a_technician_may_not_take_payments_and_another_shop_gets_404(client_as, personas, ready):
    url = reverse("payment_take", args=[ready.number])
    data = {"method": "cash", "amount": "1.00"}
    assert client_as(personas.technician).post(url, data).status_code == 403
    assert client_as(personas.outsider).post(url, data).status_code == 404
    assert (
        client_as(personas.outsider).get(reverse("billing_panel", args=[ready.number])).status_code
        == 404
    )
    invoice = services.invoice_issue(works_order=ready, by=personas.front_desk)
    assert (
        client_as(personas.outsider).get(reverse("invoice_page", args=[invoice.number])).status_code
        == 404
    )
    payment = services.payment_take(
        works_order=ready, method=Method.CASH, amount=Decimal("10"), by=personas.front_desk
    )
    refund = reverse("payment_refund", args=[ready.number, payment.pk])
    assert (
        client_as(personas.outsider).post(refund, {"amount": "1", "reason": "x"}).status_code == 404
    )


def test_only_managers_grant_exemptions_and_credit_notes(client_as, personas, ready):
    services.invoice_issue(works_order=ready, by=personas.front_desk)
    desk = client_as(personas.front_desk)
    exempt = reverse("exemption_grant", args=[ready.number])
    credit = reverse("credit_note_issue", args=[ready.number])
    assert desk.post(exempt, {"kind": "warranty", "note": "x"}).status_code == 403
    assert desk.post(credit, {"amount": "1", "reason": "x"}).status_code == 403
    manager = client_as(personas.manager)
    assert (
        "Credit note…"
        in manager.get(reverse("billing_panel", args=[ready.number]), headers=HTMX).content.decode()
    )
    response = manager.post(credit, {"amount": "10.00", "reason": "Scratch"}, headers=HTMX)
    assert "Credit note CN-000001" in response.content.decode()


def test_the_works_order_page_asks_billing_nothing(
    client_as, personas, ready, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    desk = client_as(personas.front_desk)
    with CaptureQueriesContext(connection) as captured:
        page = desk.get(reverse("works_order_detail", args=[ready.number]))
    assert page.status_code == 200
    assert reverse("billing_panel", args=[ready.number]) in page.content.decode()
    assert not any("billing_" in q["sql"] for q in captured.captured_queries)
