"""What the API reads and writes: pydantic schemas, with the bounds the forms use."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def Text(max_length: int, min_length: int = 0):
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length, min_length=min_length),
        AfterValidator(_no_nul),
    ]


# Ids the database can hold (a bigint column; a bigger number is simply not found).
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Limit = Annotated[int, Field(ge=1, le=100)]


class Error(Schema):
    field: str | None = None
    message: str


class Errors(Schema):
    errors: list[Error]


# Customers ------------------------------------------------------------------------------


class CustomerOut(Schema):
    id: int
    full_name: str
    phone: str
    email: str
    preferred_contact: str
    customer_type: str
    company_name: str
    address: str
    marketing_consent: bool
    created_at: datetime.datetime


class CustomerIn(Schema):
    full_name: Text(150, 1)
    phone: Text(30) = ""
    email: Text(254) = ""
    preferred_contact: Literal["sms", "email", "phone"] = "sms"
    customer_type: Literal["walk_in", "business", "warranty"] = "walk_in"
    company_name: Text(150) = ""
    address: Text(1000) = ""
    marketing_consent: bool = False


class CustomerPage(Schema):
    items: list[CustomerOut]
    next: str | None = None


# Devices --------------------------------------------------------------------------------


class DeviceOut(Schema):
    id: int
    customer_id: int
    category: str
    make: str
    model_name: str
    colour: str
    storage: str
    imei: str
    serial: str
    created_at: datetime.datetime


class DeviceFields(Schema):
    imei: Text(40) = ""
    serial: Text(40) = ""
    category: Literal["", "phone", "tablet", "laptop", "console", "watch", "other"] = ""
    make: Text(60) = ""
    model_name: Text(120) = ""
    colour: Text(40) = ""
    storage: Text(20) = ""


class DeviceIn(DeviceFields):
    customer_id: Id


# Works orders ---------------------------------------------------------------------------


class LineOut(Schema):
    position: int
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal


class TimelineOut(Schema):
    at: datetime.datetime
    event: str
    text: str
    by: str


class WorksOrderOut(Schema):
    number: str
    status: str
    branch: str
    customer_id: int
    device_id: int
    priority: str
    fault_reported: str
    assigned_to: str | None
    created_at: datetime.datetime
    status_since: datetime.datetime
    sla_due_at: datetime.datetime | None
    agreed_gross: Decimal | None
    final_price: Decimal | None


class WorksOrderDetail(WorksOrderOut):
    lines: list[LineOut]
    timeline: list[TimelineOut]


class WorksOrderPage(Schema):
    items: list[WorksOrderOut]
    next: str | None = None


class WorksOrderIn(Schema):
    branch: Text(10, 1)
    customer_id: Id | None = None
    new_customer: CustomerIn | None = None
    device: DeviceFields
    fault_reported: Text(5000, 1)
    priority: Literal["standard", "urgent", "vip", "warranty"] = "standard"
    # Pricebook options quoted (their lines become the quote); the customer's consent to it is
    # given at the counter, so the job waits in intake for that.
    option_ids: Annotated[list[Id], Field(max_length=10)] = []


class QcResult(Schema):
    ok: bool
    note: Text(200) = ""


class StepIn(Schema):
    step: Literal[
        "assign",
        "start",
        "wait_for_parts",
        "resume",
        "submit_for_qc",
        "pass_qc",
        "fail_qc",
        "collect",
        "cancel",
    ]
    technician_id: Id | None = None  # assign
    reason: Text(1000) = ""  # wait_for_parts, resume, cancel
    results: Annotated[dict[Text(100, 1), QcResult], Field(max_length=50)] = {}  # QC
    signed_name: Text(150) = ""  # collect


# Pricebook and stock --------------------------------------------------------------------


class OptionOut(Schema):
    id: int
    grade: str
    price: Decimal
    price_gross: Decimal
    warranty_days: int
    labour_minutes: int


class PricebookEntryOut(Schema):
    id: int
    device_model: str
    repair_type: str
    is_active: bool
    options: list[OptionOut]


class PricebookPage(Schema):
    items: list[PricebookEntryOut]
    next: str | None = None


class StockOut(Schema):
    part_id: int
    part_number: str
    name: str
    on_hand: int
    reserved: int
    available: int
    on_order: int
    reorder_point: int


class StockPage(Schema):
    branch: str
    items: list[StockOut]
    next: str | None = None
