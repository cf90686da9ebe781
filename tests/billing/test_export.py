"""The accounting export: each layout read back with the csv module adds up to the invoices,
credit notes and payments of the period; a bad period says why and downloads nothing."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services, vat
from billing.export import LAYOUTS, QUICKBOOKS_COLUMNS, XERO_COLUMNS
from billing.models import Method
from tests.billing.conftest import ready_job
from tests.factories import CustomerFactory
from tickets.services import LineData


@pytest.fixture
def books(personas, ready):
    """Two invoices (one at two VAT rates), a credit note, payments in cash and by card, a
    refund."""
    desk, manager = personas.front_desk, personas.manager
    first = services.invoice_issue(works_order=ready, by=desk)  # £144.00
    mixed = ready_job(
        personas,
        lines=[
            LineData(description="Tempered glass", unit_price=Decimal("8.33"), quantity=Decimal(3)),
            LineData(description="Child car seat charger", unit_price=Decimal("10.00"),
                     vat_rate=Decimal("5")),
        ],
    )  # fmt: skip
    second = services.invoice_issue(works_order=mixed, by=desk)
    note = services.credit_note_issue(
        invoice=first, amount=Decimal("14.40"), reason="Goodwill", by=manager
    )
    cash = services.payment_take(
        works_order=ready, method=Method.CASH, amount=Decimal("100.00"),
        tendered=Decimal("120.00"), by=desk,
    )  # fmt: skip
    services.payment_take(
        works_order=mixed, method=Method.CARD_TERMINAL, amount=second.gross, by=desk
    )
    services.payment_refund(payment=cash, amount=Decimal("5.00"), reason="Overcharged", by=desk)
    return {"invoices": [first, second], "notes": [note]}


def download(client, layout: str, **period) -> list[dict]:
    today = timezone.localdate().isoformat()
    params = {"start": today, "end": today, "layout": layout, **period}
    response = client.get(reverse("accounting_export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def money(text: str) -> Decimal:
    return Decimal(text)


def test_xero_invoices_add_up_to_the_invoices(client_as, personas, books):
    rows = download(client_as(personas.manager), "xero_invoices")
    assert list(rows[0]) == XERO_COLUMNS
    totals: dict[str, Decimal] = {}
    for row in rows:
        net = vat.money(money(row["*Quantity"]) * money(row["*UnitAmount"]))
        totals[row["*InvoiceNumber"]] = (
            totals.get(row["*InvoiceNumber"], Decimal(0)) + net + money(row["TaxAmount"])
        )
        assert row["*AccountCode"] == "200" and row["Currency"] == "GBP"
    assert totals == {i.number: i.gross for i in books["invoices"]}
    assert sum(totals.values()) == sum(i.gross for i in books["invoices"])
    rates = {row["*TaxType"] for row in rows}
    assert rates == {"No VAT"} or rates <= {"20% (VAT on Income)", "5% (VAT on Income)"}


def test_quickbooks_invoices_add_up_to_the_invoices(client_as, personas, books):
    rows = download(client_as(personas.manager), "quickbooks_invoices")
    assert list(rows[0]) == QUICKBOOKS_COLUMNS
    totals: dict[str, Decimal] = {}
    for row in rows:
        line = money(row["ItemAmount"]) + money(row["ItemTaxAmount"])
        totals[row["InvoiceNo"]] = totals.get(row["InvoiceNo"], Decimal(0)) + line
        assert vat.money(money(row["ItemQuantity"]) * money(row["ItemRate"])) == money(
            row["ItemAmount"]
        )
    assert totals == {i.number: i.gross for i in books["invoices"]}


def test_credit_notes_come_in_both_layouts_and_add_up(client_as, personas, books):
    client = client_as(personas.manager)
    [note] = books["notes"]
    xero = download(client, "xero_credit_notes")
    assert {row["*CreditNoteNumber"] for row in xero} == {note.number}
    assert "*InvoiceNumber" not in xero[0] and "*DueDate" not in xero[0]
    xero_total = sum(
        vat.money(money(r["*Quantity"]) * money(r["*UnitAmount"])) + money(r["TaxAmount"])
        for r in xero
    )
    assert xero_total == note.gross == Decimal("14.40")
    quickbooks = download(client, "quickbooks_credit_notes")
    qb_total = sum(money(r["ItemAmount"]) + money(r["ItemTaxAmount"]) for r in quickbooks)
    assert qb_total == note.gross
    assert books["invoices"][0].number in quickbooks[0]["Memo"]


def test_payments_and_refunds_add_up_to_what_was_kept(client_as, personas, books):
    rows = download(client_as(personas.manager), "payments")
    assert [r["Amount"] for r in rows] == ["100.00", f"{books['invoices'][1].gross:.2f}", "-5.00"]
    assert sum(money(r["Amount"]) for r in rows) == Decimal("95.00") + books["invoices"][1].gross
    assert rows[0]["InvoiceNumber"] == books["invoices"][0].number
    assert rows[2]["Description"].startswith("Refund") and rows[0]["Method"] == "Cash"


def test_a_period_without_documents_is_just_the_header(client_as, personas, books):
    rows = download(
        client_as(personas.manager), "xero_invoices", start="2020-01-01", end="2020-12-31"
    )
    assert rows == []


def test_another_shops_documents_are_never_exported(client_as, personas, books):
    for layout in LAYOUTS:
        rows = download(client_as(personas.outsider), layout)
        assert rows == [], layout


def test_a_cell_a_spreadsheet_would_run_is_quoted(client_as, personas):
    customer = CustomerFactory(shop=personas.shop, full_name='=HYPERLINK("http://x.example")')
    works_order = ready_job(personas)
    type(works_order).objects.for_shop(personas.shop).filter(pk=works_order.pk).update(
        customer=customer
    )
    works_order.refresh_from_db()
    services.invoice_issue(works_order=works_order, by=personas.front_desk)
    rows = download(client_as(personas.manager), "xero_invoices")
    assert rows[0]["*ContactName"].startswith("'=")


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "The last day is before the first."),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "Choose a period of a year or less."),
        ({"start": "0001-01-01", "end": "2026-01-01"}, "Enter a date from 1 January 2000"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, "Enter a valid date."),
        ({"start": "2026-01-01\x00", "end": "2026-03-01"}, ""),
        ({"start": "2026-01-01", "end": "2026-03-01", "layout": "sage"}, "Select a valid choice"),
    ],
)
def test_a_bad_period_says_why_and_exports_nothing(client_as, personas, books, params, said):
    response = client_as(personas.manager).get(
        reverse("accounting_export"), {"layout": "xero_invoices", **params}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Nothing was exported" in page and said in page


def test_the_export_is_for_managers(client_as, personas):
    for member in (personas.front_desk, personas.technician):
        assert client_as(member).get(reverse("accounting_export")).status_code == 403
    page = client_as(personas.owner).get(reverse("accounting_export"))
    assert page.status_code == 200 and b"Download CSV" in page.content
    index = client_as(personas.manager).get(reverse("reports")).content.decode()
    assert reverse("accounting_export") in index and reverse("till_report") in index
