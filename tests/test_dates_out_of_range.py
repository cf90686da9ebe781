"""A date the calendar cannot count past (year 1, 9999) in a report's filter is refused at the
field, and the report shows its usual period instead of a server error."""

import pytest
from django.urls import reverse

from tests.factories import WorksOrderFactory

pytestmark = pytest.mark.django_db
SAID = "Enter a date from 1 January 2000 to 31 December 2099."


@pytest.mark.parametrize(
    ("url_name", "params", "field"),
    [
        ("works_orders", {"booked_to": "9999-12-31"}, "booked_to"),
        ("works_orders", {"booked_from": "0001-01-01"}, "booked_from"),
        ("works_orders", {"ready_from": "0001-01-01"}, "ready_from"),
        ("works_orders", {"started_to": "9999-12-31"}, "started_to"),
        (
            "kpi_dashboard",
            {"period": "custom", "start": "0001-01-01", "end": "2026-01-01"},
            "start",
        ),
        ("stock_reports", {"end": "9999-12-31"}, "end"),
        ("stock_reports", {"start": "0001-01-01", "end": "0001-01-01"}, "start"),
        ("accounting_export", {"start": "0001-01-01", "end": "2026-01-01"}, "start"),
        ("ords_export", {"start": "2026-01-01", "end": "9999-12-31"}, "end"),
        ("till_report", {"branch": "BHM", "day": "9999-12-31"}, "day"),
        ("audit", {"date_to": "9999-12-31"}, "date_to"),
        ("audit", {"date_from": "0001-01-01"}, "date_from"),
    ],
)
def test_a_report_filter_out_of_range_is_refused_at_the_field(
    client_as, personas, url_name, params, field
):
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    response = client_as(personas.manager).get(reverse(url_name), params)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}_error">{SAID}' in page


def test_an_impossible_day_is_refused_too(client_as, personas):
    response = client_as(personas.manager).get(reverse("stock_reports"), {"end": "2026-02-30"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_the_api_refuses_impossible_cursors_and_limits_with_a_message(personas, client):
    from api.services import api_key_create

    _, key = api_key_create(by=personas.manager, name="Sync", scope="read")
    auth = {"Authorization": f"Bearer {key}"}
    for params in ({"cursor": "0"}, {"cursor": str(2**63)}, {"limit": "1000"}, {"limit": "1e9"}):
        answer = client.get("/api/v1/works-orders", params, headers=auth)
        assert answer.status_code == 422, params
        assert answer.json()["errors"][0]["field"] in ("cursor", "limit")
