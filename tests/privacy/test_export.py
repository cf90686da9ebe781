"""Exporting everything about one customer: a zip of JSON and files, recorded, managers only."""

import io
import json
import zipfile

import pytest

from privacy.models import Action, PrivacyRecord
from tests.privacy.conftest import EMAIL, NAME, PHONE, customer_with_history


def export(client, customer):
    return client.post(f"/customers/{customer.pk}/export/")


def unzip(response) -> tuple[zipfile.ZipFile, dict]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return archive, json.loads(archive.read("customer.json"))


@pytest.fixture
def history(personas):
    return customer_with_history(personas)


def test_it_exports_everything_held_about_the_customer(personas, client_as, history):
    response = export(client_as(personas.manager), history.customer)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive, data = unzip(response)
    assert data["customer"]["full_name"] == NAME
    assert data["customer"]["phone"] == PHONE
    assert data["customer"]["email"] == EMAIL
    assert len(data["devices"]) == 1
    [job] = data["works_orders"]
    assert job["number"] == history.closed.number
    assert [line["description"] for line in job["lines"]] == ["Screen replacement"]
    assert job["consent"]["signed_name"] == NAME
    assert job["passcode_held"] is True
    assert "passcode_secret" not in job and "status_token_hash" not in job
    assert [u["text"] for u in job["updates_for_customer"]] == [
        f"Hi {NAME}, the screen is on order."
    ]
    assert not any("Rang" in u["text"] for u in job["updates_for_customer"])  # internal notes
    assert job["approvals"][0]["evidence"]["ip"] == "203.0.113.77"
    assert {m["channel"] for m in data["messages_sent"]} >= {"sms", "email"}
    assert data["messages_received"][0]["body"] == f"Thanks! {NAME}"
    [invoice] = data["invoices_and_credit_notes"]
    assert invoice["number"] == history.invoice.number
    assert invoice["gross"] == str(history.invoice.gross)
    assert invoice["lines"]
    assert data["payments"] and data["payments"][0]["amount"] == str(history.invoice.gross)
    names = set(archive.namelist())
    assert job["consent"]["signature_file"] in names
    assert job["collection_signature_file"] in names
    assert job["photos"][0]["file"] in names
    assert archive.read(invoice["pdf_file"]).startswith(b"%PDF")
    assert archive.read(job["photos"][0]["file"])[:2] == b"\xff\xd8"  # a JPEG
    assert archive.read(job["consent"]["signature_file"]).startswith(b"\x89PNG")


def test_it_records_who_exported_and_when(personas, client_as, history):
    export(client_as(personas.owner), history.customer)
    record = PrivacyRecord.objects.for_shop(personas.shop).get()
    assert (record.action, record.by, record.customer) == (
        Action.EXPORT,
        personas.owner,
        history.customer,
    )
    assert record.summary["works_orders"] == 1 and record.summary["invoices"] == 1
    assert NAME not in json.dumps(record.summary)
    page = client_as(personas.owner).get(f"/customers/{history.customer.pk}/")
    assert "Exported by Priya Shah" in page.content.decode()


def test_it_holds_nothing_of_another_customer_or_shop(personas, client_as, history):
    other = customer_with_history(
        personas, name="Ottoline Brackenbury", phone="+447700900111", email="otto@example.net", n=2
    )
    elsewhere = customer_with_history(
        personas,
        name="Hamish Elsewhere",
        phone="+447700900222",
        email="hamish@example.net",
        branch=personas.outsider.branches.first(),
        by=personas.outsider,
        n=3,
    )
    archive, data = unzip(export(client_as(personas.manager), history.customer))
    everything = json.dumps(data)
    job_ids = {job["id"] for job in data["works_orders"]}
    invoice_ids = {doc["id"] for doc in data["invoices_and_credit_notes"]}
    for stranger in (other, elsewhere):
        assert stranger.customer.full_name not in everything
        assert stranger.customer.phone not in everything
        assert stranger.customer.email not in everything
        assert stranger.closed.pk not in job_ids
        assert stranger.invoice.pk not in invoice_ids
    assert job_ids == {history.closed.pk}
    assert {m["works_order_id"] for m in data["messages_sent"]} == job_ids
    assert {p["works_order_id"] for p in data["payments"]} == job_ids
    assert len(data["works_orders"]) == 1
    assert {m["customer_id"] for m in data["messages_sent"]} == {history.customer.pk}
    assert len(data["invoices_and_credit_notes"]) == 1
    assert len([n for n in archive.namelist() if n.startswith("photos/")]) == 1


def test_other_shops_managers_get_404(personas, client_as, history):
    assert export(client_as(personas.outsider), history.customer).status_code == 404


@pytest.mark.parametrize("role", ["front_desk", "technician"])
def test_only_managers_and_owners_may_export(personas, client_as, history, role):
    response = export(client_as(getattr(personas, role)), history.customer)
    assert response.status_code == 403
    assert not PrivacyRecord.objects.for_shop(personas.shop).exists()


def test_the_customer_page_offers_export_and_erase_to_managers_only(personas, client_as, history):
    url = f"/customers/{history.customer.pk}/"
    page = client_as(personas.manager).get(url).content.decode()
    assert "Export their data" in page and "Erase customer" in page
    page = client_as(personas.front_desk).get(url).content.decode()
    assert "Export their data" not in page and "Erase customer" not in page
