"""Every URL, filled with another shop's objects, answers 404 (or sign-in when signed out).

The test walks the URL resolver, so a new view is covered the day it is added. A path
parameter the test does not know how to fill fails the test: add it to OTHER_SHOP_VALUES.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from parts import services as parts_services
from shops.models import ClosedDate
from tests.conftest import Personas
from tests.factories import (
    CustomerFactory,
    DeviceFactory,
    InvitationFactory,
    OptionPartFactory,
    PartFactory,
    PricebookImportFactory,
    PriceOptionFactory,
    SupplierFactory,
    SupplierPartFactory,
    WorksOrderFactory,
)
from tickets.models import Photo

# Public pages opened with a secret from an email; they are nobody's shop object. An
# unknown secret must not reveal anything: the page says the link does not work.
PUBLIC_SECRET_ROUTES = {
    "accept_invitation": 404,
    "password_reset_confirm": 200,  # Django's own page: "This link no longer works"
    "status_page": 404,  # the customer's status page, from the receipt and messages
    "status_answer": 404,
    "status_pay": 404,  # the Pay button on the status page
    "status_document": 404,  # the customer's invoice PDF, under the status link
    "booking_done": 404,  # the confirmation of an online booking (a signed address)
}
# Public pages of one shop, named by its slug: the other shop's page is as public as ours (and
# 404 while its online booking is off, as it is here); see tests/booking for what it offers.
PUBLIC_SHOP_ROUTES = {"booking_page"}
PUBLIC_ROUTES = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
    "healthz",
}
# Called by a provider, not a person: no session, but nothing is accepted without the
# provider's signature (see test_webhooks_refuse_unsigned_requests).
SIGNED_WEBHOOK_ROUTES = {"twilio_status", "twilio_inbound", "stripe_webhook"}
SKIPPED_PREFIXES = ("admin/",)  # superusers only; see test_admin_is_for_superusers_only
# The REST API answers an API key, never a session: see test_api_keys_reach_only_their_shop.
API = "api-v1:"
API_DESCRIPTION = {"api-v1:openapi-json", "api-v1:openapi-view"}  # no shop's data: open


@dataclass
class Route:
    name: str
    route: str
    params: list[str]

    def fill(self, values: dict[str, object]) -> str:
        return reverse(self.name, kwargs={p: values[p] for p in self.params})


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if not (prefix + str(entry.pattern)).startswith(SKIPPED_PREFIXES):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            assert isinstance(entry.pattern, RoutePattern), f"use path(), not re_path(): {entry}"
            route = prefix + str(entry.pattern)
            assert entry.name, f"every URL needs a name (the crawler reverses it): {route}"
            yield Route(namespace + entry.name, route, list(entry.pattern.converters))


def app_routes() -> list[Route]:
    return list(walk(get_resolver().url_patterns))


def other_shop_values(personas: Personas) -> dict[str, Callable[[], object]]:
    """How to fill each path parameter with an object of the other shop."""
    other = personas.outsider.shop
    other_branch = personas.outsider.branches.first()

    @functools.cache
    def other_works_order():
        return WorksOrderFactory(branch=other_branch, by=personas.outsider)

    def other_photo():
        return Photo.objects.create(
            shop=other,
            works_order=other_works_order(),
            image="private/elsewhere.jpg",
            width=1,
            height=1,
            uploaded_by=personas.outsider,
        )

    @functools.cache
    def other_part():
        return PartFactory(shop=other)

    @functools.cache
    def other_order():
        order = parts_services.purchase_order_create(
            supplier=SupplierFactory(shop=other), branch=other_branch, by=personas.outsider
        )
        parts_services.purchase_order_add_line(order=order, part=other_part(), quantity=1)
        return order

    @functools.cache
    def other_stock_take():
        return parts_services.stock_take_start(branch=other_branch, by=personas.outsider)

    @functools.cache
    def other_invoice():
        from billing.services import invoice_issue
        from tickets.models import Status, WorksOrder

        job = other_works_order()
        WorksOrder.objects.for_shop(other).filter(pk=job.pk).update(status=Status.READY)
        job.refresh_from_db()
        return invoice_issue(works_order=job, by=personas.outsider)

    def other_payment():
        from billing.models import Method, Payment

        invoice = other_invoice()
        return Payment.objects.create(
            shop=other,
            works_order_id=invoice.works_order_id,
            method=Method.CASH,
            amount=Decimal("1.00"),
            taken_by=personas.outsider,
        )

    @functools.cache
    def other_endpoint():
        from api.services import webhook_endpoint_create

        return webhook_endpoint_create(
            by=personas.outsider, url="https://elsewhere.example/hook", topics=["invoice.issued"]
        )[0]

    def other_delivery():
        from api.models import WebhookDelivery, WebhookEvent

        event = WebhookEvent.objects.create(shop=other, topic="invoice.issued", source="x")
        return WebhookDelivery.objects.create(shop=other, event=event, endpoint=other_endpoint())

    def other_key():
        from api.services import api_key_create

        return api_key_create(by=personas.outsider, name="Their sync", scope="write")[0]

    @functools.cache
    def other_template():
        from tickets.job_templates import checklist_copy
        from tickets.models import JobTemplate

        template = JobTemplate.objects.create(shop=other, name="Their check", checklist=["A"])
        checklist_copy(works_order=other_works_order(), template=template, by=personas.outsider)
        return template

    @functools.cache
    def other_schedule():
        import datetime

        from recurring.services import ScheduleData, schedule_create

        job = other_works_order()
        data = ScheduleData(
            name="Their contract",
            customer=job.customer,
            devices=[job.device],
            branch=other_branch,
            template=other_template(),
            priority="standard",
            frequency="monthly",
            interval=1,
            starts_on=datetime.date(2030, 1, 1),
            ends_on=None,
            lead_days=7,
        )
        return schedule_create(data=data, by=personas.outsider)

    @functools.cache
    def other_loaner():
        from loaners.services import loaner_add

        return loaner_add(
            branch=other_branch,
            name="Their loaner",
            serial="THEIRS-1",
            condition="",
            by=personas.outsider,
        )

    @functools.cache
    def other_loan():
        import datetime

        from loaners.services import loaner_lend

        return loaner_lend(
            works_order=other_works_order(),
            loaner=other_loaner(),
            due_back=datetime.date(2030, 1, 1),
            condition="",
            by=personas.outsider,
        )

    return {
        "loaner_id": lambda: other_loaner().pk,
        "loan_id": lambda: other_loan().pk,
        "key_id": lambda: other_key().pk,
        "endpoint_id": lambda: other_endpoint().pk,
        "delivery_id": lambda: other_delivery().pk,
        "device_id": lambda: DeviceFactory(shop=other, customer=CustomerFactory(shop=other)).pk,
        "invoice_number": lambda: other_invoice().number,
        "payment_id": lambda: other_payment().pk,
        "branch_code": lambda: other_branch.code,
        "member_id": lambda: personas.outsider.pk,
        "invitation_id": lambda: InvitationFactory(shop=other).pk,
        "closed_date_id": lambda: (
            ClosedDate.objects.create(shop=other, branch=other_branch, date="2030-01-01").pk
        ),
        "number": lambda: other_works_order().number,
        "photo_id": lambda: other_photo().pk,
        "customer_id": lambda: CustomerFactory(shop=other).pk,
        "entry_id": lambda: PriceOptionFactory(shop=other).entry_id,
        "option_id": lambda: PriceOptionFactory(shop=other).pk,
        "option_part_id": lambda: OptionPartFactory(shop=other).pk,
        "import_id": lambda: PricebookImportFactory(shop=other, uploaded_by=personas.outsider).pk,
        "panel": lambda: "plan",  # a real panel: only the works order's shop can refuse it
        "step": lambda: "start",  # a real step: only the works order's shop can refuse it
        "token": lambda: uuid.uuid4().hex,
        "slug": lambda: other.slug,
        "uidb64": lambda: "MQ",
        "part_id": lambda: other_part().pk,
        "supplier_id": lambda: SupplierFactory(shop=other).pk,
        "supplier_part_id": lambda: SupplierPartFactory(part=other_part()).pk,
        "kind": lambda: "adjust",  # a real movement: only the part's shop can refuse it
        "po_number": lambda: other_order().number,
        "line_id": lambda: other_order().lines.get().pk,
        "take_number": lambda: other_stock_take().number,
        "template_id": lambda: other_template().pk,
        "schedule_id": lambda: other_schedule().pk,
        "position": lambda: 0,  # the other shop's job's first checklist item
        "part_line_id": lambda: (
            parts_services.works_order_part_add(
                works_order=other_works_order(), part=other_part(), quantity=1, by=personas.outsider
            ).pk
        ),
    }


@pytest.fixture
def filled(personas) -> list[tuple[Route, str]]:
    makers = other_shop_values(personas)
    routes = []
    for route in app_routes():
        unknown = [p for p in route.params if p not in makers]
        assert not unknown, (
            f"URL {route.name!r} ({route.route}) has parameters {unknown} the isolation test "
            "cannot fill: add them to other_shop_values()"
        )
        routes.append((route, route.fill({p: makers[p]() for p in route.params})))
    return routes


def test_the_crawler_sees_the_apps_urls(filled):
    names = {route.name for route, _ in filled}
    assert {
        "dashboard",
        "branch_edit",
        "staff_edit",
        "staff_deactivate",
        "accept_invitation",
    } <= names


def test_another_shops_objects_are_404_for_every_method(filled, client_as, personas):
    client = client_as(personas.owner)  # the strongest role: only the shop boundary can refuse
    answers = {}
    for route, url in filled:
        if not route.params or route.name in PUBLIC_SECRET_ROUTES or route.name.startswith(API):
            continue
        answers[url] = (
            client.get(url).status_code,
            client.post(url, {}).status_code,
            client.get(url, headers={"HX-Request": "true"}).status_code,
        )
    assert answers, "no object URLs were crawled"
    leaks = {url: codes for url, codes in answers.items() if codes != (404, 404, 404)}
    assert not leaks, f"these URLs did not answer 404 to another shop's object: {leaks}"


def test_secret_links_with_a_made_up_secret_reveal_nothing(filled, client):
    for route, url in filled:
        if route.name in PUBLIC_SECRET_ROUTES:
            response = client.get(url)
            assert response.status_code == PUBLIC_SECRET_ROUTES[route.name], url
            assert b"no longer works" in response.content or b"doesn't work" in response.content


def test_signed_out_every_private_url_sends_to_sign_in(filled, client):
    for route, url in filled:
        if (
            route.name in PUBLIC_ROUTES | SIGNED_WEBHOOK_ROUTES | PUBLIC_SHOP_ROUTES
            or route.name in PUBLIC_SECRET_ROUTES
            or route.name.startswith(API)
        ):
            continue
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code == 302, (
                f"{route.name} {url} answered {response.status_code}"
            )
            assert response["Location"].startswith("/sign-in/"), url


def test_webhooks_refuse_unsigned_requests(filled, client):
    for route, url in filled:
        if route.name in SIGNED_WEBHOOK_ROUTES:
            assert client.post(url, {"MessageSid": "SM1"}).status_code == 403, url


def test_pages_without_parameters_open_for_the_owner(filled, client_as, personas):
    client = client_as(personas.owner)
    for route, url in filled:
        if route.name.startswith(API) and route.name not in API_DESCRIPTION:
            continue  # a session is not a key: see the API tests below
        if not route.params and route.name not in {"logout", "switch_shop"}:
            status = client.get(url).status_code
            assert status in (200, 302, 405), f"{route.name} {url} answered {status}"


# The REST API ----------------------------------------------------------------------------

# A body each write accepts, so that only the shop boundary can refuse it (not validation).
API_BODIES = {
    "api-v1:works_order_step": {"step": "start"},
    "api-v1:device_create": {"customer_id": 1, "make": "A", "model_name": "B"},
}


def test_the_crawler_sees_the_api(filled):
    names = {route.name for route, _ in filled if route.name.startswith(API)}
    assert {"api-v1:works_order_read", "api-v1:works_order_step", "api-v1:customer_read"} <= names


def test_api_keys_reach_only_their_shop(filled, client, personas):
    """A read+write key of the owner's shop, at every API URL filled with the other shop's
    objects: 404 (or 405 for a method the URL does not have), never the object."""
    from api.services import api_key_create

    _, key = api_key_create(by=personas.owner, name="Crawler", scope="write")
    auth = {"Authorization": f"Bearer {key}"}
    answers = {}
    for route, url in filled:
        if not route.name.startswith(API) or not route.params:
            continue
        body = API_BODIES.get(route.name, {})
        answers[url] = (
            client.get(url, headers=auth).status_code,
            client.post(url, body, content_type="application/json", headers=auth).status_code,
        )
    assert answers, "no API object URLs were crawled"
    leaks = {
        url: codes
        for url, codes in answers.items()
        if not set(codes) <= {404, 405} or 404 not in codes
    }
    assert not leaks, f"these API URLs did not answer 404 to another shop's object: {leaks}"


def test_without_a_key_every_api_url_is_401(filled, client_as, personas):
    client = client_as(personas.owner)  # a signed-in session is not a key
    for route, url in filled:
        if route.name.startswith(API) and route.name not in API_DESCRIPTION:
            assert client.get(url).status_code == 401, url
            assert client.post(url, {}).status_code == 401, url
