"""The weekly summary email: Monday 8:00 in each manager's branch's time zone, exactly once per
manager and week (duplicate beats, two workers, reruns), caught up until Wednesday 8:00, and
switched off by the manager; its figures on the known week of kpi_scenes."""

from __future__ import annotations

import datetime
import threading
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.db import connections
from django.urls import reverse

from notifications import outbox
from notifications.models import Channel, Message, Stage, State
from reports import weekly
from reports.models import WeeklySummary
from reports.weekly import due_somewhere, week_due, weekly_summaries_send
from shops.models import Branch, MembershipBranch
from tests.reports.kpi_scenes import known_week
from tickets.models import SlaCrossing, WorksOrder

UTC = datetime.UTC
NOV_2 = datetime.date(2026, 11, 2)
MONDAY_8 = datetime.datetime(2026, 11, 9, 8, 0, tzinfo=UTC)  # 8:00 GMT in Birmingham
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "week"),
    [
        # Winter in London: 8:00 GMT is 8:00 UTC. Not a minute before; then until Wednesday 8:00.
        ("Europe/London", "2026-11-09 07:59", None),
        ("Europe/London", "2026-11-09 08:00", NOV_2),
        ("Europe/London", "2026-11-10 13:00", NOV_2),
        ("Europe/London", "2026-11-11 07:59", NOV_2),
        ("Europe/London", "2026-11-11 08:00", None),
        ("Europe/London", "2026-11-08 08:00", None),  # Sunday
        # Summer: 8:00 BST is 7:00 UTC.
        ("Europe/London", "2026-06-01 06:59", None),
        ("Europe/London", "2026-06-01 07:00", datetime.date(2026, 5, 25)),
        # The Mondays after the clocks change (29 March forward, 25 October back).
        ("Europe/London", "2026-03-30 06:59", None),
        ("Europe/London", "2026-03-30 07:00", datetime.date(2026, 3, 23)),
        ("Europe/London", "2026-10-26 07:00", None),
        ("Europe/London", "2026-10-26 08:00", datetime.date(2026, 10, 19)),
        # New York: EST (UTC−5), and EDT (UTC−4) the day after its clocks went forward on 8 March.
        ("America/New_York", "2026-11-09 12:59", None),
        ("America/New_York", "2026-11-09 13:00", NOV_2),
        ("America/New_York", "2026-03-09 11:59", None),
        ("America/New_York", "2026-03-09 12:00", datetime.date(2026, 3, 2)),
        # Sydney (AEDT, UTC+11): its Monday 8:00 is Sunday 21:00 UTC.
        ("Australia/Sydney", "2026-11-08 20:59", None),
        ("Australia/Sydney", "2026-11-08 21:00", NOV_2),
        ("Australia/Sydney", "2026-11-10 20:59", NOV_2),
        ("Australia/Sydney", "2026-11-10 21:00", None),
        # Half an hour off UTC.
        ("Asia/Kolkata", "2026-11-09 02:29", None),
        ("Asia/Kolkata", "2026-11-09 02:30", NOV_2),
    ],
)
def test_a_summary_is_due_from_monday_8_to_wednesday_8_in_the_branchs_time(zone, now, week):
    assert week_due(utc(now), zoneinfo.ZoneInfo(zone)) == week


@pytest.mark.parametrize(
    ("now", "due"),
    [
        ("2026-11-08 17:59", False),  # Sunday: not yet Monday 8:00 anywhere
        ("2026-11-08 18:00", True),  # Monday 8:00 at UTC+14 (Kiritimati)
        ("2026-11-11 19:59", True),  # Wednesday 7:59 at UTC−12
        ("2026-11-11 20:00", False),
        ("2026-11-13 12:00", False),  # Friday
    ],
)
def test_a_beat_knows_when_no_summary_can_be_due_anywhere(now, due):
    assert due_somewhere(utc(now)) is due
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12", "Europe/London", "Australia/Sydney"):
        if week_due(utc(now), zoneinfo.ZoneInfo(zone)) is not None:
            assert due


@pytest.mark.django_db
def test_a_beat_when_nothing_is_due_asks_the_database_nothing(personas, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert weekly_summaries_send(MONDAY_8 + datetime.timedelta(days=4)) == 0


@pytest.mark.django_db
def test_the_queries_of_a_beat(personas, week, django_assert_max_num_queries):
    # Finding who is due: 4 queries; each summary: its claim, the figures and lists, the outbox
    # row and the claim's message.
    with django_assert_max_num_queries(4 + 3 * 12):
        assert weekly_summaries_send(MONDAY_8) == 3
    with django_assert_max_num_queries(4):
        assert weekly_summaries_send(MONDAY_8 + 5 * M) == 0


def summaries(shop) -> list[Message]:
    return list(
        Message.objects.for_shop(shop)
        .filter(stage=Stage.WEEKLY_SUMMARY)
        .select_related("member__user")
        .order_by("recipient")
    )


def recipients_of(shop) -> list[str]:
    return [message.recipient for message in summaries(shop)]


def breached_week(personas):
    """kpi_scenes' week, with B's breach recorded and the open jobs' status times set."""
    scene = known_week(personas)
    b, d = scene.jobs["B"], scene.jobs["D"]
    SlaCrossing.objects.create(
        shop=personas.shop, works_order=b, branch=b.branch, threshold="breached",
        due_at=b.sla_due_at, crossed_at=b.sla_due_at,
    )  # fmt: skip
    shop_jobs = WorksOrder.objects.for_shop(personas.shop)
    shop_jobs.filter(pk=b.pk).update(status_since=b.ready_at)
    shop_jobs.filter(pk=d.pk).update(status_since=d.created_at)
    return scene


@pytest.fixture
def week(personas):
    return breached_week(personas)


@pytest.mark.django_db
def test_each_owner_and_manager_gets_their_summary_once(personas, week):
    assert weekly_summaries_send(MONDAY_8 - M) == 0
    assert recipients_of(personas.shop) == []

    # Our owner and manager, and the other shop's owner: three summaries, each in its own shop.
    assert weekly_summaries_send(MONDAY_8) == 3
    assert recipients_of(personas.shop) == ["manager@example.com", "owner@example.com"]
    assert recipients_of(personas.outsider.shop) == ["olly@example.com"]

    # Beats every five minutes until Wednesday, and a rerun of the same beat: nothing more.
    for minutes in (0, 0, 5, 10, 60 * 24, 60 * 47):
        assert weekly_summaries_send(MONDAY_8 + minutes * M) == 0
    assert len(summaries(personas.shop)) == 2
    assert WeeklySummary.objects.for_shop(personas.shop).count() == 2

    email = next(m for m in summaries(personas.shop) if m.member == personas.manager)
    assert (email.channel, email.state, email.customer, email.works_order) == (
        Channel.EMAIL,
        State.QUEUED,
        None,
        None,
    )
    claim = WeeklySummary.objects.for_shop(personas.shop).get(member=personas.manager)
    assert (claim.week, claim.message) == (NOV_2, email)
    assert email.subject == "Fix Corner Repairs: your week, Mon 2 Nov – Sun 8 Nov: 4 in, 1 out"

    # Sent through the outbox: HTML and a text part, each linking to the works orders.
    outbox.message_deliver(email.pk)
    email.refresh_from_db()
    assert email.state == State.SENT
    (sent,) = mail.outbox
    assert sent.to == ["manager@example.com"]
    [(html, kind)] = sent.alternatives
    assert kind == "text/html" and html == email.html
    b, d = week.jobs["B"], week.jobs["D"]
    for part in (html, sent.body):
        assert f"/works-orders/{b.number}/" in part  # the breach, and waiting longest
        assert f"/works-orders/{d.number}/" in part
        assert "Birmingham and Coventry" in part
    assert "2.0 h late" in sent.body
    assert "£80.00" in html and "50 %" in html


@pytest.mark.django_db
def test_the_other_shops_summary_holds_none_of_ours(personas, week):
    weekly_summaries_send(MONDAY_8)
    [theirs] = summaries(personas.outsider.shop)
    for ours in (week.jobs["B"].number, week.jobs["D"].number, "Birmingham", "£80.00"):
        assert ours not in theirs.body and ours not in theirs.html
    assert "0 in, 0 out" in theirs.subject


@pytest.mark.django_db
def test_the_figures_of_the_known_week(personas, week):
    [recipient] = [r for r in weekly.recipients() if r.member == personas.manager]
    summary = weekly.weekly_figures(recipient=recipient, week=NOV_2, now=MONDAY_8)
    figures = {f.label: (f.now, f.before) for f in summary.figures}
    assert figures == {
        "Jobs in": (4, 1),  # A, B, C, D; E the week before
        "Jobs out (collected)": (1, 1),  # A; E
        "Open at the end of the week": (2, 0),  # B ready, D in intake
        "Median turnaround (booked in → ready)": (18.0, 36.0),  # A 24 h, B 12 h; E 36 h
        "Revenue (excl. VAT, less credit notes)": (Decimal("80.00"), Decimal("0.00")),
        "SLA compliance": (50.0, None),  # A on time, B late; E had no SLA
    }
    [breach] = summary.breaches
    assert (breach.number, breach.detail, summary.breach_count) == (
        week.jobs["B"].number,
        "2.0 h late",
        1,
    )
    assert [job.number for job in summary.waiting] == [week.jobs["B"].number, week.jobs["D"].number]
    assert summary.waiting[0].detail == "booked in 7 days ago, 6.4 days in this status"
    assert summary.open_count == 2

    # A manager of Coventry alone sees Coventry's week: one job in, cancelled.
    MembershipBranch.objects.for_shop(personas.shop).filter(
        membership=personas.manager, branch=personas.branch
    ).delete()
    [recipient] = [r for r in weekly.recipients() if r.member == personas.manager]
    summary = weekly.weekly_figures(recipient=recipient, week=NOV_2, now=MONDAY_8)
    assert (summary.scope, summary.figures[0].now, summary.figures[2].now) == ("Coventry", 1, 0)
    assert (summary.breaches, summary.waiting) == ([], [])


@pytest.mark.django_db
def test_an_empty_fortnight_says_so(personas):
    weekly_summaries_send(MONDAY_8)
    email = next(m for m in summaries(personas.shop) if m.member == personas.owner)
    assert "None: every promise due last week was kept." in email.body
    assert "Nothing is open." in email.body
    assert "Median turnaround (booked in → ready): – / –" in email.body


@pytest.mark.django_db
def test_after_an_outage_it_catches_up_until_wednesday_8_then_skips_the_week(personas):
    wednesday_8 = MONDAY_8 + 2 * datetime.timedelta(days=1)
    assert weekly_summaries_send(wednesday_8) == 0  # came back too late: the week is skipped
    assert WeeklySummary.objects.for_shop(personas.shop).count() == 0
    assert weekly_summaries_send(wednesday_8 - M) == 3  # (a clock that had been earlier)
    assert recipients_of(personas.shop) == ["manager@example.com", "owner@example.com"]
    # The next week's comes the Monday after.
    assert weekly_summaries_send(MONDAY_8 + datetime.timedelta(days=7)) == 3
    weeks = WeeklySummary.objects.for_shop(personas.shop).values_list("week", flat=True)
    assert sorted(set(weeks)) == [NOV_2, datetime.date(2026, 11, 9)]


@pytest.mark.django_db
def test_each_branch_in_its_own_time_zone(personas):
    sydney = personas.outsider.branches.get()
    Branch.objects.for_shop(sydney.shop).filter(pk=sydney.pk).update(timezone="Australia/Sydney")
    sunday_21 = datetime.datetime(2026, 11, 8, 21, 0, tzinfo=UTC)  # Monday 8:00 in Sydney
    assert weekly_summaries_send(sunday_21) == 1
    assert recipients_of(personas.outsider.shop) == ["olly@example.com"]
    assert recipients_of(personas.shop) == []
    assert weekly_summaries_send(MONDAY_8) == 2  # then Birmingham's Monday 8:00


@pytest.mark.django_db
def test_a_manager_who_switched_it_off_gets_none(personas):
    personas.manager.weekly_summary = False
    personas.manager.save(update_fields=["weekly_summary"])
    weekly_summaries_send(MONDAY_8)
    assert recipients_of(personas.shop) == ["owner@example.com"]


@pytest.mark.django_db
def test_technicians_and_the_counter_get_none(personas):
    weekly_summaries_send(MONDAY_8)
    members = {m.member for m in summaries(personas.shop)}
    assert members == {personas.owner, personas.manager}


@pytest.mark.django_db
def test_a_manager_switches_it_off_on_the_staff_page(personas, client_as):
    client = client_as(personas.manager)
    url = reverse("staff_edit", args=[personas.manager.pk])
    page = client.get(url).content.decode()
    assert "Weekly summary email" in page
    assert 'id="id_weekly_summary" checked' in page
    form = {
        "role": personas.manager.role,
        "branches": [b.pk for b in personas.manager.branches.all()],
        "skills": [],
    }
    assert client.post(url, form).status_code == 302  # the box sent unticked
    personas.manager.refresh_from_db()
    assert personas.manager.weekly_summary is False
    assert client.post(url, {**form, "weekly_summary": "on"}).status_code == 302
    personas.manager.refresh_from_db()
    assert personas.manager.weekly_summary is True


@pytest.mark.django_db
def test_a_run_that_fails_before_commit_leaves_no_claim_and_the_next_beat_sends(personas, week):
    with mock.patch.object(weekly, "worst_breaches", side_effect=RuntimeError("worker lost")):
        assert weekly_summaries_send(MONDAY_8) == 0
    assert WeeklySummary.objects.for_shop(personas.shop).count() == 0
    assert recipients_of(personas.shop) == []
    assert weekly_summaries_send(MONDAY_8 + 5 * M) == 3
    assert recipients_of(personas.shop) == ["manager@example.com", "owner@example.com"]


@pytest.mark.django_db(transaction=True)
def test_beats_on_several_workers_at_once_send_each_summary_once(personas):
    workers = 6
    start = threading.Barrier(workers)

    def beat(_) -> int:
        try:
            start.wait(timeout=30)
            return weekly_summaries_send(MONDAY_8 + 2 * M)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        sent = list(pool.map(beat, range(workers), timeout=120))
    assert sum(sent) == 3
    assert recipients_of(personas.shop) == ["manager@example.com", "owner@example.com"]
    assert WeeklySummary.objects.all_shops().count() == 3


def test_beat_runs_it_every_five_minutes(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["weekly-summaries"]
    assert (entry["task"], entry["schedule"]) == ("reports.tasks.weekly_summaries", 300.0)
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
