"""Open repair data: closed works orders as an ORDS CSV, streamed, for managers only, with no
customer data in it."""

from __future__ import annotations

import csv
import datetime
import io
import zoneinfo

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from reports.ords import COLUMNS, scrub, year_of_manufacture
from tests.factories import CustomerFactory, DeviceFactory, WorksOrderFactory
from tickets.models import RepairBarrier, RepairOutcome, Status, WorksOrder
from tickets.services import works_order_cancel

pytestmark = pytest.mark.django_db

URL = reverse("ords_export")
LONDON = zoneinfo.ZoneInfo("Europe/London")
NOV = datetime.datetime(2026, 11, 10, 15, 0, tzinfo=LONDON)


def closed(personas, *, branch=None, by=None, customer=None, device=None, **fields) -> WorksOrder:
    branch = branch or personas.branch
    shop = branch.shop
    customer = customer or CustomerFactory(shop=shop, full_name="Jane Doe")
    works_order = WorksOrderFactory(
        branch=branch,
        by=by or personas.front_desk,
        customer=customer,
        device=device or DeviceFactory(shop=shop, customer=customer),
    )
    WorksOrder.objects.for_shop(shop).filter(pk=works_order.pk).update(**fields)
    works_order.refresh_from_db()
    return works_order


def read(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0].split(",") == COLUMNS
    return rows


def november(**params) -> dict:
    return {"start": "2026-11-01", "end": "2026-11-30", **params}


@pytest.fixture
def repairs(personas):
    customer = CustomerFactory(
        shop=personas.shop, full_name="Jane Doe", phone="+447700900123", email="jane@example.net"
    )
    laptop = DeviceFactory(
        shop=personas.shop,
        customer=customer,
        category="laptop",
        make="Apple",
        model_name="MacBook Air 13-inch (M1, 2020)",
        imei="",
        serial="C02XK1ABCD12",
    )
    return {
        "fixed": closed(
            personas,
            customer=customer,
            device=laptop,
            status=Status.COLLECTED,
            collected_at=NOV,
            collected_by_name="John Doe",
            fault_reported=(
                "Jane says it won't charge. Call Jane Doe on 07911 123456 or "
                "jane@example.net; her husband John collects. IMEI 356938035643809."
            ),
            diagnosis="Charging port corroded; replaced. Error 4013 gone.",
        ),
        "end_of_life": closed(
            personas,
            status=Status.CANCELLED,
            cancelled_at=NOV,
            repair_outcome=RepairOutcome.END_OF_LIFE,
            repair_barrier=RepairBarrier.PARTS_NOT_AVAILABLE,
            fault_reported="Dead after water damage",
        ),
        "repairable": closed(
            personas,
            branch=personas.other_branch,
            status=Status.CANCELLED,
            cancelled_at=NOV,
            repair_outcome=RepairOutcome.REPAIRABLE,
            fault_reported="Screen flickers",
        ),
        # Not in the file: cancelled without saying, still open, or closed outside the period.
        "cancelled_unjudged": closed(personas, status=Status.CANCELLED, cancelled_at=NOV),
        "open": closed(personas, status=Status.IN_PROGRESS),
        "october": closed(
            personas, status=Status.COLLECTED, collected_at=NOV - datetime.timedelta(days=30)
        ),
        "other_shop": closed(
            personas,
            branch=personas.outsider.branches.first(),
            by=personas.outsider,
            status=Status.COLLECTED,
            collected_at=NOV,
        ),
    }


def test_it_exports_closed_works_orders_in_the_ords_columns(client_as, personas, repairs):
    response = client_as(personas.manager).get(URL, november())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "fix-corner-open-repair-data-20261101-20261130.csv" in response["Content-Disposition"]
    rows = {row["id"]: row for row in read(response)}
    number = {name: f"fix-corner-{job.number}" for name, job in repairs.items()}
    assert set(rows) == {number["fixed"], number["end_of_life"], number["repairable"]}

    fixed = rows[number["fixed"]]
    assert fixed == {
        "id": number["fixed"],
        "data_provider": "Fix Corner Repairs",
        "country": "GBR",
        "partner_product_category": "Laptop ~ MacBook Air 13-inch (M1, 2020)",
        "product_category": "Laptop",
        "product_category_id": "16",
        "brand": "Apple",
        "year_of_manufacture": "2020",
        "product_age": "6",
        "repair_status": "Fixed",
        "repair_barrier_if_end_of_life": "",
        "group_identifier": "BHM",
        "event_date": "2026-11-10",
        "problem": (
            "[name] says it won't charge. Call [name] on [phone] or [email]; her husband [name] "
            "collects. IMEI [number]."
        ),
        "notes": "Diagnosis: Charging port corroded; replaced. Error 4013 gone.",
    }
    end_of_life = rows[number["end_of_life"]]
    assert (end_of_life["repair_status"], end_of_life["repair_barrier_if_end_of_life"]) == (
        "End of life",
        "Spare parts not available",
    )
    assert (end_of_life["product_category"], end_of_life["product_category_id"]) == ("Mobile", "19")
    assert (end_of_life["year_of_manufacture"], end_of_life["product_age"]) == ("", "")
    repairable = rows[number["repairable"]]
    assert (repairable["repair_status"], repairable["group_identifier"]) == ("Repairable", "COV")
    assert repairable["repair_barrier_if_end_of_life"] == ""


def test_no_customer_data_is_in_the_file(client_as, personas, repairs):
    text = b"".join(client_as(personas.owner).get(URL, november()).streaming_content).decode()
    for customer_data in (
        "Jane", "Doe", "John", "07911", "123456", "+447911123456", "jane@example.net",
        "356938035643809", "C02XK1ABCD12", "Midnight",
    ):  # fmt: skip
        assert customer_data.lower() not in text.lower(), customer_data
    for other_shop in ("Gadget Hospital", "GHX"):
        assert other_shop not in text


def test_one_branch_only(client_as, personas, repairs):
    rows = read(client_as(personas.manager).get(URL, november(branch="COV")))
    assert [row["id"] for row in rows] == [f"fix-corner-{repairs['repairable'].number}"]


def test_an_empty_period_is_the_header_alone(client_as, personas, repairs):
    rows = read(client_as(personas.manager).get(URL, {"start": "2025-01-01", "end": "2025-01-31"}))
    assert rows == []


def test_another_shops_manager_sees_only_their_own(client_as, personas, repairs):
    rows = read(client_as(personas.outsider).get(URL, november()))
    assert [row["id"] for row in rows] == [f"gadget-hospital-{repairs['other_shop'].number}"]
    # Our branch codes are not theirs to choose: the choice is refused, nothing exported.
    response = client_as(personas.outsider).get(URL, november(branch="BHM"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("who", ["technician", "front_desk"])
def test_technicians_and_the_counter_may_not_export(client_as, personas, repairs, who):
    assert client_as(getattr(personas, who)).get(URL, november()).status_code == 403


def test_the_page_without_choices_offers_the_form_and_bad_periods_say_why(client_as, personas):
    client = client_as(personas.manager)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Download CSV" in page.content.decode()
    backwards = client.get(URL, {"start": "2026-11-30", "end": "2026-11-01"})
    assert "The last day is before the first." in backwards.content.decode()
    too_long = client.get(URL, {"start": "2024-01-01", "end": "2026-11-01"})
    assert "Choose a period of a year or less." in too_long.content.decode()


def test_reports_link_to_it(client_as, personas):
    assert URL in client_as(personas.manager).get(reverse("reports")).content.decode()


def test_cancelling_records_whether_it_could_be_repaired(client_as, personas):
    job = closed(personas, status=Status.INTAKE)
    response = client_as(personas.front_desk).post(
        reverse("works_order_cancel", args=[job.number]),
        {
            "cancel-reason": "Board dead, no parts",
            "cancel-outcome": "end_of_life",
            "cancel-barrier": "parts_not_available",
        },
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.repair_outcome, job.repair_barrier) == (
        Status.CANCELLED,
        "end_of_life",
        "parts_not_available",
    )


def test_a_barrier_is_kept_only_for_end_of_life(personas):
    job = closed(personas, status=Status.INTAKE)
    works_order_cancel(
        works_order=job,
        reason="Customer will get it done elsewhere",
        by=personas.front_desk,
        outcome=RepairOutcome.REPAIRABLE,
        barrier=RepairBarrier.PARTS_TOO_EXPENSIVE,
    )
    job.refresh_from_db()
    assert (job.repair_outcome, job.repair_barrier) == ("repairable", "")


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("Ring me on +44 7911 123456 please", "Ring me on [phone] please"),
        ("mobile 07911123456, landline 0121 496 0000", "mobile [phone], landline [phone]"),
        ("email JANE.DOE+repairs@Example.co.uk", "email [email]"),
        ("serial 123-456-789 noted", "serial [number] noted"),
        ("Dropped by jane doe's son", "Dropped by [name]'s son"),
        ("Error 4013, iOS 17.2, 128 GB", "Error 4013, iOS 17.2, 128 GB"),
        ("No screen\x00 image", "No screen\x00 image"),
        ("", ""),
    ],
)
def test_scrub(text, scrubbed):
    assert scrub(text, names=["Jane Doe"]) == scrubbed


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("MacBook Pro 14-inch (2021)", 2021),
        ("MacBook Air 13-inch (M1, 2020)", 2020),
        ("Galaxy S20", None),
        ("iPhone 13", None),
        ("Model 2099", None),  # not a year it could have been made by then
    ],
)
def test_year_of_manufacture_where_the_name_says(name, year):
    assert year_of_manufacture(name, 2026) == year
