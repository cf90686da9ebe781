import datetime
from decimal import Decimal

import pytest

from recurring.services import ScheduleData, schedule_create
from tests.factories import CustomerFactory, DeviceFactory
from tickets.job_templates import job_template_save
from tickets.models import JobTemplate

MONDAY = datetime.date(2027, 1, 4)


@pytest.fixture
def fleet_check(personas):
    template = JobTemplate(
        shop=personas.shop,
        name="Quarterly tablet check",
        fault="Quarterly check under the maintenance contract",
        checklist=["Battery health", "Software up to date"],
    )
    line = {
        "kind": "labour",
        "description": "Check",
        "quantity": Decimal(1),
        "unit_price": Decimal("20.00"),
    }
    return job_template_save(template=template, lines=[line])


@pytest.fixture
def account(personas):
    return CustomerFactory(shop=personas.shop, full_name="Acme Logistics Ltd")


@pytest.fixture
def tablets(personas, account):
    return [
        DeviceFactory(shop=personas.shop, customer=account, make="Apple", model_name=f"iPad {n}")
        for n in (9, 10)
    ]


@pytest.fixture
def make_schedule(personas, account, tablets, fleet_check):
    def make(**changes):
        data = {
            "name": "Acme tablets: weekly check",
            "customer": account,
            "devices": tablets[:1],
            "branch": personas.branch,
            "template": fleet_check,
            "priority": "standard",
            "frequency": "weekly",
            "interval": 1,
            "starts_on": MONDAY,
            "ends_on": None,
            "lead_days": 3,
            **changes,
        }
        return schedule_create(data=ScheduleData(**data), by=personas.front_desk)

    return make
