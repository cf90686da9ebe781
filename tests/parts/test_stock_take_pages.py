"""A stock take on screen: a manager starts it, anyone counts (scanner or typing), a manager
posts the differences."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from parts import services
from parts.models import StockTake, TakeStatus
from tests.parts.conftest import figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def take(personas, screen):
    services.stock_receive(part=screen, branch=personas.branch, quantity=3, by=personas.manager)
    return services.stock_take_start(branch=personas.branch, by=personas.manager)


def test_a_manager_starts_a_count_of_a_branch(client_as, personas, screen):
    services.stock_receive(part=screen, branch=personas.branch, quantity=3, by=personas.manager)
    answer = client_as(personas.manager).post(
        reverse("stock_take_start"), {"branch": personas.branch.pk}, follow=True
    )
    assert "Stock take #1 started at Birmingham" in answer.content.decode()
    assert StockTake.objects.for_shop(personas.shop).get().lines.get().expected == 3


def test_each_scan_counts_one_more_and_the_table_says_so(client_as, personas, take, screen):
    client = client_as(personas.technician)
    url = reverse("stock_take_scan", args=[take.number])
    for _ in range(2):
        fragment = client.post(url, {"code": "5012345678900"}, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert "iPhone 13 screen (OEM)</strong>: 2 counted." in html
    assert 'value="2"' in html and "−1" in html  # counted 2 of 3: one short
    assert "<html" not in html


def test_an_unknown_barcode_is_named_and_nothing_counted(client_as, personas, take):
    answer = client_as(personas.technician).post(
        reverse("stock_take_scan", args=[take.number]),
        {"code": "999"},
        headers={"HX-Request": "true"},
    )
    assert "No part has the barcode or part number “999”." in answer.content.decode()
    assert not take.lines.filter(counted__isnull=False).exists()


def test_a_typed_count_swaps_only_its_row_and_the_summary(client_as, personas, take, screen):
    answer = client_as(personas.front_desk).post(
        reverse("stock_take_count", args=[take.number, screen.pk]),
        {f"count-{screen.pk}-counted": "5"},
        headers={"HX-Request": "true"},
    )
    html = answer.content.decode().strip()
    assert html.startswith(f'<tr id="count-{screen.pk}"')
    assert "+2" in html and 'id="take-summary" hx-swap-oob="true"' in html


def test_a_manager_posts_the_differences_and_the_stock_follows(client_as, personas, take, screen):
    services.stock_take_count(stock_take=take, part=screen, counted=1, by=personas.technician)
    answer = client_as(personas.manager).post(
        reverse("stock_take_post", args=[take.number]), follow=True
    )
    assert "Stock take #1 posted: 1 adjustment to the ledger." in answer.content.decode()
    take.refresh_from_db()
    assert take.status == TakeStatus.POSTED
    assert figures(screen, personas.branch)[0] == 1


def test_counters_count_but_only_a_manager_starts_or_posts(client_as, personas, take):
    client = client_as(personas.technician)
    assert client.get(reverse("stock_take_detail", args=[take.number])).status_code == 200
    assert client.post(reverse("stock_take_start"), {}).status_code == 403
    assert client.post(reverse("stock_take_post", args=[take.number])).status_code == 403
    assert client.post(reverse("stock_take_cancel", args=[take.number])).status_code == 403


def test_the_trace_page_follows_a_serial(client_as, personas, battery, job):
    services.stock_receive(
        part=battery, branch=personas.branch, quantity=1, serials=["BAT-55"], by=personas.manager
    )
    services.works_order_use_part(
        works_order=job, code="IP13-BAT", unit_number="BAT-55", by=personas.technician
    )
    page = client_as(personas.front_desk).get(reverse("stock_trace"), {"q": "bat-55"})
    html = page.content.decode()
    # escaped: the made-up customer is sometimes an O'Neill
    assert "S/N BAT-55" in html and job.number in html and escape(job.customer.full_name) in html
    back = client_as(personas.front_desk).get(reverse("stock_trace"), {"q": job.number})
    assert "S/N BAT-55" in back.content.decode()
    nothing = client_as(personas.front_desk).get(reverse("stock_trace"), {"q": "NOPE"})
    assert "Nothing on file for “NOPE”" in nothing.content.decode()


def test_stock_reports_are_for_managers(client_as, personas, screen):
    services.stock_receive(part=screen, branch=personas.branch, quantity=2, by=personas.manager)
    page = client_as(personas.manager).get(reverse("stock_reports"))
    assert page.status_code == 200 and "£170.00" in page.content.decode()
    assert client_as(personas.technician).get(reverse("stock_reports")).status_code == 403
