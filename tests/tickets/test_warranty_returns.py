"""A comeback: a collected job within its warranty booked back in as a new, linked, free job."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.services import invoice_issue
from tests.factories import DeviceFactory, PricebookEntryFactory, WorksOrderFactory
from tests.tickets.test_intake import signature_data_url
from tickets import services
from tickets.lifecycle import works_order_advance
from tickets.models import Priority, Status, TransitionRefused, WorksOrder
from tickets.services import ConsentData, LineData


def collected_job(personas, *, days_ago: int, warranty_days: int = 90) -> WorksOrder:
    """A screen repair with `warranty_days` of warranty in the pricebook, collected
    `days_ago` days ago (at noon in the branch's time, so the day is the same wherever the
    test runs)."""
    shop = personas.shop
    entry = PricebookEntryFactory(shop=shop, warranty_days=warranty_days)
    device = DeviceFactory(shop=shop, device_model=entry.device_model)
    job = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        customer=device.customer,
        device=device,
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
        repair_type=entry.repair_type,
    )
    tz = personas.branch.tz
    day = timezone.localdate(timezone=tz) - datetime.timedelta(days=days_ago)
    collected = datetime.datetime.combine(day, datetime.time(12), tzinfo=tz)
    WorksOrder.objects.for_shop(shop).filter(pk=job.pk).update(
        status=Status.COLLECTED,
        final_price=Decimal("120.00"),
        ready_at=collected - datetime.timedelta(hours=2),
        collected_at=collected,
        collected_by_name="Dee",
    )
    job.refresh_from_db()
    return job


def return_post(personas, original: WorksOrder, **overrides) -> dict:
    data = {
        "warranty_return_of": original.number,
        "returns_seen": "0",
        "job-branch": personas.branch.pk,
        "job-priority": "warranty",
        "job-estimated_completion": (timezone.localtime() + datetime.timedelta(days=3)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "job-fault_reported": "Screen flickers again since the repair",
        "job-passcode_kind": "none",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        "consent-method": "signature",
        "consent-signed_name": "Dee Customer",
        "consent-signature": signature_data_url(),
        "consent-agreed": "on",
    }
    return data | overrides


def warranty_panel(client, job: WorksOrder):
    return client.get(
        reverse("works_order_warranty", args=[job.number]), headers={"HX-Request": "true"}
    )


def test_it_links_the_comeback_and_leaves_the_original_warranty_as_it_was(personas, client_as):
    original = collected_job(personas, days_ago=10)
    before = warranty_panel(client_as(personas.front_desk), original).content.decode()
    kept = WorksOrder.objects.for_shop(personas.shop).values().get(pk=original.pk)

    response = client_as(personas.front_desk).post(
        reverse("intake"), return_post(personas, original)
    )

    comeback = WorksOrder.objects.for_shop(personas.shop).get(warranty_return_of=original)
    assert response.status_code == 302
    assert response["Location"] == reverse("works_order_detail", args=[comeback.number])
    assert comeback.number != original.number
    assert (comeback.customer_id, comeback.device_id) == (original.customer_id, original.device_id)
    assert comeback.priority == Priority.WARRANTY
    assert comeback.final_price == Decimal("0.00")
    assert [line.gross for line in comeback.lines.all()] == [Decimal("0.00")]
    assert WorksOrder.objects.for_shop(personas.shop).values().get(pk=original.pk) == kept
    after = warranty_panel(client_as(personas.front_desk), original).content.decode()
    assert after == before  # the same warranty, until the same day
    said = [e.text for e in comeback.timeline.all()]
    assert any(f"Warranty return of {original.number}" in text for text in said)
    assert any("no charge" in text for text in said)
    assert any(
        f"Came back under warranty: {comeback.number}" in e.text for e in original.timeline.all()
    )


def test_both_pages_show_the_link(personas, client_as):
    original = collected_job(personas, days_ago=10)
    client = client_as(personas.front_desk)
    client.post(reverse("intake"), return_post(personas, original))
    comeback = original.warranty_returns.get()

    original_page = client.get(reverse("works_order_detail", args=[original.number]))
    comeback_page = client.get(reverse("works_order_detail", args=[comeback.number]))

    assert "Came back under warranty" in original_page.content.decode()
    assert comeback.number in original_page.content.decode()
    assert "Warranty return of <a" in comeback_page.content.decode()
    assert original.number in comeback_page.content.decode()


def test_the_device_history_shows_the_link_both_ways(personas, client_as):
    original = collected_job(personas, days_ago=10)
    client = client_as(personas.front_desk)
    client.post(reverse("intake"), return_post(personas, original))
    comeback = original.warranty_returns.get()

    html = client.get(reverse("device_lookup"), {"imei": original.device.imei}).content.decode()

    assert "Came back under warranty: <a" in html
    assert f">{comeback.number}</a>" in html
    assert "Warranty return of <a" in html
    customer_page = client.get(reverse("customer_detail", args=[original.customer_id]))
    assert "Came back under warranty" in customer_page.content.decode()


def test_the_board_card_says_it_is_a_warranty_return(personas, client_as):
    original = collected_job(personas, days_ago=10)
    client = client_as(personas.front_desk)
    client.post(reverse("intake"), return_post(personas, original))

    board = client.get(reverse("board"), {"branch": personas.branch.code}).content.decode()

    assert f"Warranty return of {original.number}" in board


def test_the_panel_offers_the_return_until_a_date(personas, client_as):
    original = collected_job(personas, days_ago=10)
    until = original.collected_at.astimezone(personas.branch.tz).date() + datetime.timedelta(90)

    html = warranty_panel(client_as(personas.front_desk), original).content.decode()

    assert "Book a warranty return" in html
    assert f"{until.day} {until:%b %Y}" in html


def test_outside_its_warranty_it_says_when_it_ended_and_books_nothing(personas, client_as):
    original = collected_job(personas, days_ago=91)
    ended = original.collected_at.astimezone(personas.branch.tz).date() + datetime.timedelta(90)
    client = client_as(personas.front_desk)

    html = warranty_panel(client, original).content.decode()
    response = client.post(reverse("intake"), return_post(personas, original), follow=True)

    assert "Book a warranty return" not in html
    assert f"ended on {ended:%a} {ended.day} {ended:%b %Y}" in html
    assert f"ended on {ended:%a} {ended.day} {ended:%b %Y}" in response.content.decode()
    assert not original.warranty_returns.exists()
    assert WorksOrder.objects.for_shop(personas.shop).count() == 1


def test_its_last_day_is_still_covered(personas, client_as):
    original = collected_job(personas, days_ago=90)

    html = warranty_panel(client_as(personas.front_desk), original).content.decode()

    assert "Book a warranty return" in html


def test_a_repair_without_a_warranty_offers_no_return(personas, client_as):
    original = collected_job(personas, days_ago=1, warranty_days=0)

    html = warranty_panel(client_as(personas.front_desk), original).content.decode()

    assert "Book a warranty return" not in html
    assert "No warranty is recorded" in html


def test_only_the_counter_is_offered_the_return(personas, client_as):
    original = collected_job(personas, days_ago=10)

    technician = warranty_panel(client_as(personas.technician), original)
    booked = client_as(personas.technician).post(reverse("intake"), return_post(personas, original))

    assert technician.status_code == 200
    assert "Book a warranty return" not in technician.content.decode()
    assert booked.status_code == 403
    assert not original.warranty_returns.exists()
    for member in (personas.manager, personas.owner):
        assert (
            "Book a warranty return" in warranty_panel(client_as(member), original).content.decode()
        )


def test_another_shops_job_is_not_found(personas, client_as):
    original = collected_job(personas, days_ago=10)
    outsider = client_as(personas.outsider)

    assert warranty_panel(outsider, original).status_code == 404
    assert (
        outsider.get(reverse("intake"), {"warranty_return_of": original.number}).status_code == 404
    )
    posted = outsider.post(reverse("intake"), return_post(personas, original))
    assert posted.status_code == 404
    assert not original.warranty_returns.exists()


def test_a_double_submit_books_one_job(personas, client_as):
    original = collected_job(personas, days_ago=10)
    client = client_as(personas.front_desk)
    form = return_post(personas, original)

    first = client.post(reverse("intake"), form)
    second = client.post(reverse("intake"), form, follow=True)

    comeback = original.warranty_returns.get()  # one, not two
    assert first["Location"] == reverse("works_order_detail", args=[comeback.number])
    assert second.redirect_chain[-1][0] == reverse("works_order_detail", args=[comeback.number])
    assert f"has just been booked in as warranty return {comeback.number}" in (
        second.content.decode()
    )


def test_a_device_may_come_back_twice_from_a_fresh_form(personas, client_as):
    original = collected_job(personas, days_ago=10)
    client = client_as(personas.front_desk)
    client.post(reverse("intake"), return_post(personas, original))

    page = client.get(reverse("intake"), {"warranty_return_of": original.number})
    client.post(reverse("intake"), return_post(personas, original, returns_seen="1"))

    assert 'name="returns_seen" value="1"' in page.content.decode()
    assert original.warranty_returns.count() == 2


def test_the_intake_page_is_prefilled(personas, client_as):
    original = collected_job(personas, days_ago=10)

    html = (
        client_as(personas.front_desk)
        .get(reverse("intake"), {"warranty_return_of": original.number})
        .content.decode()
    )

    assert f'Warranty return of <span class="font-monospace">{original.number}</span>' in html
    assert original.customer.full_name in html
    assert original.device.imei in html
    assert 'name="job-priority" value="warranty"' in html
    assert f'name="warranty_return_of" value="{original.number}"' in html
    assert 'name="job-estimated_completion" value="20' in html  # a due time to start from


def test_a_bad_returns_seen_changes_nothing(personas, client_as):
    original = collected_job(personas, days_ago=10)

    for bad in ("x\x00", "99999999999999999999", "-1", "7"):
        response = client_as(personas.front_desk).post(
            reverse("intake"), return_post(personas, original, returns_seen=bad)
        )
        assert response.status_code == 200
        assert "out of date" in response.content.decode()
    assert not original.warranty_returns.exists()


def test_only_a_manager_prices_a_warranty_return(personas):
    original = collected_job(personas, days_ago=10)
    comeback = services.warranty_return_book_in(
        original=original,
        returns_seen=0,
        branch=personas.branch,
        by=personas.front_desk,
        details={"fault_reported": "Flickers", "estimated_completion": timezone.now()},
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
    )
    WorksOrder.objects.for_shop(personas.shop).filter(pk=comeback.pk).update(
        status=Status.IN_PROGRESS, assigned_to=personas.technician
    )
    comeback.refresh_from_db()

    with pytest.raises(services.ValidationError, match="no charge unless a manager"):
        services.final_price_set(
            works_order=comeback, amount=Decimal("30"), reason="", by=personas.technician
        )
    with pytest.raises(services.ValidationError):  # a price needs the manager's reason
        services.final_price_set(
            works_order=comeback, amount=Decimal("30"), reason="", by=personas.manager
        )
    services.final_price_set(
        works_order=comeback,
        amount=Decimal("30"),
        reason="Customer dropped it again",
        by=personas.manager,
    )

    comeback.refresh_from_db()
    assert comeback.final_price == Decimal("30.00")
    assert any("Customer dropped it again" in e.text for e in comeback.timeline.all())


def test_extra_work_on_a_free_return_needs_no_approval(personas):
    original = collected_job(personas, days_ago=10)
    comeback = services.warranty_return_book_in(
        original=original,
        returns_seen=0,
        branch=personas.branch,
        by=personas.front_desk,
        details={"fault_reported": "Flickers", "estimated_completion": timezone.now()},
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
    )
    WorksOrder.objects.for_shop(personas.shop).filter(pk=comeback.pk).update(
        status=Status.IN_PROGRESS, assigned_to=personas.technician
    )
    comeback.refresh_from_db()

    services.extra_work_add(
        works_order=comeback,
        line=LineData(description="New flex cable", unit_price=Decimal("15.00"), kind="part"),
        reason="",
        by=personas.technician,
    )

    comeback.refresh_from_db()
    assert comeback.status == Status.IN_PROGRESS


def test_a_free_return_is_collected_without_payment(personas):
    original = collected_job(personas, days_ago=10)
    comeback = services.warranty_return_book_in(
        original=original,
        returns_seen=0,
        branch=personas.branch,
        by=personas.front_desk,
        details={"fault_reported": "Flickers", "estimated_completion": timezone.now()},
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
    )
    WorksOrder.objects.for_shop(personas.shop).filter(pk=comeback.pk).update(status=Status.READY)
    comeback.refresh_from_db()

    with pytest.raises(TransitionRefused, match="nothing is owed"):
        works_order_advance(
            works_order=comeback,
            step="collect",
            by=personas.front_desk,
            signed_name="Dee",
            signature_png=None,
        )
    invoice = invoice_issue(works_order=comeback, by=personas.front_desk)
    comeback.refresh_from_db()
    works_order_advance(
        works_order=comeback,
        step="collect",
        by=personas.front_desk,
        signed_name="Dee",
        signature_png=None,
    )

    comeback.refresh_from_db()
    assert invoice.gross == Decimal("0.00")
    assert f"No charge: warranty return of {original.number}" in [
        line.description for line in invoice.lines.all()
    ]
    assert comeback.status == Status.COLLECTED


def test_the_detail_page_asks_nothing_more_for_the_links(personas, client_as):
    original = collected_job(personas, days_ago=10)
    plain = collected_job(personas, days_ago=10)
    client = client_as(personas.front_desk)
    client.post(reverse("intake"), return_post(personas, original))
    comeback = original.warranty_returns.get()

    counts = {}
    for job in (plain, original, comeback):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("works_order_detail", args=[job.number])).status_code == 200
        counts[job.number] = len(queries)

    assert counts[original.number] == counts[plain.number]
    assert counts[comeback.number] <= counts[plain.number] + 2  # an open job: its bench panels
