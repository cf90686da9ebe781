"""API keys: hashed at rest, revocable, scoped, bound to one shop, rate-limited."""

from __future__ import annotations

import hashlib

from api.keys import secret_hash
from api.models import ApiKey
from api.services import api_key_revoke
from audit.models import Change
from customers.models import Customer
from tests.factories import CustomerFactory, PriceOptionFactory, WorksOrderFactory
from tickets.models import TimelineEntry


def test_a_key_is_stored_only_as_a_prefix_and_a_hash(personas, api_key):
    key, auth = api_key("read")
    full = auth.removeprefix("Bearer ")
    prefix, secret = full[4:14], full[15:]
    key.refresh_from_db()
    assert key.prefix == prefix
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest() == secret_hash(secret)
    assert secret not in str(ApiKey.objects.for_shop(personas.shop).values().get())


def test_a_known_key_reads_and_a_wrong_secret_or_no_key_does_not(personas, client, api_key):
    _, auth = api_key("read")
    CustomerFactory(shop=personas.shop, full_name="Ada Lovelace")
    ok = client.get("/api/v1/customers", headers={"Authorization": auth})
    assert ok.status_code == 200
    assert [c["full_name"] for c in ok.json()["items"]] == ["Ada Lovelace"]
    assert ok["Cache-Control"] == "private, no-store"
    wrong = auth[:-4] + ("aaaa" if not auth.endswith("aaaa") else "bbbb")
    for header in ({"Authorization": wrong}, {}, {"Authorization": "Bearer nonsense"}):
        refused = client.get("/api/v1/customers", headers=header)
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["message"].startswith("Send a valid")


def test_a_revoked_key_stops_working_at_once(personas, client, api_key):
    key, auth = api_key("read")
    assert client.get("/api/v1/customers", headers={"Authorization": auth}).status_code == 200
    api_key_revoke(key=key, by=personas.owner)
    assert client.get("/api/v1/customers", headers={"Authorization": auth}).status_code == 401


def test_a_key_stops_when_its_maker_no_longer_manages_the_shop(personas, client, api_key):
    _, auth = api_key("read")
    personas.manager.is_active = False
    personas.manager.save()
    assert client.get("/api/v1/customers", headers={"Authorization": auth}).status_code == 401


def test_a_read_key_cannot_write(personas, api):
    call = api("read")
    answer = call("post", "/customers", json={"full_name": "Grace Hopper", "phone": "07911123456"})
    assert answer.status_code == 403
    assert "only read" in answer.json()["errors"][0]["message"]
    assert not Customer.objects.for_shop(personas.shop).exists()


def test_another_shops_key_gets_404_for_this_shops_objects(personas, api):
    mine = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    theirs = api("write", member=personas.outsider)
    assert theirs("get", f"/works-orders/{mine.number}").status_code == 404
    assert theirs("get", f"/customers/{mine.customer_id}").status_code == 404
    assert theirs("get", f"/devices/{mine.device_id}").status_code == 404
    step = theirs("post", f"/works-orders/{mine.number}/steps", json={"step": "cancel"})
    assert step.status_code == 404
    assert theirs("get", "/works-orders").json()["items"] == []


def test_a_session_never_reaches_the_api(personas, client_as):
    client = client_as(personas.owner)
    assert client.get("/api/v1/customers").status_code == 401


def test_each_key_is_rate_limited(personas, client, api_key, settings):
    settings.API_RATE_PER_MINUTE = 3
    _, auth = api_key("read")
    answers = [client.get("/api/v1/customers", headers={"Authorization": auth}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    _, other = api_key("read", name="Other")
    assert client.get("/api/v1/customers", headers={"Authorization": other}).status_code == 200


def test_what_a_key_does_is_recorded_as_done_by_the_key(personas, api):
    call = api("write")
    option = PriceOptionFactory(shop=personas.shop)
    created = call(
        "post",
        "/works-orders",
        json={
            "branch": "BHM",
            "new_customer": {"full_name": "Grace Hopper", "phone": "07911 123456"},
            "device": {"make": "Apple", "model_name": "iPhone 13"},
            "fault_reported": "Battery drains by noon",
            "option_ids": [option.pk],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].startswith("WO-")
    assert body["timeline"][0]["by"] == "API key ‘Shopify sync’"
    entry = TimelineEntry.objects.for_shop(personas.shop).get(event="booked_in")
    assert entry.data["via"] == "API key ‘Shopify sync’"
    key_made = Change.objects.for_shop(personas.shop).filter(table_name="api_apikey").get()
    assert key_made.after["name"] == "Shopify sync"
    assert "secret_hash" not in key_made.after
    quoted = Change.objects.for_shop(personas.shop).get(table_name="tickets_quoteline")
    assert quoted.actor == "API key ‘Shopify sync’"
    assert quoted.source == "API POST /api/v1/works-orders"


def test_the_audit_page_names_keys_and_webhooks(personas, client_as, api_key):
    from api.services import webhook_endpoint_create

    key, _ = api_key("read")
    api_key_revoke(key=key, by=personas.owner)
    webhook_endpoint_create(
        by=personas.manager, url="https://shop.example/hooks", topics=["invoice.issued"]
    )
    page = client_as(personas.owner).get("/settings/audit/", {"kind": "settings"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "API key ‘Shopify sync’" in text and "Webhook to https://shop.example/hooks" in text
