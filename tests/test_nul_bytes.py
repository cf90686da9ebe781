"""A NUL byte typed, scanned or pasted into a search box or a filter, or put in a URL, never
gives a server error: the search says why it found nothing, a filter is ignored, a URL is 404."""

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory, WorksOrderFactory
from tickets.models import Status, WorksOrder

pytestmark = pytest.mark.django_db
SAID = "This has a NUL character in it"


@pytest.fixture
def job(personas):
    CustomerFactory(shop=personas.shop, full_name="Dee Whitfield")
    return WorksOrderFactory(branch=personas.branch, by=personas.front_desk)


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("search", {"q": "Dee\x00"}),
        ("customers", {"q": "Dee\x00"}),
        ("customer_lookup", {"q": "Dee\x00"}),
        ("stock", {"q": "screen\x00"}),
        ("parts", {"q": "screen\x00"}),
        ("stock_trace", {"q": "SN\x00123"}),
        ("device_lookup", {"serial": "C02\x00XYZ"}),
        ("audit", {"works_order": "WO\x00-000001"}),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_search_with_a_nul_byte_finds_nothing_and_says_why(
    client_as, personas, job, url_name, params, htmx
):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client_as(personas.manager).get(reverse(url_name), params, headers=headers)
    assert response.status_code == 200
    page = response.content.decode()
    assert SAID in page
    assert "Dee Whitfield" not in page


def test_the_search_box_shows_what_was_typed_less_the_nul(client_as, personas, job):
    page = client_as(personas.manager).get(reverse("customers"), {"q": "Dee\x00"}).content
    assert b'value="Dee"' in page and b"\x00" not in page


@pytest.mark.parametrize(
    "params",
    [
        {"repair_type": "1\x00"},
        {"ready_from": "2026-01-01\x00"},
        {"started_to": "\x00"},
        {"repair_type": "9" * 400},
    ],
)
def test_the_lists_report_filters_with_bad_input_show_the_list(client_as, personas, job, params):
    response = client_as(personas.manager).get(reverse("works_orders"), params)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [{"branch": "BHM\x00"}, {"period": "custom\x00"}, {"export": "volume\x00"}],
)
def test_the_dashboard_with_a_nul_byte_shows_figures_or_not_found(client_as, personas, job, params):
    response = client_as(personas.manager).get(reverse("kpi_dashboard"), params)
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("url_name", ["board", "board_changed", "stock", "low_stock"])
def test_a_branch_filter_with_a_nul_byte_shows_your_own_branch(client_as, personas, job, url_name):
    response = client_as(personas.technician).get(reverse(url_name), {"branch": "BHM\x00"})
    assert response.status_code == 200


def test_a_nul_byte_in_the_open_repair_data_filters_exports_nothing_and_says_why(
    client_as, personas, job
):
    params = {"start": "2026-01-01\x00", "end": "2026-01-31", "branch": "BHM\x00"}
    response = client_as(personas.manager).get(reverse("ords_export"), params)
    assert response.status_code == 200
    assert "Nothing was exported" in response.content.decode()


def test_a_nul_byte_in_a_url_or_a_posted_number_is_not_found(client_as, personas, job):
    client = client_as(personas.manager)
    assert client.get(f"/works-orders/{job.number}%00/").status_code == 404
    assert client.get("/settings/branches/BHM%00/").status_code == 404
    moved = client.post(reverse("board_move"), {"number": job.number + "\x00", "step": "assign"})
    assert moved.status_code == 404
    assert WorksOrder.objects.for_shop(personas.shop).get().status == Status.INTAKE


def test_a_nul_byte_in_the_erasure_confirmation_or_a_retention_period_says_why(
    client_as, personas, job
):
    from customers.models import Customer

    customer = CustomerFactory(shop=personas.shop)  # no open job: the form is read
    client = client_as(personas.manager)
    erased = client.post(
        reverse("customer_erase", args=[customer.pk]), {"confirm_name": customer.full_name + "\x00"}
    )
    assert erased.status_code == 400
    assert "Null characters are not allowed" in erased.content.decode()
    assert Customer.objects.for_shop(personas.shop).get(pk=customer.pk).full_name == (
        customer.full_name
    )
    kept = client.post(reverse("retention_settings"), {"message_retention_months": "1\x00"})
    assert kept.status_code == 200
    assert "Enter a whole number from 1 to 120." in kept.content.decode()


@pytest.mark.parametrize("url_name", ["login", "password_reset"])
def test_a_nul_byte_in_an_email_on_sign_in_or_reset_is_refused_with_a_message(
    client, personas, url_name
):
    data = {"username": "desk\x00@example.com", "password": "x", "email": "desk\x00@example.com"}
    response = client.post(reverse(url_name), data)
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()


def test_a_nul_byte_in_the_api_key_or_webhook_forms_or_log_filter_says_why(client_as, personas):
    client = client_as(personas.manager)
    made = client.post(reverse("api_keys"), {"name": "Sync\x00", "scope": "read"})
    assert made.status_code == 422 and b"NUL" in made.content
    hook = client.post(
        reverse("webhooks"),
        {"url": "https://shop.example/\x00", "topics": ["invoice.issued"], "description": "\x00"},
    )
    assert hook.status_code == 422
    assert client.get(reverse("webhook_log"), {"before": "1\x00"}).status_code == 200


def test_a_nul_byte_anywhere_in_an_api_request_is_refused_with_a_field(personas, client):
    from api.services import api_key_create

    _, key = api_key_create(by=personas.manager, name="Sync", scope="write")
    auth = {"Authorization": f"Bearer {key}"}
    for path, params in [
        ("/api/v1/customers", {"q": "Dee\x00"}),
        ("/api/v1/works-orders", {"branch": "\x00"}),
        ("/api/v1/devices/lookup", {"serial": "C02\x00XYZ"}),
        ("/api/v1/stock", {"branch": "BHM\x00"}),
    ]:
        answer = client.get(path, params, headers=auth)
        assert answer.status_code == 422, path
        assert "NUL" in answer.json()["errors"][0]["message"]
    bad_key = {"Authorization": f"Bearer {key}\x00"}
    assert client.get("/api/v1/customers", headers=bad_key).status_code == 401
