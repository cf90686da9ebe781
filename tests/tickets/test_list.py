"""The works-order list: newest first, filtered from the URL, paginated, in fixed queries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from shops.models import Role
from tests.factories import MembershipFactory, WorksOrderFactory
from tickets.filters import WorksOrderFilterForm
from tickets.models import Priority, Status, WorksOrder
from tickets.services import LineData, quote_totals, works_order_cancel

pytestmark = pytest.mark.django_db

URL = reverse("works_orders")


def book(personas, *, branch=None, days_ago=0, **details):
    return WorksOrderFactory(
        branch=branch or personas.branch,
        by=personas.front_desk,
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
        **details,
    )


def listed(response) -> list[str]:
    """The works-order numbers in the table, top to bottom."""
    return re.findall(
        r'<a class="font-monospace" href="/works-orders/([^/]+)/">', response.content.decode()
    )


def test_the_list_shows_the_shops_works_orders_newest_first(client_as, personas):
    old = book(personas, days_ago=10)
    new = book(personas, days_ago=1, fault_reported="Cracked screen " + "and more " * 20)
    WorksOrderFactory(branch=personas.outsider.branches.first(), by=personas.outsider)
    response = client_as(personas.front_desk).get(URL)
    assert response.status_code == 200
    assert listed(response) == [new.number, old.number]  # never the other shop's WO-000001 twice
    body = response.content.decode()
    assert escape(new.customer.full_name) in body and "Apple iPhone 13" in body
    assert "Cracked screen and more and more" in body and "…" in body  # fault truncated
    assert "Standard" in body and "Intake" in body and "Unassigned" in body


def test_a_row_shows_typed_text_as_text_and_says_what_is_unusual(client_as, personas):
    typed = book(personas, fault_reported='<b>Won\'t charge</b> & "dead"')
    typed.customer.full_name = "Zoë <i>O'Brien</i>"
    typed.customer.save()
    cancelled = book(personas, days_ago=1)
    WorksOrder.objects.for_shop(personas.shop).filter(pk=cancelled.pk).update(
        status=Status.CANCELLED
    )
    online = book(personas, days_ago=2)
    WorksOrder.objects.for_shop(personas.shop).filter(pk=online.pk).update(
        drop_off_at=timezone.make_aware(datetime.datetime(2026, 12, 9, 14, 30)),
        dropped_off_at=None,
    )
    body = client_as(personas.front_desk).get(URL).content.decode()
    assert "<b>" not in body and "<i>O" not in body
    assert "&lt;b&gt;Won&#x27;t charge&lt;/b&gt; &amp; &quot;dead&quot;" in body
    assert "Zoë &lt;i&gt;O&#x27;Brien&lt;/i&gt;" in body
    row = re.search(rf'<tr class="text-body-secondary">\s*<th scope="row"[^>]*><a[^>]*>'
                    rf"{cancelled.number}<", body)  # fmt: skip
    assert row, "a cancelled job's row is muted"
    assert 'Booked online</span> <span class="small text-body-secondary">drop-off 9 Dec 14:30' in (
        body
    )


def test_the_quote_total_is_the_same_as_the_receipts(client_as, personas):
    # Three 3p lines: VAT rounded per line is 1p each (12p gross); on the sum it would be 2p (11p).
    pennies = [LineData(description="Screw", unit_price=Decimal("0.03")) for _ in range(3)]
    odd = [
        LineData(description="Labour", unit_price=Decimal("9.99"), quantity=Decimal("1.5")),
        LineData(description="Part", unit_price=Decimal("149.99"), vat_rate=Decimal("5")),
    ]
    small, mixed = book(personas, lines=pennies), book(personas, lines=odd)
    book(personas, lines=[])
    body = client_as(personas.owner).get(URL).content.decode()
    for wo in (small, mixed):
        gross = quote_totals(wo.lines.all())[2]
        assert f"£{gross}" in body
    assert "£0.12" in body and "£175.48" in body  # 14.99 + 3.00 + 149.99 + 7.50
    assert "No quote" in body


def test_a_quote_is_written_in_the_shops_currency_as_every_page_writes_money(client_as, personas):
    big = [LineData(description="Logic board", unit_price=Decimal("1234.50"))]
    book(personas, lines=big)
    assert "£1,481.40" in client_as(personas.owner).get(URL).content.decode()  # 20 % VAT
    personas.shop.currency = "EUR"
    personas.shop.save(update_fields=["currency"])
    assert "€1,481.40" in client_as(personas.owner).get(URL).content.decode()


def test_the_list_filters_by_branch(client_as, personas):
    at_bhm, at_cov = book(personas), book(personas, branch=personas.other_branch)
    response = client_as(personas.owner).get(URL, {"branch": "COV"})
    assert listed(response) == [at_cov.number]
    assert at_bhm.number not in response.content.decode()


def test_another_shops_branch_code_shows_nothing_of_that_shop(client_as, personas):
    book(personas)
    WorksOrderFactory(branch=personas.outsider.branches.first(), by=personas.outsider)
    response = client_as(personas.owner).get(URL, {"branch": "GHX"})
    assert response.status_code == 200
    assert all(n.startswith("WO-") for n in listed(response))
    assert len(listed(response)) == 1  # the filter is ignored, not applied to the other shop


def test_the_list_filters_by_several_statuses(client_as, personas):
    open_one, cancelled, _ = book(personas), book(personas), book(personas)
    works_order_cancel(works_order=cancelled, reason="Customer changed mind", by=personas.owner)
    client = client_as(personas.owner)
    assert listed(client.get(URL, {"status": "cancelled"})) == [cancelled.number]
    both = client.get(f"{URL}?status=cancelled&status=intake")
    assert len(listed(both)) == 3
    assert "2 statuses" in both.content.decode()
    assert open_one.number not in listed(client.get(URL, {"status": "ready"}))


def test_the_list_filters_by_priority(client_as, personas):
    urgent = book(personas, priority=Priority.URGENT)
    book(personas)
    assert listed(client_as(personas.owner).get(URL, {"priority": "urgent"})) == [urgent.number]


def test_the_list_filters_by_technician(client_as, personas):
    jacks = book(personas, assigned_to=personas.technician, status=Status.ASSIGNED)
    book(personas, assigned_to=personas.second_technician, status=Status.ASSIGNED)
    book(personas)
    response = client_as(personas.owner).get(URL, {"technician": personas.technician.pk})
    assert listed(response) == [jacks.number]
    assert "Jack Morgan" in response.content.decode()


def test_the_technician_choices_are_this_shops_active_technicians(personas):
    gone = MembershipFactory(shop=personas.shop, role=Role.TECHNICIAN, is_active=False)
    form = WorksOrderFilterForm({}, shop=personas.shop)
    choices = dict(form.fields["technician"].choices)
    assert choices == {
        "": "Anyone",
        personas.second_technician.pk: "Sofia Kowalski",
        personas.technician.pk: "Jack Morgan",
    }
    assert gone.pk not in choices and personas.outsider.pk not in choices
    assert list(form.fields["branch"].choices) == [
        ("", "All branches"),
        ("BHM", "BHM · Birmingham"),
        ("COV", "COV · Coventry"),
    ]


def test_the_list_filters_by_booked_in_dates(client_as, personas):
    book(personas, days_ago=20)
    middle = book(personas, days_ago=10)
    book(personas, days_ago=2)
    today = timezone.localdate()
    window = {
        "booked_from": (today - datetime.timedelta(days=11)).isoformat(),
        "booked_to": (today - datetime.timedelta(days=10)).isoformat(),
    }
    assert listed(client_as(personas.owner).get(URL, window)) == [middle.number]


def test_a_date_range_the_wrong_way_round_is_explained_not_applied(client_as, personas):
    wo = book(personas)
    today = timezone.localdate()
    response = client_as(personas.owner).get(
        URL,
        {"booked_from": today.isoformat(), "booked_to": (today - datetime.timedelta(days=3))},
    )
    assert "The end date is before the start date." in response.content.decode()
    assert listed(response) == [wo.number]


def test_twenty_five_to_a_page_and_the_page_links_keep_the_filters(client_as, personas):
    for day in range(28):
        book(personas, days_ago=day, priority=Priority.URGENT)
    book(personas)  # standard priority: filtered out
    client = client_as(personas.owner)
    first = client.get(URL, {"priority": "urgent", "branch": "", "technician": ""})
    assert len(listed(first)) == 25
    assert "28 works orders match these filters · page 1 of 2" in first.content.decode()
    assert 'href="/works-orders/?priority=urgent&amp;page=2"' in first.content.decode()
    second = client.get(URL, {"priority": "urgent", "page": 2})
    assert len(listed(second)) == 3
    assert 'href="/works-orders/?priority=urgent&amp;page=1"' in second.content.decode()
    assert ">2 of 2<" in second.content.decode()
    # A page past the end (an old link) shows the last one; nonsense shows the first.
    assert listed(client.get(URL, {"priority": "urgent", "page": 9})) == listed(second)
    assert listed(client.get(URL, {"priority": "urgent", "page": "x"})) == listed(first)


def test_a_long_list_is_counted_only_so_far(client_as, personas, monkeypatch):
    monkeypatch.setattr("shops.paging.COUNT_BOUND", 30)
    for day in range(31):
        book(personas, days_ago=day)
    client = client_as(personas.owner)
    body = " ".join(client.get(URL).content.decode().split())
    assert "More than 30 works orders · page 1 </p>" in body
    assert '<span class="page-link">1</span>' in body  # no "of": nobody counted the pages
    second = client.get(URL, {"page": 2})
    assert len(listed(second)) == 6 and 'rel="next"' not in second.content.decode()
    filtered = client.get(URL, {"priority": "standard", "branch": "BHM"}).content.decode()
    assert "More than 30 works orders match these filters · page 1" in filtered


def test_changing_a_filter_with_htmx_returns_only_the_table(client_as, personas):
    urgent = book(personas, priority=Priority.URGENT)
    response = client_as(personas.owner).get(
        URL,
        {"priority": "urgent", "status": "intake", "branch": "", "booked_to": ""},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="works-order-table">')
    assert "<html" not in body and "navbar" not in body
    assert listed(response) == [urgent.number]
    assert 'hx-swap-oob="true">Intake</span>' in body  # the status button's summary follows
    assert "HX-Request" in response["Vary"]
    assert response["HX-Push-Url"] == f"{URL}?priority=urgent&status=intake"


def test_going_back_after_a_history_miss_gets_the_whole_page(client_as, personas):
    response = client_as(personas.owner).get(
        URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_an_empty_shop_invites_the_first_booking(client_as, personas):
    body = client_as(personas.front_desk).get(URL).content.decode()
    assert "No works orders yet — " in body
    assert f'<a href="{reverse("intake")}">book one in</a>' in body


def test_filters_that_match_nothing_say_so(client_as, personas):
    book(personas)
    body = client_as(personas.front_desk).get(URL, {"priority": "vip"}).content.decode()
    assert "No works orders match these filters." in body


def test_every_role_sees_the_list_and_nobody_signed_out(client_as, client, personas):
    assert client.get(URL)["Location"].startswith("/sign-in/")
    assert client_as(personas.technician).get(URL).status_code == 200


def test_the_query_count_does_not_grow_with_the_rows(
    client_as, personas, django_assert_max_num_queries
):
    client = client_as(personas.owner)
    filtered = {"branch": "BHM", "technician": personas.technician.pk, "status": "assigned"}
    for _ in range(5):
        book(personas, assigned_to=personas.technician, status=Status.ASSIGNED)
    with django_assert_max_num_queries(12) as few:
        assert len(listed(client.get(URL))) == 5
    with django_assert_max_num_queries(12) as few_filtered:
        assert len(listed(client.get(URL, filtered))) == 5
    for _ in range(55):
        book(personas, assigned_to=personas.technician, status=Status.ASSIGNED)
    assert WorksOrder.objects.for_shop(personas.shop).count() == 60
    # Each row with its SLA badge costs nothing more: the status is worked out in the query.
    now = timezone.now()
    WorksOrder.objects.for_shop(personas.shop).update(sla_due_at=now, sla_risk_at=now)
    # One more on a longer list: the count, which a list that fits on its page does not need.
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        response = client.get(URL)
    assert len(listed(response)) == 25 and response.content.decode().count("sla-badge") == 25
    with django_assert_max_num_queries(len(few_filtered.captured_queries) + 1):
        assert len(listed(client.get(URL, filtered))) == 25


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": ["assigned", "in_progress", "ready"]},
        {"branch": "BHM"},
        {"priority": "urgent"},
        {"technician": "JACK"},
        {"booked_from": "2026-01-01", "booked_to": "2030-12-31"},
        {"branch": "BHM", "status": "assigned", "technician": "JACK", "priority": "urgent"},
        {"page": 2},
        {"sla": "on_track"},
        {"sla": "breached", "branch": "BHM", "status": "assigned"},
    ],
    ids=[
        *("none", "statuses", "branch", "priority", "technician", "dates", "all", "page 2"),
        *("sla", "sla and more"),
    ],
)
def test_a_page_of_25_takes_at_most_six_queries_whatever_the_filters(
    client_as, personas, django_assert_max_num_queries, filters
):
    for day in range(60):
        book(
            personas,
            days_ago=day,
            priority=Priority.URGENT,
            assigned_to=personas.technician,
            status=Status.ASSIGNED,
        )
    # Every job on track, or every job breached: the page is full either way.
    due = timezone.now() + datetime.timedelta(hours=-1 if filters.get("sla") == "breached" else 5)
    WorksOrder.objects.for_shop(personas.shop).update(
        sla_due_at=due, sla_risk_at=due - datetime.timedelta(hours=1)
    )
    if filters.get("technician"):
        filters = {**filters, "technician": personas.technician.pk}
    client = client_as(personas.owner)
    # Signing in, the branches, the technicians, the page, and the count.
    with django_assert_max_num_queries(6):
        response = client.get(URL, filters)
    assert len(listed(response)) == 25


# The SLA -----------------------------------------------------------------------------------


def sla(works_order, *, due=None, risk=None, paused=None) -> None:
    """Set the SLA's times directly, as the engine (tickets/sla.py, tested on its own) would."""
    WorksOrder.objects.for_shop(works_order.shop_id).filter(pk=works_order.pk).update(
        sla_due_at=due, sla_risk_at=risk, sla_paused_at=paused
    )


def sla_cells(response) -> dict[str, str]:
    """Works-order number → the words in its SLA cell."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", response.content.decode(), re.S)
    cells = {}
    for row in rows:
        number = re.search(r'href="/works-orders/([^/]+)/"', row)
        tds = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if number and len(tds) > 6:
            cells[number[1]] = " ".join(re.sub(r"<[^>]+>", " ", tds[6]).split())
    return cells


@pytest.fixture
def sla_jobs(personas):
    now, hour = timezone.now(), datetime.timedelta(hours=1)
    jobs = {
        "on_track": book(personas),
        "at_risk": book(personas),
        "breached": book(personas),
        "none": book(personas),
        "cancelled": book(personas),
    }
    sla(jobs["on_track"], risk=now + hour, due=now + 2 * hour)
    sla(jobs["at_risk"], risk=now - hour, due=now + hour)
    sla(jobs["breached"], risk=now - 2 * hour, due=now - hour)
    sla(jobs["none"])
    works_order_cancel(works_order=jobs["cancelled"], reason="Changed mind", by=personas.owner)
    sla(jobs["cancelled"], risk=now - 2 * hour, due=now - hour, paused=now - 3 * hour)
    return jobs


def test_the_list_shows_each_jobs_sla_in_words(client_as, personas, sla_jobs):
    cells = sla_cells(client_as(personas.owner).get(URL))
    assert cells[sla_jobs["on_track"].number].startswith("On track due ")
    assert cells[sla_jobs["at_risk"].number].startswith("At risk due ")
    assert cells[sla_jobs["breached"].number].startswith("Breached was due ")
    assert cells[sla_jobs["none"].number] == ""
    assert cells[sla_jobs["cancelled"].number] == ""  # a cancelled job has no SLA to keep
    page = client_as(personas.owner).get(URL).content.decode()
    assert 'class="badge sla-badge text-bg-danger" data-sla="breached"' in page
    assert '<i class="bi bi-exclamation-triangle" aria-hidden="true"></i> At risk' in page


def test_the_list_filters_by_sla_status(client_as, personas, sla_jobs):
    client = client_as(personas.owner)
    for status in ("on_track", "at_risk", "breached"):
        assert listed(client.get(URL, {"sla": status})) == [sla_jobs[status].number]
    everyone = listed(client.get(URL))
    assert len(everyone) == 5
    for nonsense in ("nonsense", "breached\x00", "", "'; drop table x"):
        response = client.get(URL, {"sla": nonsense})
        assert response.status_code == 200 and listed(response) == everyone


def test_a_stopped_clock_says_why_in_the_list(client_as, personas):
    now, hour = timezone.now(), datetime.timedelta(hours=1)
    waiting = book(personas, status=Status.AWAITING_APPROVAL)
    sla(waiting, risk=now + hour, due=now + 2 * hour, paused=now - hour)
    ready_late = book(personas, status=Status.READY)
    sla(ready_late, risk=now - 3 * hour, due=now - 2 * hour, paused=now - hour)
    ready_in_time = book(personas, status=Status.READY)
    sla(ready_in_time, risk=now - 3 * hour, due=now + 2 * hour, paused=now - hour)
    cells = sla_cells(client_as(personas.owner).get(URL))
    assert cells[waiting.number] == "On track clock stopped (waiting for customer)"
    assert cells[ready_late.number].startswith("Breached was due ")
    assert cells[ready_in_time.number] == "Done in time"
