"""Works orders through the API: the counter's intake, the board's lifecycle and its guards."""

from __future__ import annotations

from tests.factories import CustomerFactory, DeviceFactory, PartFactory, WorksOrderFactory
from tickets.models import ConsentMethod, Status, WorksOrder
from tickets.services import ConsentData, consent_record


def test_a_job_booked_in_through_the_api_is_numbered_and_waits_for_consent(personas, api):
    customer = CustomerFactory(shop=personas.shop)
    call = api("write")
    answer = call(
        "post",
        "/works-orders",
        json={
            "branch": "BHM",
            "customer_id": customer.pk,
            "device": {"make": "Samsung", "model_name": "Galaxy S22", "imei": ""},
            "fault_reported": "No sound from the speaker",
            "priority": "urgent",
        },
    )
    assert answer.status_code == 201, answer.content
    job = WorksOrder.objects.for_shop(personas.shop).get(number=answer.json()["number"])
    assert (job.status, job.priority, job.customer_id) == (Status.INTAKE, "urgent", customer.pk)
    assert job.timeline.filter(event="booked_in").exists()
    refused = call(
        "post",
        f"/works-orders/{job.number}/steps",
        json={"step": "assign", "technician_id": personas.technician.pk},
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "step"
    assert "consent" in refused.json()["errors"][0]["message"].lower()
    job.refresh_from_db()
    assert job.status == Status.INTAKE


def test_moves_go_through_the_lifecycle_with_its_guards(personas, api):
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    consent_record(
        works_order=job,
        consent=ConsentData(method=ConsentMethod.ON_BEHALF, signed_name="Ann Customer"),
        by=personas.front_desk,
    )
    call = api("write")
    path = f"/works-orders/{job.number}/steps"
    moved = call("post", path, json={"step": "assign", "technician_id": personas.technician.pk})
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "assigned"
    assert moved.json()["timeline"][-1]["by"] == "API key ‘Shopify sync’"
    skipped = call("post", path, json={"step": "pass_qc", "results": {}})
    assert skipped.status_code == 409
    assert "not the next step" in skipped.json()["errors"][0]["message"]
    assert call("post", path, json={"step": "start"}).json()["status"] == "in_progress"
    no_price = call("post", path, json={"step": "submit_for_qc"})
    assert no_price.status_code == 409
    no_reason = call("post", path, json={"step": "cancel"})
    assert no_reason.status_code == 409
    assert "why" in no_reason.json()["errors"][0]["message"].lower()
    cancelled = call("post", path, json={"step": "cancel", "reason": "Customer changed mind"})
    assert cancelled.json()["status"] == "cancelled"
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    unknown = call("post", path, json={"step": "teleport"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "step"


def test_a_technician_of_another_shop_cannot_be_assigned(personas, api):
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    answer = api("write")(
        "post",
        f"/works-orders/{job.number}/steps",
        json={"step": "assign", "technician_id": personas.outsider.pk},
    )
    assert answer.status_code == 404


def test_list_filters_by_status_and_pages_by_keyset(personas, api):
    jobs = [WorksOrderFactory(branch=personas.branch, by=personas.front_desk) for _ in range(5)]
    WorksOrder.objects.for_shop(personas.shop).filter(pk=jobs[0].pk).update(status="cancelled")
    call = api("read")
    first = call("get", "/works-orders", status="intake", limit=2).json()
    assert [j["number"] for j in first["items"]] == [jobs[4].number, jobs[3].number]
    second = call("get", "/works-orders", status="intake", limit=2, cursor=first["next"]).json()
    assert [j["number"] for j in second["items"]] == [jobs[2].number, jobs[1].number]
    assert (
        second["next"] is None
        or call("get", "/works-orders", status="intake", limit=2, cursor=second["next"]).json()[
            "items"
        ]
        == []
    )
    detail = call("get", f"/works-orders/{jobs[1].number}").json()
    assert detail["lines"][0]["description"] == "Screen replacement"
    assert detail["timeline"][0]["event"] == "booked_in"


def test_customers_devices_pricebook_and_stock_read(personas, api):
    customer = CustomerFactory(shop=personas.shop, full_name="Ada Lovelace")
    device = DeviceFactory(shop=personas.shop, customer=customer)
    PartFactory(shop=personas.shop, name="iPhone 13 screen")
    call = api("read")
    assert call("get", "/customers", q="Lovelace").json()["items"][0]["id"] == customer.pk
    assert call("get", f"/customers/{customer.pk}").json()["full_name"] == "Ada Lovelace"
    assert call("get", f"/devices/{device.pk}").json()["customer_id"] == customer.pk
    found = call("get", "/devices/lookup", imei=device.imei)
    assert found.status_code == 200 and found.json()["id"] == device.pk
    assert call("get", "/devices/lookup", imei="490154203237518").status_code == 404
    assert call("get", "/pricebook").status_code == 200
    stock = call("get", "/stock", branch="BHM").json()
    assert stock["items"][0]["name"] == "iPhone 13 screen"
    assert call("get", "/stock", branch="GHX").status_code == 404  # the other shop's branch


def test_writes_create_customers_and_devices_through_the_services(personas, api):
    call = api("write")
    made = call("post", "/customers", json={"full_name": "Grace Hopper", "phone": "07911 123456"})
    assert made.status_code == 201, made.content
    assert made.json()["phone"] == "+447911123456"  # normalised as at the counter
    again = call("post", "/customers", json={"full_name": "G Hopper", "phone": "07911123456"})
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "phone"
    device = call(
        "post",
        "/devices",
        json={"customer_id": made.json()["id"], "make": "Apple", "model_name": "iPad Air"},
    )
    assert device.status_code == 201, device.content


def test_bad_input_is_a_400_or_422_never_a_500(personas, api):
    call = api("write")
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    answers = [
        call("get", "/customers", q="a\x00b"),
        call("get", "/customers", cursor="99999999999999999999999"),
        call("get", "/customers", limit="-1"),
        call("get", "/customers/99999999999999999999"),
        call("get", "/works-orders", status="nonsense"),
        call("get", "/works-orders/WO\x00"),
        call("get", "/devices/lookup", imei="\x00"),
        call("post", "/customers", json={"full_name": "Nul\x00Name"}),
        call("post", "/customers", json={"full_name": "x" * 10_000}),
        call("post", "/customers", json={"full_name": 1e308}),
        call("post", "/devices", json={"customer_id": 10**30, "make": "A", "model_name": "B"}),
        call(
            "post", f"/works-orders/{job.number}/steps", json={"step": "cancel", "reason": "\x00"}
        ),
    ]
    for answer in answers:
        assert answer.status_code in (400, 404, 422), (answer.status_code, answer.content)
        if answer.status_code != 404:
            assert answer.json()["errors"][0]["message"]
    broken = api("write")("post", "/customers", json=None)
    assert broken.status_code in (400, 422)
