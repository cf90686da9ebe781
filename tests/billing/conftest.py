from decimal import Decimal

import pytest

from tests.factories import WorksOrderFactory
from tickets.models import Status, WorksOrder
from tickets.services import ConsentData, LineData


def ready_job(personas, *, lines=None, final_price=None, branch=None) -> WorksOrder:
    """A job booked in through the real service and put straight at "ready" (the lifecycle is
    tickets' to test)."""
    works_order = WorksOrderFactory(
        branch=branch or personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
        lines=lines,
    )
    WorksOrder.objects.for_shop(works_order.shop_id).filter(pk=works_order.pk).update(
        status=Status.READY, final_price=final_price
    )
    works_order.refresh_from_db()
    return works_order


@pytest.fixture
def ready(personas) -> WorksOrder:
    """£100 net of screen, £20 of labour: £144.00 with VAT at 20%."""
    return ready_job(
        personas,
        lines=[
            LineData(description="iPhone 13 screen", unit_price=Decimal("100.00"), kind="part"),
            LineData(description="Fitting", unit_price=Decimal("20.00"), kind="labour"),
        ],
    )
