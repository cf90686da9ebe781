"""A real Celery worker renders an issued invoice's PDFs and the customer's email goes out
through the outbox with the link to them."""

import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse

from billing.models import DocumentPdf
from config.celery import app as celery_app
from notifications.models import Message, State
from tests.billing.conftest import ready_job
from tickets.services import LineData

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_it_renders_in_the_worker_and_emails_the_link_once(personas, client_as):
    works_order = ready_job(
        personas, lines=[LineData(description="Battery", unit_price=Decimal("40.00"))]
    )
    works_order.customer.email = "dee@example.com"
    works_order.customer.save()
    stored = DocumentPdf.objects.for_shop(personas.shop)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        client = client_as(personas.front_desk)
        response = client.post(reverse("invoice_issue", args=[works_order.number]))
        assert response.status_code == 302
        wait_for(lambda: stored.count() == 2, "the worker to store the A4 and roll PDFs")
        message = Message.objects.for_shop(personas.shop).filter(key__startswith="documents:")
        wait_for(lambda: message.filter(state=State.SENT).exists(), "the email to leave the outbox")
    invoice = stored.first().invoice
    assert {pdf.format for pdf in stored} == {"a4", "roll"}
    assert all(pdf.version == 1 and pdf.render_ms > 0 for pdf in stored)
    sent = [m for m in mail.outbox if invoice.number in m.subject]
    assert len(sent) == 1
    link = reverse("status_document", args=[works_order.status_token, invoice.number])
    assert link in sent[0].body
    # The link serves what the worker stored: no render, no new row.
    assert client_as(personas.front_desk).get(link).status_code == 200
    assert stored.count() == 2
