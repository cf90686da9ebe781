"""The customer's status page: what it shows, what it never shows, and approvals on the web."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory, WorksOrderFactory
from tests.parts.conftest import battery, screen, supplier, supplies  # noqa: F401
from tickets import services
from tickets.lifecycle import works_order_advance
from tickets.models import Approval, NoteKind, Status, WorksOrder
from tickets.qr import STATUS_PATH
from tickets.services import ConsentData, LineData

PASSCODE = "864213"
INTERNAL = "Customer seemed annoyed; board has rust under the shield"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


def book(personas, **details) -> WorksOrder:
    return WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        customer=CustomerFactory(shop=personas.shop, full_name="Dee Customer"),
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
        passcode=PASSCODE,
        passcode_kind="pin",
        **details,
    )


def url(works_order: WorksOrder) -> str:
    return STATUS_PATH.format(token=works_order.status_token)


def waiting_for_approval(personas) -> WorksOrder:
    works_order = book(personas)
    works_order_advance(
        works_order=works_order,
        step="assign",
        by=personas.front_desk,
        technician=personas.technician,
    )
    works_order_advance(works_order=works_order, step="start", by=personas.technician)
    port = LineData(description="Charging port", unit_price=Decimal("60.00"), kind="part")
    services.extra_work_add(
        works_order=works_order, line=port, reason="The port is corroded", by=personas.technician
    )
    works_order.refresh_from_db()
    assert works_order.status == Status.AWAITING_APPROVAL
    return works_order


def test_only_the_hash_of_the_token_is_stored(personas):
    works_order = book(personas)
    token = works_order.status_token
    assert len(token) >= 22
    stored = WorksOrder.objects.for_shop(personas.shop).values()[0]
    assert token not in {str(value) for value in stored.values()}


def test_the_page_shows_the_repair_and_none_of_the_forbidden_fields(client, personas):
    works_order = waiting_for_approval(personas)
    services.note_add(
        works_order=works_order, text=INTERNAL, kind=NoteKind.INTERNAL, by=personas.technician
    )
    services.note_add(
        works_order=works_order,
        text="Your new port is being fitted",
        kind=NoteKind.CUSTOMER,
        by=personas.technician,
    )
    CustomerFactory(shop=personas.shop, full_name="Zed Otherperson")
    book(personas)  # another customer's job in the same shop
    response = client.get(url(works_order))
    html = response.content.decode()
    assert response.status_code == 200
    for fact in [
        "Fix Corner Repairs",
        "Birmingham",
        str(works_order.device),
        works_order.number,
        "Your new port is being fitted",
        "Charging port",
        "Waiting for your approval",
        "Jack",
    ]:
        assert fact in html, fact
    for secret in [PASSCODE, INTERNAL, "Morgan", "Zed Otherperson", "Gadget Hospital", "Haddad"]:
        assert secret not in html, secret
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"] and 'name="robots" content="noindex' in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_guessed_token_and_an_expired_link_answer_the_same_polite_page(client, personas):
    works_order = book(personas)
    guessed = client.get(STATUS_PATH.format(token="A" * 22))
    WorksOrder.objects.for_shop(personas.shop).filter(pk=works_order.pk).update(
        status=Status.COLLECTED,
        collected_at=timezone.now() - datetime.timedelta(days=personas.shop.status_page_days + 1),
    )
    expired = client.get(url(works_order))
    assert guessed.status_code == expired.status_code == 404
    assert guessed.content == expired.content
    assert b"This link doesn't work" in expired.content
    assert expired["Referrer-Policy"] == "no-referrer"


def test_a_recently_collected_job_still_shows(client, personas):
    works_order = book(personas)
    WorksOrder.objects.for_shop(personas.shop).filter(pk=works_order.pk).update(
        status=Status.COLLECTED, collected_at=timezone.now() - datetime.timedelta(days=3)
    )
    assert client.get(url(works_order)).status_code == 200


def test_the_rate_limit_holds_per_client_address(client, personas):
    works_order = book(personas)
    codes = [client.get(url(works_order)).status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429
    assert b"Please wait a moment" in client.get(url(works_order)).content
    other = client.get(url(works_order), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200


def test_the_page_costs_two_queries_the_job_and_everything_shown_with_it(
    client, personas, django_assert_num_queries
):
    works_order = waiting_for_approval(personas)
    with django_assert_num_queries(2):
        response = client.get(url(works_order))
    assert response.status_code == 200
    assert b"Waiting for your approval" in response.content


def answer(client, works_order, decision, **changes):
    approval = Approval.objects.for_shop(works_order.shop).get(
        works_order=works_order, approved=None
    )
    data = {
        "decision": decision,
        "previous_gross": str(approval.previous_gross),
        "new_gross": str(approval.new_gross),
        "lines": ",".join(str(pk) for pk in approval.line_ids),
        **changes,
    }
    return client.post(
        reverse("status_answer", args=[works_order.status_token]),
        data,
        HTTP_USER_AGENT="Phone Browser 1.0",
    )


def test_approving_on_the_page_moves_the_job_and_keeps_the_evidence(client, personas):
    works_order = waiting_for_approval(personas)
    response = answer(client, works_order, "approve")
    assert response.status_code == 302
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS
    assert works_order.agreed_gross == Decimal("192.00")
    approval = Approval.objects.for_shop(personas.shop).get()
    assert (approval.approved, approval.method, approval.decided_by) == (True, "web", None)
    evidence = approval.evidence
    assert evidence["ip"] == "127.0.0.1" and evidence["user_agent"] == "Phone Browser 1.0"
    assert (evidence["previous_gross"], evidence["new_gross"]) == ("120.00", "192.00")
    assert evidence["lines_shown"] == ["Charging port"] and evidence["at"]
    assert b"you approved" in client.get(response["Location"]).content


def test_declining_on_the_page_drops_the_extra_lines_and_carries_on(client, personas):
    works_order = waiting_for_approval(personas)
    answer(client, works_order, "decline")
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS
    assert [line.description for line in works_order.lines.all()] == ["Screen replacement"]
    assert Approval.objects.for_shop(personas.shop).get().approved is False


def test_a_double_submit_records_one_decision(client, personas):
    works_order = waiting_for_approval(personas)
    approval = Approval.objects.for_shop(personas.shop).get()
    data = {
        "previous_gross": str(approval.previous_gross),
        "new_gross": str(approval.new_gross),
        "lines": ",".join(str(pk) for pk in approval.line_ids),
    }
    path = reverse("status_answer", args=[works_order.status_token])
    first = client.post(path, {**data, "decision": "approve"})
    second = client.post(path, {**data, "decision": "decline"})
    assert first.status_code == 302 and second.status_code == 409
    assert b"already been answered" in second.content
    approval.refresh_from_db()
    assert approval.approved is True


def test_changed_amounts_are_refused_and_nothing_changes(client, personas):
    works_order = waiting_for_approval(personas)
    response = answer(client, works_order, "approve", new_gross="150.00")
    assert response.status_code == 409 and b"nothing was recorded" in response.content
    works_order.refresh_from_db()
    assert works_order.status == Status.AWAITING_APPROVAL
    assert Approval.objects.for_shop(personas.shop).get().approved is None


def test_the_answer_needs_the_csrf_token(personas):
    from django.test import Client

    works_order = waiting_for_approval(personas)
    strict = Client(enforce_csrf_checks=True)
    assert answer(strict, works_order, "approve").status_code == 403
    works_order.refresh_from_db()
    assert works_order.status == Status.AWAITING_APPROVAL


def test_a_browser_posting_with_no_referrer_and_a_null_origin_is_accepted(personas):
    from django.test import Client

    works_order = waiting_for_approval(personas)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url(works_order))
    token = page.context["csrf_token"]
    approval = Approval.objects.for_shop(personas.shop).get()
    data = {
        "decision": "approve",
        "csrfmiddlewaretoken": str(token),
        "previous_gross": str(approval.previous_gross),
        "new_gross": str(approval.new_gross),
        "lines": ",".join(str(pk) for pk in approval.line_ids),
    }
    path = reverse("status_answer", args=[works_order.status_token])
    response = browser.post(path, data, HTTP_ORIGIN="null", secure=True)
    assert response.status_code == 302
    assert Approval.objects.for_shop(personas.shop).get().approved is True


@pytest.mark.usefixtures("supplies")
def test_parts_on_order_show_their_date_then_parts_arrived(client, personas, screen):  # noqa: F811
    from parts import services as parts

    works_order = book(personas)
    line = parts.works_order_order_part(
        works_order=works_order, part=screen, quantity=1, by=personas.technician
    )
    order = parts.purchase_order_send(order=line.po_line.order, by=personas.manager)
    html = client.get(url(works_order)).content.decode()
    assert screen.name in html and "expected" in html and "parts arrived" not in html
    parts.purchase_order_receive(
        order=order,
        deliveries=[parts.Delivery(order.lines.get(part=screen), 1)],
        by=personas.front_desk,
    )
    html = client.get(url(works_order)).content.decode()
    assert "parts arrived" in html
