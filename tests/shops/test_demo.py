"""`make run` loads the demo shop: staff who can sign in, and a board with work on it."""

import pytest
from django.core.management import call_command

from parts.models import OrderStatus, Part, PurchaseOrder, Supplier
from parts.selectors import stock_value_by_branch
from shops.models import Shop
from tickets.models import Status, WorksOrder

pytestmark = pytest.mark.django_db


def test_the_demo_shop_comes_with_jobs_on_the_board_and_loads_once(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    assert "desk@fixcorner.example" in capsys.readouterr().out
    shop = Shop.objects.get(slug="fix-corner")
    jobs = WorksOrder.objects.for_shop(shop)
    assert jobs.count() == 90
    open_jobs = jobs.exclude(status__in=[Status.COLLECTED, Status.CANCELLED])
    assert open_jobs.filter(branch__code="BHM").exists()
    assert set(open_jobs.values_list("status", flat=True)) >= {Status.INTAKE, Status.IN_PROGRESS}

    call_command("seed_demo")
    assert "Kept demo shop" in capsys.readouterr().out
    assert jobs.count() == 90
    assert Supplier.objects.for_shop(shop).count() == 3  # loaded once too


def test_the_demo_shop_has_a_stocked_catalogue_and_orders_in_every_state(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    shop = Shop.objects.get(slug="fix-corner")
    assert Part.objects.for_shop(shop).count() >= 30
    assert all(value.units > 0 for value in stock_value_by_branch(shop))
    states = set(PurchaseOrder.objects.for_shop(shop).values_list("status", flat=True))
    assert states >= {
        OrderStatus.DRAFT,
        OrderStatus.SENT,
        OrderStatus.PARTLY_RECEIVED,
        OrderStatus.RECEIVED,
    }
