"""The board: a branch's works orders in columns, moved by drag or menu, live for everyone."""

import datetime
import json
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shops.models import Role
from tests.factories import CustomerFactory, DeviceFactory, MembershipFactory, WorksOrderFactory
from tests.payments import pay_in_full
from tickets import board, services
from tickets.lifecycle import works_order_advance
from tickets.models import (
    Event,
    Photo,
    Priority,
    Status,
    TransitionRefused,
    WorksOrder,
)
from tickets.services import ConsentData

pytestmark = pytest.mark.django_db

BOARD = reverse("board")
MOVE = reverse("board_move")
CHANGED = reverse("board_changed")
HTMX = {"HX-Request": "true"}


def book(personas, *, branch=None, consent=True, **details) -> WorksOrder:
    return WorksOrderFactory(
        branch=branch or personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee") if consent else None,
        **details,
    )


def advance(works_order, step, by, **inputs) -> WorksOrder:
    return works_order_advance(works_order=works_order, step=step, by=by, **inputs)


def assigned(personas, **details) -> WorksOrder:
    works_order = book(personas, **details)
    return advance(works_order, "assign", personas.front_desk, technician=personas.technician)


def in_progress(personas, **details) -> WorksOrder:
    return advance(assigned(personas, **details), "start", personas.technician)


def at_qc(personas) -> WorksOrder:
    works_order = in_progress(personas)
    services.timer_start(works_order=works_order, by=personas.technician)
    services.timer_stop(works_order=works_order, by=personas.technician)
    services.final_price_set(
        works_order=works_order, amount=Decimal("120.00"), reason="", by=personas.technician
    )
    return advance(works_order, "submit_for_qc", personas.technician)


def put(works_order: WorksOrder, status: str, **fields) -> None:
    """Set a status directly (the field is protected; a queryset update is the way around)."""
    WorksOrder.objects.for_shop(works_order.shop_id).filter(pk=works_order.pk).update(
        status=status, **fields
    )


def columns(response) -> dict[str, list[str]]:
    """Column → the works-order numbers shown in it, top to bottom."""
    html = response.content.decode()
    found = re.findall(r'<ol class="bc-list" data-column="(\w+)"[^>]*>(.*?)</ol>', html, re.S)
    return {column: re.findall(r'data-number="([^"]+)"', cards) for column, cards in found}


def on_board(response) -> list[str]:
    return [number for numbers in columns(response).values() for number in numbers]


def card(response, number: str) -> str:
    match = re.search(
        rf'<li class="bc[^"]*" data-number="{number}".*?</li>', response.content.decode()
    )
    assert match, f"{number} is not on the board"
    return match.group(0)


def toasts(response) -> list[str]:
    return [t["text"] for t in json.loads(response.headers["HX-Trigger"])["toasts"]]


def redraws(response) -> bool:
    """A move answers with no content and tells the board to redraw itself from the database."""
    return response.status_code == 204 and "boardChanged" in json.loads(
        response.headers["HX-Trigger"]
    )


def status_of(works_order: WorksOrder) -> str:
    works_order.refresh_from_db()
    return works_order.status


# What the board shows --------------------------------------------------------------------


def test_the_board_shows_the_branchs_jobs_in_their_columns(client_as, personas):
    waiting = book(personas)
    working = in_progress(personas)
    at_coventry = book(personas, branch=personas.other_branch)
    cancelled = book(personas)
    services.works_order_cancel(
        works_order=cancelled, reason="Changed mind", by=personas.front_desk
    )
    collected_today, collected_before = book(personas), book(personas)
    put(collected_today, Status.COLLECTED, collected_at=timezone.now())
    put(
        collected_before, Status.COLLECTED, collected_at=timezone.now() - datetime.timedelta(days=2)
    )
    WorksOrderFactory(branch=personas.outsider.branches.first(), by=personas.outsider)

    response = client_as(personas.front_desk).get(BOARD)

    assert response.status_code == 200
    shown = columns(response)
    assert list(shown) == [
        "intake",
        "assigned",
        "in_progress",
        "quality_control",
        "ready",
        "collected",
    ]
    assert shown["intake"] == [waiting.number]  # not Coventry's, not the other shop's WO-000001
    assert shown["in_progress"] == [working.number]
    assert shown["collected"] == [collected_today.number]
    assert not {at_coventry.number, cancelled.number, collected_before.number} & set(
        on_board(response)
    )
    body = response.content.decode()
    assert "Collected today" in body and "Board" in body and "Birmingham" in body


def test_a_card_shows_what_the_bench_needs_to_know(client_as, personas):
    customer = CustomerFactory(shop=personas.shop, full_name="Dee Whitfield")
    device = DeviceFactory(shop=personas.shop, customer=customer, make="Samsung", model_name="S23")
    tomorrow = timezone.localdate(timezone=personas.branch.tz) + datetime.timedelta(days=1)
    due = datetime.datetime.combine(tomorrow, datetime.time(15, 30), tzinfo=personas.branch.tz)
    works_order = assigned(
        personas,
        customer=customer,
        device=device,
        priority=Priority.URGENT,
        estimated_completion=due,
    )
    sla(works_order, due=due, risk=due - datetime.timedelta(hours=2))
    for _ in range(2):
        Photo.objects.create(
            shop=personas.shop,
            works_order=works_order,
            image="private/x.jpg",
            width=1,
            height=1,
            uploaded_by=personas.front_desk,
        )

    shown = card(client_as(personas.front_desk).get(BOARD), works_order.number)

    assert f'href="/works-orders/{works_order.number}/"' in shown
    assert "Samsung S23" in shown and ">Dee<" in shown and "Whitfield" not in shown
    titled = book(personas, customer=CustomerFactory(shop=personas.shop, full_name="Mrs Ann Lee"))
    assert 'class="bc-cust">Ann<' in card(client_as(personas.front_desk).get(BOARD), titled.number)
    assert "Urgent" in shown and "bc-urgent" in shown
    assert "Jack" in shown and "Morgan" not in shown  # the assignee's first name
    assert '<span class="bc-ph" title="Photos">2</span>' in shown
    in_utc = due.astimezone(datetime.UTC)
    assert f'<time datetime="{in_utc:%Y-%m-%dT%H:%M:%S}Z">15:30 tomorrow</time>' in shown
    assert 'class="bc-sla sla-on_track" data-sla="on_track">On track · due' in shown
    assert "Promised" not in shown  # the promise is the SLA's own due time: said once
    assert f'aria-label="Move {works_order.number} to…"' in shown


# The SLA on the cards ----------------------------------------------------------------------

# The branch's time zone (the default), and a Thursday morning there: the board is read "now",
# at this time.
LONDON = zoneinfo.ZoneInfo("Europe/London")
THURSDAY = datetime.datetime(2026, 3, 12, 10, 0, tzinfo=LONDON)


def sla(works_order: WorksOrder, *, due=None, risk=None, paused=None, **fields) -> None:
    """Set the SLA's times directly, as the engine (tickets/sla.py, tested on its own) would."""
    WorksOrder.objects.for_shop(works_order.shop_id).filter(pk=works_order.pk).update(
        sla_due_at=due, sla_risk_at=risk, sla_paused_at=paused, **fields
    )


def local(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """Day `day` of March 2026, at the branch."""
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=LONDON)


def sla_lines(personas, **filters) -> dict[str, str]:
    """Works-order number → the words of its card's SLA line ("" for none), read on THURSDAY."""
    assert personas.branch.tz == LONDON
    cards = board.board_cards(personas.shop, branch=personas.branch, now=THURSDAY, **filters)
    lines = {}
    for c in cards:
        html = board.card_html(c, detail_url="/wo/__number__/")
        found = re.search(r'<span class="bc-sla ([^"]*)" data-sla="(\w*)">(.*?)</span>', html)
        lines[c["number"]] = (
            f"{found[1]}|{found[2]}|{re.sub(r'<[^>]+>', '', found[3])}" if found else ""
        )
    return lines


def test_a_card_says_its_sla_status_in_words_with_its_colour_and_icon(personas):
    on_track = book(personas)
    sla(on_track, risk=local(13, 12), due=local(13, 16))
    next_week = book(personas)
    sla(next_week, risk=local(16, 9), due=local(16, 16))
    at_risk = book(personas)
    sla(at_risk, risk=local(12, 9), due=local(12, 16))
    breached = book(personas)
    sla(breached, risk=local(9, 17), due=local(10, 12))
    long_ago = book(personas)
    sla(long_ago, risk=local(1, 9), due=local(2, 12))
    no_sla = book(personas)
    sla(no_sla)

    lines = sla_lines(personas)

    assert lines[on_track.number] == "sla-on_track|on_track|On track · due 16:00 tomorrow"
    assert lines[next_week.number] == "sla-on_track|on_track|On track · due Mon 16:00"
    assert lines[at_risk.number] == "sla-at_risk|at_risk|At risk · due 16:00 today"
    assert lines[breached.number] == "sla-breached|breached|Breached · was due Tue 12:00"
    assert lines[long_ago.number] == "sla-breached|breached|Breached · was due 2 Mar 12:00"
    assert lines[no_sla.number] == ""  # no SLA due time, no SLA line


def test_a_stopped_clock_says_so_and_keeps_the_colour_it_stopped_at(personas):
    approval = in_progress(personas)
    put(approval, Status.AWAITING_APPROVAL)
    # Stopped before the job turned at risk: on track, though the due time has gone by since.
    sla(approval, risk=local(11, 9), due=local(11, 16), paused=local(10, 15))
    parts = in_progress(personas)
    put(parts, Status.AWAITING_PARTS)
    sla(parts, risk=local(11, 9), due=local(13, 16), paused=local(11, 10))
    parts_clock_running = in_progress(personas)
    put(parts_clock_running, Status.AWAITING_PARTS)
    sla(parts_clock_running, risk=local(13, 9), due=local(13, 16))

    lines = sla_lines(personas)

    assert lines[approval.number] == (
        "sla-on_track sla-stopped|on_track|On track · clock stopped (waiting for customer)"
    )
    assert lines[parts.number] == (
        "sla-at_risk sla-stopped|at_risk|At risk · clock stopped (waiting for parts)"
    )
    assert (
        lines[parts_clock_running.number] == "sla-on_track|on_track|On track · due 16:00 tomorrow"
    )


def test_a_job_ready_in_time_says_so_and_one_ready_late_says_it_was_breached(personas):
    in_time, late = book(personas), book(personas)
    put(in_time, Status.READY)
    sla(in_time, risk=local(11, 9), due=local(11, 16), paused=local(11, 12))
    put(late, Status.READY)
    sla(late, risk=local(10, 9), due=local(10, 16), paused=local(11, 12))

    lines = sla_lines(personas)

    assert lines[in_time.number] == "sla-on_track sla-met|at_risk|Done in time"
    assert lines[late.number] == "sla-breached|breached|Breached · was due Tue 16:00"


def test_a_promise_other_than_the_sla_is_shown_second(personas):
    promised_later = book(personas, estimated_completion=local(13, 18))
    sla(promised_later, risk=local(13, 12), due=local(13, 16))
    promised_the_same = book(personas, estimated_completion=local(13, 16))
    sla(promised_the_same, risk=local(13, 12), due=local(13, 16, 0) + datetime.timedelta(seconds=5))
    no_sla_but_promised = book(personas, estimated_completion=local(11, 17))
    sla(no_sla_but_promised)

    shown = board.board_cards(personas.shop, branch=personas.branch, now=THURSDAY)
    cards = {c["number"]: c for c in shown}
    html = {n: board.card_html(c, detail_url="/wo/__number__/") for n, c in cards.items()}

    assert (
        '<time class="bc-due" datetime="2026-03-13T18:00:00Z" title="Promised to the customer">'
        "Promised 18:00 tomorrow</time>"
    ) in html[promised_later.number]
    assert "Promised" not in html[promised_the_same.number]
    assert "bc-sla" not in html[no_sla_but_promised.number]
    assert (
        'class="bc-due bc-late" datetime="2026-03-11T17:00:00Z" '
        'title="Promised to the customer: passed">Promised 17:00 yesterday</time>'
    ) in html[no_sla_but_promised.number]


def test_the_board_filters_by_sla_status_and_sorts_worst_first(client_as, personas):
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    on_track_soon, on_track_later = book(personas), book(personas, priority=Priority.VIP)
    sla(on_track_soon, risk=now + hour, due=now + 2 * hour)
    sla(on_track_later, risk=now + 3 * hour, due=now + 4 * hour)
    at_risk = book(personas)
    sla(at_risk, risk=now - hour, due=now + 5 * hour)
    breached_long_ago, breached_just = book(personas), book(personas)
    sla(breached_long_ago, risk=now - 9 * hour, due=now - 8 * hour)
    sla(breached_just, risk=now - 3 * hour, due=now - hour)
    no_sla = book(personas, priority=Priority.VIP)
    sla(no_sla)
    client = client_as(personas.front_desk)

    def shown(**params):
        return on_board(client.get(BOARD, params))

    assert shown(sla="breached") == [breached_long_ago.number, breached_just.number]
    assert shown(sla="at_risk") == [at_risk.number]
    assert shown(sla="on_track") == [on_track_later.number, on_track_soon.number]  # VIP first
    assert shown(sort="sla") == [
        breached_long_ago.number,
        breached_just.number,
        at_risk.number,
        on_track_soon.number,
        on_track_later.number,
        no_sla.number,
    ]
    assert shown(sla="on_track", sort="sla") == [on_track_soon.number, on_track_later.number]
    everyone = set(shown())
    assert set(shown(sla="nonsense", sort="nonsense")) == everyone  # ignored, never an error
    assert shown(sla="breached\x00") == shown()
    page = client.get(BOARD, {"sla": "at_risk", "sort": "sla"}).content.decode()
    assert '<option value="at_risk" selected>At risk</option>' in page
    assert '<option value="sla" selected>SLA: breached first</option>' in page
    assert "clear filters</a>" in page and "Branch, filters and order (on)" in page


def test_paused_jobs_stay_in_progress_with_a_badge(client_as, personas):
    parts = advance(in_progress(personas), "wait_for_parts", personas.technician)
    approval = in_progress(personas)
    put(approval, Status.AWAITING_APPROVAL)

    response = client_as(personas.technician).get(BOARD)

    assert columns(response)["in_progress"] == [parts.number, approval.number]
    assert "Waiting for parts" in card(response, parts.number)
    assert "Waiting for approval" in card(response, approval.number)


def test_the_board_is_of_the_members_first_branch_unless_the_url_says(client_as, personas):
    at_bhm, at_cov = book(personas), book(personas, branch=personas.other_branch)
    coventry_only = MembershipFactory(
        shop=personas.shop, role=Role.TECHNICIAN, branches=[personas.other_branch]
    )
    assert columns(client_as(coventry_only).get(BOARD))["intake"] == [at_cov.number]
    assert columns(client_as(personas.owner).get(BOARD))["intake"] == [at_bhm.number]
    response = client_as(personas.owner).get(BOARD, {"branch": "COV"})
    assert columns(response)["intake"] == [at_cov.number]
    assert '<option value="COV" selected>' in response.content.decode()


def test_another_shops_branch_code_shows_the_members_own_board(client_as, personas):
    mine = book(personas)
    WorksOrderFactory(branch=personas.outsider.branches.first(), by=personas.outsider)
    response = client_as(personas.owner).get(BOARD, {"branch": "GHX"})
    assert response.status_code == 200
    assert on_board(response) == [mine.number]


def test_the_board_filters_by_technician_priority_and_mine(client_as, personas):
    jacks = assigned(personas)
    urgent = book(personas, priority=Priority.URGENT)
    sofias = advance(
        book(personas), "assign", personas.manager, technician=personas.second_technician
    )
    everyone = {jacks.number, urgent.number, sofias.number}
    client = client_as(personas.technician)

    def shown(**params):
        return set(on_board(client.get(BOARD, params)))

    assert shown() == everyone
    assert shown(technician=personas.second_technician.pk) == {sofias.number}
    assert shown(priority="urgent") == {urgent.number}
    assert shown(mine="1") == {jacks.number}
    assert shown(technician="999999", priority="nonsense") == everyone  # ignored, never an error


def test_filters_from_htmx_answer_the_board_alone_and_tidy_the_address(client_as, personas):
    book(personas, priority=Priority.VIP)
    response = client_as(personas.front_desk).get(
        BOARD,
        {"branch": "BHM", "technician": "", "priority": "vip"},
        headers={**HTMX, "HX-Trigger": "board-filters"},
    )
    body = response.content.decode().strip()
    assert body.startswith('<div id="board"') and "<html" not in body
    assert response.headers["HX-Push-Url"] == f"{BOARD}?branch=BHM&priority=vip"
    assert "HX-Request" in response.headers["Vary"]


def test_the_workload_strip_shows_each_technicians_open_jobs_and_hours(client_as, personas):
    assigned(personas, estimated_minutes=45)
    in_progress(personas, estimated_minutes=60)
    assigned(personas)  # no estimate yet: counts as a job, adds no time
    response = client_as(personas.front_desk).get(BOARD)
    strip = re.search(r'<section class="workload".*?</section>', response.content.decode(), re.S)
    assert strip, "no workload strip"
    text = re.sub(r"<[^>]+>", "", strip.group(0))
    assert "Jack Morgan 3 open jobs · 1.8 h" in text
    assert "Sofia Kowalski 0 open jobs · 0 h" in text


def test_the_board_costs_the_same_queries_for_10_and_300_cards(client_as, personas):
    """Measured: 2 for the user and memberships (the session comes from the cache), then 3
    for the board itself (branches with the version, technicians with their workload, cards)."""
    customer = CustomerFactory(shop=personas.shop)
    device = DeviceFactory(shop=personas.shop, customer=customer)
    statuses = [s for s in Status if s not in (Status.COLLECTED, Status.CANCELLED)]

    def status_paused(status: str) -> bool:
        return status in (Status.AWAITING_APPROVAL, Status.READY)

    def fill(up_to: int) -> None:
        have = WorksOrder.objects.for_shop(personas.shop).count()
        WorksOrder.objects.bulk_create(
            WorksOrder(
                shop=personas.shop,
                number=f"T-{n:05d}",
                branch=personas.branch,
                customer=customer,
                device=device,
                status=statuses[n % len(statuses)],
                priority=list(Priority)[n % 4],
                assigned_to=personas.technician if n % 2 else None,
                fault_reported="Cracked",
                created_by=personas.front_desk,
                estimated_completion=timezone.now() + datetime.timedelta(hours=n),
                # Some breached, some at risk, most on track: every card has its SLA line.
                sla_risk_at=timezone.now() + datetime.timedelta(hours=n - 20),
                sla_due_at=timezone.now() + datetime.timedelta(hours=n - 10),
                sla_paused_at=timezone.now()
                if status_paused(statuses[n % len(statuses)])
                else None,
            )
            for n in range(have, up_to)
        )

    client = client_as(personas.technician)
    client.get(BOARD)  # the session is warm, as it is for staff at work
    counts = {}
    for cards in (10, 300):
        fill(cards)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(BOARD)
        assert sum(len(c) for c in columns(response).values()) == cards
        assert response.content.decode().count('class="bc-sla ') == cards
        counts[cards] = [q["sql"] for q in queries.captured_queries]
    assert len(counts[10]) == len(counts[300])
    # Signing in: the user with their memberships and shops, one query on every page; the
    # session is read from the cache.
    signing_in = re.compile(r"FROM shops_user u LEFT JOIN")
    board_queries = [sql for sql in counts[300] if not signing_in.search(sql)]
    assert len(counts[300]) == 4 and len(board_queries) == 3, board_queries


# Moving cards ----------------------------------------------------------------------------


def test_a_drag_moves_the_job_and_writes_the_timeline(client_as, personas):
    works_order = assigned(personas)
    client = client_as(personas.technician)
    response = client.post(
        MOVE,
        {
            "number": works_order.number,
            "column": "in_progress",
            "seen": "assigned",
            "branch": "BHM",
        },
        headers=HTMX,
    )
    assert redraws(response)
    assert status_of(works_order) == Status.IN_PROGRESS
    entry = works_order.timeline.first()
    assert (entry.actor, entry.data["source"], entry.data["target"]) == (
        personas.technician,
        "assigned",
        "in_progress",
    )
    assert toasts(response) == [f"{works_order.number}: Start work → In progress."]
    redrawn = client.get(BOARD, {"branch": "BHM"}, headers=HTMX)
    assert columns(redrawn)["in_progress"] == [works_order.number]


def test_a_refused_move_snaps_back_with_the_reason(client_as, personas):
    works_order = assigned(personas)
    client = client_as(personas.front_desk)
    response = client.post(
        MOVE,
        {"number": works_order.number, "column": "in_progress", "seen": "assigned"},
        headers=HTMX,
    )
    assert redraws(response)
    assert toasts(response) == ["A front desk cannot “Start work”."]
    assert status_of(works_order) == Status.ASSIGNED
    redrawn = client.get(BOARD, headers=HTMX)
    assert columns(redrawn)["assigned"] == [works_order.number]  # back where it was
    assert not works_order.timeline.filter(data__step="start").exists()


def test_a_move_the_board_does_not_allow_says_what_comes_next(client_as, personas):
    works_order = book(personas)
    response = client_as(personas.manager).post(
        MOVE, {"number": works_order.number, "column": "ready", "seen": "intake"}, headers=HTMX
    )
    assert toasts(response) == [
        f"{works_order.number} cannot move from Intake to Ready. Next: Assign."
    ]
    assert status_of(works_order) == Status.INTAKE


def test_a_guard_refusal_reaches_the_person_who_dragged(client_as, personas):
    works_order = book(personas, consent=False)
    response = client_as(personas.technician).post(
        MOVE, {"number": works_order.number, "column": "assigned", "seen": "intake"}, headers=HTMX
    )
    assert toasts(response) == [
        "Record the customer's consent to the quote before the job leaves intake."
    ]
    assert status_of(works_order) == Status.INTAKE


def test_a_technician_dragging_from_intake_picks_the_job_up(client_as, personas):
    works_order = book(personas)
    response = client_as(personas.technician).post(
        MOVE, {"number": works_order.number, "column": "assigned", "seen": "intake"}, headers=HTMX
    )
    works_order.refresh_from_db()
    assert (works_order.status, works_order.assigned_to) == (Status.ASSIGNED, personas.technician)
    assert "openMoveDialog" not in response.headers.get("HX-Trigger-After-Settle", "")


def test_a_move_on_a_stale_board_says_who_moved_it(client_as, personas):
    works_order = assigned(personas)
    advance(works_order, "start", personas.technician)  # Jack started it a moment ago
    client = client_as(personas.manager)
    response = client.post(
        MOVE,
        {"number": works_order.number, "column": "in_progress", "seen": "assigned"},
        headers=HTMX,
    )
    assert redraws(response)
    assert toasts(response) == [
        f"{works_order.number} was just moved by Jack Morgan; it is now in progress."
    ]
    assert columns(client.get(BOARD, headers=HTMX))["in_progress"] == [works_order.number]
    assert works_order.timeline.filter(data__step="start").count() == 1


def test_two_people_moving_the_same_card_at_once_one_wins_nothing_corrupt(personas):
    works_order = assigned(personas)
    mine = WorksOrder.objects.for_shop(personas.shop).get(pk=works_order.pk)
    theirs = WorksOrder.objects.for_shop(personas.shop).get(pk=works_order.pk)
    advance(mine, "start", personas.technician)
    with pytest.raises(TransitionRefused, match="was just moved by Jack Morgan"):
        advance(theirs, "start", personas.manager)
    assert status_of(works_order) == Status.IN_PROGRESS
    assert works_order.timeline.filter(data__step="start").count() == 1
    assert works_order.timeline.get(data__step="start").actor == personas.technician


def test_the_keyboard_menu_takes_a_named_step(client_as, personas):
    works_order = in_progress(personas)
    services.final_price_set(
        works_order=works_order, amount=Decimal("120.00"), reason="", by=personas.technician
    )
    response = client_as(personas.technician).post(
        MOVE,
        {"number": works_order.number, "step": "submit_for_qc", "seen": "in_progress"},
        headers=HTMX,
    )
    assert redraws(response)
    assert status_of(works_order) == Status.QUALITY_CONTROL


def test_waiting_for_parts_asks_which_parts_and_says_so_on_the_card_and_timeline(
    client_as, personas
):
    works_order = in_progress(personas)
    client = client_as(personas.technician)
    response = client.post(
        MOVE,
        {"number": works_order.number, "step": "wait_for_parts", "seen": "in_progress"},
        headers=HTMX,
    )
    assert "Which parts is it waiting for?" in response.content.decode()
    assert status_of(works_order) == Status.IN_PROGRESS

    response = client.post(
        move_form(works_order, "wait_for_parts"), {"reason": "Battery on order"}, headers=HTMX
    )
    assert redraws(response)
    assert status_of(works_order) == Status.AWAITING_PARTS
    assert "Waiting for parts" in card(client.get(BOARD, headers=HTMX), works_order.number)
    said = works_order.timeline.get(data__step="wait_for_parts").text
    assert said == "In progress → Waiting for parts: Battery on order"


def test_a_step_that_is_not_next_from_the_menu_is_refused(client_as, personas):
    works_order = assigned(personas)
    response = client_as(personas.manager).post(
        MOVE, {"number": works_order.number, "step": "collect", "seen": "assigned"}, headers=HTMX
    )
    assert "cannot move from Assigned" in toasts(response)[0]
    assert status_of(works_order) == Status.ASSIGNED


def menu(client, works_order) -> tuple[list[str], list[str]]:
    """A card's "Move to…" menu as the server fills it: (steps offered, steps shown blocked)."""
    url = reverse("board_card_steps", kwargs={"number": works_order.number})
    body = client.get(url, headers=HTMX).content.decode()
    return re.findall(r'data-step="([^"]+)"', body), re.findall(
        r'<span class="text-body-secondary">([^<]+)</span>', body
    )


def test_the_menu_offers_each_person_only_the_steps_they_may_take_on_this_job(client_as, personas):
    def offered(member, works_order) -> list[str]:
        return menu(client_as(member), works_order)[0]

    technician, colleague, desk = (
        personas.technician,
        personas.second_technician,
        personas.front_desk,
    )
    works_order = assigned(personas)
    assert offered(technician, works_order) == ["start"]
    assert offered(colleague, works_order) == []  # Jack's job: nothing for Sofia
    assert offered(desk, works_order) == ["cancel"]

    advance(works_order, "start", personas.technician)
    advance(works_order, "wait_for_parts", personas.technician, reason="Battery")
    assert offered(technician, works_order) == ["resume"]
    assert offered(colleague, works_order) == []  # no "Resume work" on a colleague's job
    assert offered(desk, works_order) == ["cancel"]  # the counter does not resume bench work
    assert offered(personas.manager, works_order) == ["resume", "cancel"]

    qc = at_qc(personas)
    assert offered(technician, qc) == []  # no "Pass QC" on their own repair
    assert offered(colleague, qc) == ["pass_qc", "fail_qc"]


def test_the_counter_cannot_resume_a_technicians_paused_job(client_as, personas):
    works_order = in_progress(personas)
    advance(works_order, "wait_for_parts", personas.technician, reason="Battery")
    response = client_as(personas.front_desk).post(
        MOVE,
        {"number": works_order.number, "step": "resume", "seen": "awaiting_parts"},
        headers=HTMX,
    )
    assert toasts(response) == ["A front desk cannot “Resume work”."]
    assert status_of(works_order) == Status.AWAITING_PARTS


def test_a_step_the_job_is_not_ready_for_is_shown_with_what_comes_first(client_as, personas):
    works_order = in_progress(personas)
    port = services.LineData(description="Charging port", unit_price=Decimal("60.00"))
    services.extra_work_add(works_order=works_order, line=port, reason="", by=personas.technician)
    works_order.refresh_from_db()
    offered, blocked = menu(client_as(personas.manager), works_order)
    assert "resume" not in offered and "Resume work" in blocked  # waits for the approval


def test_send_to_qc_without_a_final_price_asks_for_it_filled_in_with_the_quote(client_as, personas):
    works_order = in_progress(personas)
    client = client_as(personas.technician)
    response = client.post(
        MOVE,
        {"number": works_order.number, "step": "submit_for_qc", "seen": "in_progress"},
        headers=HTMX,
    )
    page = response.content.decode()
    assert "Final price (incl. VAT)" in page and 'value="120.00"' in page
    assert status_of(works_order) == Status.IN_PROGRESS

    refused = client.post(
        move_form(works_order, "submit_for_qc"), {"amount": "90.00", "reason": ""}, headers=HTMX
    )
    assert "Say why the price differs from the quote" in refused.content.decode()
    assert status_of(works_order) == Status.IN_PROGRESS

    taken = client.post(
        move_form(works_order, "submit_for_qc"),
        {"amount": "90.00", "reason": "Loyal customer"},
        headers=HTMX,
    )
    assert redraws(taken)
    works_order.refresh_from_db()
    assert (works_order.status, works_order.final_price) == ("quality_control", Decimal("90.00"))


def test_a_move_without_htmx_redirects_back_to_the_same_board(client_as, personas):
    works_order = assigned(personas)
    response = client_as(personas.technician).post(
        MOVE,
        {
            "number": works_order.number,
            "column": "in_progress",
            "branch": "BHM",
            "priority": "standard",
            "sla": "on_track",
            "sort": "sla",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{BOARD}?branch=BHM&priority=standard&sla=on_track&sort=sla"
    assert status_of(works_order) == Status.IN_PROGRESS


def test_another_shops_works_order_cannot_be_moved(client_as, personas):
    elsewhere = personas.outsider.branches.first()
    WorksOrderFactory(branch=elsewhere, by=personas.outsider)
    theirs = WorksOrderFactory(branch=elsewhere, by=personas.outsider)  # WO-000002 there only
    ours = book(personas)  # WO-000001 here
    client = client_as(personas.owner)
    response = client.post(MOVE, {"number": theirs.number, "column": "assigned"}, headers=HTMX)
    assert response.status_code == 404
    form = reverse("board_move_form", kwargs={"number": theirs.number, "step": "assign"})
    assert client.get(form, headers=HTMX).status_code == 404
    assert client.post(form, {"technician": personas.technician.pk}).status_code == 404
    assert status_of(theirs) == Status.INTAKE and status_of(ours) == Status.INTAKE


def test_a_move_form_step_that_does_not_exist_is_404(client_as, personas):
    works_order = book(personas)
    url = reverse("board_move_form", kwargs={"number": works_order.number, "step": "delete"})
    assert client_as(personas.owner).get(url, headers=HTMX).status_code == 404


# Moves that need more than a drop ----------------------------------------------------------


def move_form(works_order, step) -> str:
    return reverse("board_move_form", kwargs={"number": works_order.number, "step": step})


def test_dropping_in_assigned_at_the_counter_asks_to_whom(client_as, personas):
    works_order = book(personas)
    client = client_as(personas.front_desk)
    response = client.post(
        MOVE, {"number": works_order.number, "column": "assigned", "seen": "intake"}, headers=HTMX
    )
    body = response.content.decode()
    assert response.headers["HX-Retarget"] == "#move-dialog-content"
    assert "openMoveDialog" in response.headers["HX-Trigger-After-Settle"]
    assert "boardChanged" in response.headers["HX-Trigger"]  # the card goes back meanwhile
    assert "Jack Morgan · 0 open, 0 h" in body and "Sofia Kowalski" in body
    assert "Tom Fletcher" not in body  # a manager is not a technician
    assert "This field is required" not in body  # a fresh form, not one with errors
    assert status_of(works_order) == Status.INTAKE

    response = client.post(
        move_form(works_order, "assign"),
        {"technician": personas.second_technician.pk, "branch": "BHM"},
        headers=HTMX,
    )
    works_order.refresh_from_db()
    assert works_order.assigned_to == personas.second_technician
    assert redraws(response) and "closeMoveDialog" in response.headers["HX-Trigger"]
    assert columns(client.get(BOARD, headers=HTMX))["assigned"] == [works_order.number]
    assert works_order.timeline.first().event == Event.ASSIGNED


def test_the_assign_form_needs_a_choice(client_as, personas):
    works_order = book(personas)
    response = client_as(personas.front_desk).post(
        move_form(works_order, "assign"), {"technician": ""}, headers=HTMX
    )
    assert response.headers["HX-Retarget"] == "#move-dialog-content"
    assert "This field is required" in response.content.decode()
    assert status_of(works_order) == Status.INTAKE


def test_qc_signed_by_the_repairer_is_refused_inside_the_dialog(client_as, personas):
    works_order = at_qc(personas)
    checks = {f"check_{i}": "pass" for i, _ in enumerate(personas.shop.qc_checklist)}
    response = client_as(personas.technician).post(
        move_form(works_order, "pass_qc"), checks, headers=HTMX
    )
    assert response.headers["HX-Retarget"] == "#move-dialog-content"
    assert "QC must be signed by someone other than the technicians who worked on it." in (
        response.content.decode()
    )
    assert "boardChanged" in response.headers["HX-Trigger"]
    assert status_of(works_order) == Status.QUALITY_CONTROL


def test_qc_passed_by_someone_else_makes_it_ready(client_as, personas):
    works_order = at_qc(personas)
    checks = {f"check_{i}": "pass" for i, _ in enumerate(personas.shop.qc_checklist)}
    response = client_as(personas.second_technician).post(
        move_form(works_order, "pass_qc"), checks, headers=HTMX
    )
    assert status_of(works_order) == Status.READY
    assert redraws(response)
    assert all(result["ok"] for result in works_order.qc_results.values())


def test_failing_qc_needs_a_note_on_what_failed_and_sends_it_back(client_as, personas):
    works_order = at_qc(personas)
    checks = {f"check_{i}": "pass" for i, _ in enumerate(personas.shop.qc_checklist)}
    checks["check_3"] = "fail"
    client = client_as(personas.second_technician)
    response = client.post(move_form(works_order, "fail_qc"), checks, headers=HTMX)
    assert "Say what is wrong" in response.content.decode()
    assert status_of(works_order) == Status.QUALITY_CONTROL

    response = client.post(
        move_form(works_order, "fail_qc"), {**checks, "note_3": "No dial tone"}, headers=HTMX
    )
    works_order.refresh_from_db()
    assert works_order.status == Status.IN_PROGRESS and works_order.qc_failures == 1
    failed = personas.shop.qc_checklist[3]
    assert works_order.qc_results[failed] == {"ok": False, "note": "No dial tone"}
    said = works_order.timeline.get(data__step="fail_qc").text
    assert said == f"QC → In progress: failed {failed} (No dial tone)"


def test_collection_is_for_the_counter(client_as, personas):
    works_order = book(personas)
    put(works_order, Status.READY, final_price=Decimal("80.00"))
    technician = client_as(personas.technician).get(move_form(works_order, "collect"), headers=HTMX)
    assert "A technician cannot “Collected”." in technician.content.decode()
    assert 'name="signed_name"' not in technician.content.decode()

    pay_in_full(works_order, personas.front_desk)
    response = client_as(personas.front_desk).post(
        move_form(works_order, "collect"),
        {"signed_name": "Dee Whitfield"},
        headers=HTMX,
    )
    works_order.refresh_from_db()
    assert works_order.status == Status.COLLECTED
    assert redraws(response)
    desk = client_as(personas.front_desk)
    assert columns(desk.get(BOARD, headers=HTMX))["collected"] == [works_order.number]


def test_the_move_form_opens_as_a_page_without_htmx(client_as, personas):
    works_order = book(personas)
    response = client_as(personas.front_desk).get(move_form(works_order, "cancel"))
    body = response.content.decode()
    assert response.status_code == 200 and "data-open-on-load" in body
    assert "Why is it cancelled?" in body and '<div id="board"' in body


def test_pick_up_next_gives_a_technician_the_most_pressing_job(client_as, personas):
    book(personas)
    urgent = book(personas, priority=Priority.URGENT)
    response = client_as(personas.technician).post(reverse("board_pick_up"), headers=HTMX)
    urgent.refresh_from_db()
    assert urgent.assigned_to == personas.technician
    assert toasts(response) == [f"{urgent.number} is yours: Apple iPhone 13."]
    assert client_as(personas.front_desk).post(reverse("board_pick_up")).status_code == 403


# Live ------------------------------------------------------------------------------------


def test_the_changed_check_is_204_until_something_changes(
    client_as, personas, django_assert_num_queries
):
    works_order = assigned(personas)
    client = client_as(personas.front_desk)
    body = client.get(BOARD).content.decode()
    since = re.search(r'board/changed/\?branch=BHM&amp;since=([\d.]+)"', body).group(1)
    client.get(CHANGED, {"branch": "BHM", "since": since})  # warm the session

    with django_assert_num_queries(2):  # the user with memberships, and the one check
        unchanged = client.get(CHANGED, {"branch": "BHM", "since": since}, headers=HTMX)
    assert unchanged.status_code == 204

    advance(works_order, "start", personas.technician)
    changed = client.get(CHANGED, {"branch": "BHM", "since": since}, headers=HTMX)
    assert changed.status_code == 200 and "boardChanged" in json.loads(
        changed.headers["HX-Trigger"]
    )
    assert client.get(CHANGED, {"branch": "COV", "since": since}).status_code == 200


def test_a_card_leaving_the_board_changes_the_version(client_as, personas):
    first, second = book(personas), book(personas)
    client = client_as(personas.front_desk)
    body = client.get(BOARD).content.decode()
    since = re.search(r"since=([\d.]+)", body).group(1)
    put(first, Status.CANCELLED)  # no timeline entry, yet the board must redraw
    assert client.get(CHANGED, {"branch": "BHM", "since": since}).status_code == 200
    assert second.number in client.get(BOARD).content.decode()


def test_a_card_changing_colour_with_the_clock_alone_changes_the_version(client_as, personas):
    """Nothing is written when a job turns at risk or breached (the sweep records the crossing,
    but the board must not wait for it): the version counts the cards in each colour."""
    works_order = book(personas)
    now, hour = timezone.now(), datetime.timedelta(hours=1)
    sla(works_order, risk=now + hour, due=now + 2 * hour)
    client = client_as(personas.front_desk)

    def version() -> str:
        body = client.get(BOARD).content.decode()
        return re.search(r"since=([\d.]+)", body).group(1)

    on_track = version()
    assert client.get(CHANGED, {"branch": "BHM", "since": on_track}).status_code == 204
    sla(works_order, risk=now - hour, due=now + hour)  # as if an hour had gone by
    assert client.get(CHANGED, {"branch": "BHM", "since": on_track}).status_code == 200
    at_risk = version()
    sla(works_order, risk=now - 2 * hour, due=now - hour)
    assert client.get(CHANGED, {"branch": "BHM", "since": at_risk}).status_code == 200
    assert version() not in (on_track, at_risk)


def test_the_board_refreshes_itself_when_told(client_as, personas):
    body = client_as(personas.front_desk).get(BOARD).content.decode()
    # each skips a turn while someone drags (board.js, on htmx:confirm)
    assert 'hx-trigger="boardChanged from:body" data-wait-while-busy' in body
    assert 'hx-trigger="every 5s" data-wait-while-busy' in body


# The same moves from the works-order page -----------------------------------------------


def test_the_works_order_page_offers_the_moves_of_the_board_and_comes_back_to_itself(
    client_as, personas
):
    works_order = assigned(personas)
    detail = reverse("works_order_detail", args=[works_order.number])
    client = client_as(personas.technician)
    page = client.get(detail).content.decode()
    assert "Move to…" in page and 'value="start">Start work</button>' in page
    assert 'value="cancel"' not in page  # cancelling has its own panel

    response = client.post(
        MOVE,
        {"number": works_order.number, "step": "start", "seen": "assigned", "from": "detail"},
        headers=HTMX,
    )
    assert response.headers["HX-Redirect"] == detail
    assert status_of(works_order) == Status.IN_PROGRESS
    assert "Start work" in client.get(detail).content.decode()  # the toast, on the page


def test_a_move_needing_input_from_the_works_order_page_asks_then_comes_back(client_as, personas):
    works_order = in_progress(personas)
    detail = reverse("works_order_detail", args=[works_order.number])
    client = client_as(personas.technician)
    asked = client.post(
        MOVE,
        {"number": works_order.number, "step": "wait_for_parts", "seen": "in_progress"}
        | {"from": "detail"},
        headers=HTMX,
    ).content.decode()
    assert "Which parts is it waiting for?" in asked
    assert '<input type="hidden" name="from" value="detail">' in asked

    response = client.post(
        move_form(works_order, "wait_for_parts"),
        {"reason": "Charging port", "from": "detail"},
        headers=HTMX,
    )
    assert response.headers["HX-Redirect"] == detail
    assert status_of(works_order) == Status.AWAITING_PARTS


def test_the_works_order_page_offers_no_moves_to_someone_who_may_take_none(client_as, personas):
    works_order = assigned(personas)
    page = client_as(personas.front_desk).get(
        reverse("works_order_detail", args=[works_order.number])
    )
    assert "Move to…" not in page.content.decode()


def test_a_qc_checklist_changed_while_the_dialog_was_open_asks_again(client_as, personas):
    works_order = at_qc(personas)
    client = client_as(personas.second_technician)
    dialog = client.get(move_form(works_order, "pass_qc"), headers=HTMX).content.decode()
    shown = re.search(r'name="checklist" value="(\w+)"', dialog).group(1)
    shop = personas.shop
    shop.qc_checklist = ["Battery health above 80 %", *shop.qc_checklist]  # a manager adds one
    shop.save()

    checks = {f"check_{i}": "pass" for i in range(len(shop.qc_checklist) - 1)}
    response = client.post(
        move_form(works_order, "pass_qc"), {**checks, "checklist": shown}, headers=HTMX
    )
    assert "checklist changed while this was open" in response.content.decode()
    assert "Battery health above 80 %" in response.content.decode()
    assert status_of(works_order) == Status.QUALITY_CONTROL
