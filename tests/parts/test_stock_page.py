"""The stock page: every part's figures at a branch, reorder rules edited in place, in a fixed
number of queries however many parts there are."""

import re

import pytest
from django.urls import reverse

from parts import services
from parts.models import StockLevel
from tests.factories import PartFactory, WorksOrderFactory

pytestmark = pytest.mark.django_db


def stocked(personas, count: int) -> None:
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    for _ in range(count):
        part = PartFactory(shop=personas.shop)
        services.stock_receive(part=part, branch=personas.branch, quantity=3, by=personas.manager)
        services.stock_reserve(
            part=part, branch=personas.branch, quantity=1, works_order=job, by=personas.manager
        )
        services.stock_level_set(
            part=part, branch=personas.branch, reorder_point=2, reorder_quantity=5
        )


def row_cells(html: str, part) -> list[str]:
    """The text of each cell of a part's row, as a person reads it."""
    row = html.split(f'id="stock-row-{part.pk}"')[1].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_it_shows_on_hand_reserved_and_available_at_the_chosen_branch(
    client_as, personas, screen, job
):
    services.stock_receive(part=screen, branch=personas.branch, quantity=4, by=personas.manager)
    services.stock_reserve(
        part=screen, branch=personas.branch, quantity=1, works_order=job, by=personas.manager
    )
    page = client_as(personas.technician).get(reverse("stock"), {"branch": "BHM"})
    assert page.status_code == 200
    cells = row_cells(page.content.decode(), screen)
    assert cells[0].startswith("iPhone 13 screen (OEM)")
    assert cells[1:5] == ["4", "1", "3", "–"]  # on hand, reserved, available, on order
    elsewhere = client_as(personas.technician).get(reverse("stock"), {"branch": "COV"})
    assert "Coventry" in elsewhere.content.decode()


def test_the_stock_page_costs_the_same_queries_for_3_parts_or_30(
    client_as, personas, django_assert_max_num_queries
):
    client = client_as(personas.manager)
    stocked(personas, 3)
    with django_assert_max_num_queries(9) as few:
        assert client.get(reverse("stock"), {"branch": "BHM"}).status_code == 200
    stocked(personas, 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("stock"), {"branch": "BHM"})
    assert page.content.decode().count('id="stock-row-') == 30


def test_a_search_by_barcode_and_the_low_filter_narrow_the_list(client_as, personas, screen):
    PartFactory(shop=personas.shop, name="Galaxy S23 battery")
    services.stock_level_set(
        part=screen, branch=personas.branch, reorder_point=1, reorder_quantity=3
    )
    client = client_as(personas.front_desk)
    found = client.get(reverse("stock"), {"branch": "BHM", "q": "5012345678900"})
    assert "iPhone 13 screen" in found.content.decode()
    assert "Galaxy S23" not in found.content.decode()
    low = client.get(
        reverse("stock"), {"branch": "BHM", "low": "1"}, headers={"HX-Request": "true"}
    )
    assert "iPhone 13 screen" in low.content.decode() and "Galaxy" not in low.content.decode()
    assert "<html" not in low.content.decode()  # the fragment only
    assert "HX-Request" in low["Vary"]


def test_a_manager_sets_the_reorder_rule_in_the_row(client_as, personas, screen):
    url = reverse("stock_level_edit", args=["BHM", screen.pk])
    data = {f"level-{screen.pk}-reorder_point": "2", f"level-{screen.pk}-reorder_quantity": "6"}
    row = client_as(personas.manager).post(url, data, headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert "Saved" in row.content.decode() and row.content.decode().lstrip().startswith("<tr")
    level = StockLevel.objects.for_shop(personas.shop).get(part=screen, branch=personas.branch)
    assert (level.reorder_point, level.reorder_quantity) == (2, 6)


def test_a_bad_reorder_figure_is_shown_in_the_row_and_nothing_saved(client_as, personas, screen):
    url = reverse("stock_level_edit", args=["BHM", screen.pk])
    data = {f"level-{screen.pk}-reorder_point": "-1", f"level-{screen.pk}-reorder_quantity": "x"}
    row = client_as(personas.manager).post(url, data, headers={"HX-Request": "true"})
    assert "Whole numbers, 0 or more." in row.content.decode()
    assert not StockLevel.objects.for_shop(personas.shop).filter(part=screen).exists()


@pytest.mark.parametrize("role", ["technician", "front_desk"])
def test_only_managers_change_reorder_rules(client_as, personas, screen, role):
    url = reverse("stock_level_edit", args=["BHM", screen.pk])
    answer = client_as(getattr(personas, role)).post(url, {})
    assert answer.status_code == 403


def test_the_low_stock_list_raises_drafts_in_one_click(client_as, personas, screen, supplies):
    services.stock_level_set(
        part=screen, branch=personas.branch, reorder_point=1, reorder_quantity=4
    )
    client = client_as(personas.manager)
    page = client.get(reverse("low_stock"), {"branch": "BHM"})
    assert "Mobile Parts Direct" in page.content.decode()
    assert "Create 1 draft purchase order" in page.content.decode()
    answer = client.post(reverse("low_stock_order", args=["BHM"]), follow=True)
    assert "Draft purchase order ready to check and send: PO-000001." in answer.content.decode()
    assert (
        client_as(personas.technician).post(reverse("low_stock_order", args=["BHM"])).status_code
        == 403
    )
