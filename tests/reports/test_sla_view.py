"""The manager's SLA view: open jobs by SLA status, the at-risk list, breaches with where the
time went, compliance by priority and time in each status — for one shop, one branch or all."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import selectors
from shops.models import OpeningHours
from tests.factories import MembershipFactory, WorksOrderFactory
from tickets.models import SlaCrossing, Status, TimelineEntry, WorksOrder

pytestmark = pytest.mark.django_db

URL = reverse("sla_view")
H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


def job(personas, *, branch=None, by=None, **fields) -> WorksOrder:
    """A works order booked in, then given its SLA times, status and dates directly."""
    works_order = WorksOrderFactory(branch=branch or personas.branch, by=by or personas.front_desk)
    if fields:
        WorksOrder.objects.for_shop(works_order.shop_id).filter(pk=works_order.pk).update(**fields)
        works_order.refresh_from_db()
    return works_order


def breach(works_order: WorksOrder, at: datetime.datetime, threshold="breached") -> SlaCrossing:
    return SlaCrossing.objects.create(
        shop_id=works_order.shop_id,
        works_order=works_order,
        branch_id=works_order.branch_id,
        threshold=threshold,
        due_at=at,
        crossed_at=at,
    )


def custom(days: int = 10, **params) -> dict:
    today = timezone.localdate()
    return {
        "period": "custom",
        "start": (today - datetime.timedelta(days=days)).isoformat(),
        "end": today.isoformat(),
        **params,
    }


@pytest.fixture
def shop_floor(personas):
    """Open jobs in each SLA state at two branches, closed ones and another shop's."""
    now = timezone.now()
    jack, sofia = personas.technician, personas.second_technician
    jobs = {
        "on_track": job(
            personas, sla_risk_at=now + 5 * H, sla_due_at=now + 10 * H, assigned_to=jack
        ),
        "at_risk": job(personas, sla_risk_at=now - H, sla_due_at=now + 2 * H, assigned_to=jack),
        "breached": job(personas, sla_risk_at=now - 5 * H, sla_due_at=now - H, assigned_to=sofia),
        "no_sla": job(personas),
        # The clock stopped (waiting for the customer) before the job turned at risk: it is
        # judged at that moment, so it is still on track though both times have gone by.
        "paused": job(
            personas,
            status=Status.AWAITING_APPROVAL,
            sla_paused_at=now - 2 * H,
            sla_risk_at=now - H,
            sla_due_at=now - H / 2,
            assigned_to=sofia,
        ),
        "elsewhere": job(
            personas,
            branch=personas.other_branch,
            sla_risk_at=now - 9 * H,
            sla_due_at=now - 3 * H,
            assigned_to=sofia,
        ),
        "collected": job(
            personas, status=Status.COLLECTED, sla_risk_at=now - 3 * D, sla_due_at=now - 2 * D
        ),
        "cancelled": job(
            personas, status=Status.CANCELLED, sla_risk_at=now - 3 * D, sla_due_at=now - 2 * D
        ),
    }
    outsider = personas.outsider
    jobs["other_shop"] = job(
        personas,
        branch=outsider.branches.first(),
        by=outsider,
        sla_risk_at=now - 9 * H,
        sla_due_at=now - 3 * H,
    )
    return jobs


def test_it_counts_open_jobs_by_sla_status_per_branch_and_technician(
    client_as, personas, shop_floor
):
    response = client_as(personas.manager).get(URL)
    assert response.status_code == 200
    everywhere = response.context["everywhere"]
    assert (everywhere.breached, everywhere.at_risk, everywhere.on_track, everywhere.no_sla) == (
        2,
        1,
        2,
        1,
    )
    by_branch = {row.name: row for row in response.context["by_branch"]}
    assert set(by_branch) == {"Birmingham", "Coventry"}
    bhm = by_branch["Birmingham"]
    assert (bhm.breached, bhm.at_risk, bhm.on_track, bhm.no_sla, bhm.total) == (1, 1, 2, 1, 5)
    assert by_branch["Coventry"].breached == 1
    by_tech = {row.name: row for row in response.context["by_technician"]}
    assert (by_tech["Jack Morgan"].at_risk, by_tech["Jack Morgan"].on_track) == (1, 1)
    assert (by_tech["Sofia Kowalski"].breached, by_tech["Sofia Kowalski"].on_track) == (2, 1)
    assert response.context["by_technician"][-1].key is None  # nobody yet: last
    assert response.context["by_technician"][-1].no_sla == 1


def test_its_figures_link_to_the_list_filtered_the_same_way(client_as, personas, shop_floor):
    html = client_as(personas.manager).get(URL).content.decode()
    links = re.findall(r'href="(/works-orders/\?[^"]+)"', html)
    at_bhm = [link for link in links if "branch=BHM" in link and "sla=at_risk" in link]
    assert at_bhm, links
    assert "status=intake" in at_bhm[0] and "status=collected" not in at_bhm[0]
    jack = personas.technician.pk
    assert any(f"technician={jack}" in link and "sla=on_track" in link for link in links)
    # The list filters by each link's parameters: a breached link lists the breached job.
    breached = next(link for link in links if "branch=BHM" in link and "sla=breached" in link)
    listed = client_as(personas.manager).get(breached.replace("&amp;", "&"))
    assert listed.status_code == 200
    assert shop_floor["breached"].number in listed.content.decode()


def test_the_watch_list_has_open_jobs_at_risk_or_breached_soonest_due_first(
    client_as, personas, shop_floor
):
    response = client_as(personas.manager).get(URL)
    numbers = [wo.number for wo in response.context["watch"]]
    assert numbers == [
        shop_floor["elsewhere"].number,
        shop_floor["breached"].number,
        shop_floor["at_risk"].number,
    ]
    html = response.content.decode()
    assert f'href="/works-orders/{shop_floor["at_risk"].number}/"' in html
    assert "At risk" in html and "Breached" in html  # words with the colours


def test_closed_jobs_due_earlier_take_no_place_in_a_short_watch_list(personas, shop_floor):
    # The watch list picks its rows in a subquery (for the planner's sake on a big shop): the
    # open-jobs condition must apply there, or the collected and cancelled jobs, due two days
    # ago, would fill the first places and the list would come out empty.
    watch = selectors.watch_list(personas.shop, timezone.now(), limit=1)
    assert [wo.number for wo in watch] == [shop_floor["elsewhere"].number]


def test_the_watch_list_counts_business_time_left(client_as, personas, shop_floor):
    for branch in (personas.branch, personas.other_branch):
        for weekday in range(7):  # open round the clock, less a minute at midnight
            OpeningHours.objects.create(
                shop=personas.shop,
                branch=branch,
                weekday=weekday,
                opens=datetime.time(0, 0),
                closes=datetime.time(23, 59),
            )
    response = client_as(personas.manager).get(URL)
    left = {wo.number: wo.seconds_left for wo in response.context["watch"]}
    assert left[shop_floor["at_risk"].number] == pytest.approx(2 * 3600, abs=120)
    assert left[shop_floor["breached"].number] == pytest.approx(-3600, abs=120)
    html = response.content.decode()
    assert re.search(r"[12] h( \d+ min)? left", html)
    assert re.search(r"(59 min|1 h) overdue", html)


def test_one_branch_shows_only_its_jobs(client_as, personas, shop_floor):
    response = client_as(personas.manager).get(URL, {"branch": "COV"})
    assert response.context["branch"] == personas.other_branch
    assert [row.name for row in response.context["by_branch"]] == ["Coventry"]
    assert [wo.number for wo in response.context["watch"]] == [shop_floor["elsewhere"].number]
    assert response.context["everywhere"].total == 1


def test_breaches_in_the_period_with_the_time_in_each_status(client_as, personas, shop_floor):
    now = timezone.now()
    works_order = shop_floor["breached"]
    booked = now - 5 * D
    WorksOrder.objects.for_shop(works_order.shop_id).filter(pk=works_order.pk).update(
        created_at=booked
    )
    steps = [
        (H, "assign", "intake", "assigned", "assigned"),
        (3 * H, "start", "assigned", "in_progress", "status"),
        (5 * H, "wait_for_parts", "in_progress", "awaiting_parts", "status"),
        (2 * D + 5 * H, "parts_arrived", "awaiting_parts", "in_progress", "status"),
    ]
    since = booked
    for after, step, source, target, event in steps:
        TimelineEntry.objects.create(
            shop=personas.shop,
            works_order=works_order,
            event=event,
            at=booked + after,
            data={"step": step, "source": source, "target": target},
            from_status=source,
            time_in_from_status=booked + after - since,
        )
        since = booked + after
    WorksOrder.objects.for_shop(works_order.shop_id).filter(pk=works_order.pk).update(
        status="in_progress", status_since=since
    )
    TimelineEntry.objects.create(  # a note is no status change
        shop=personas.shop, works_order=works_order, event="note", at=booked + 4 * H
    )
    breach(works_order, now - H)
    breach(shop_floor["elsewhere"], now - 3 * H)
    breach(shop_floor["at_risk"], now - H, threshold="at_risk")  # not a breach
    breach(shop_floor["collected"], now - 30 * D)  # before the period
    breach(shop_floor["other_shop"], now - H)

    response = client_as(personas.manager).get(URL, custom())
    listed = [b.crossing.works_order.number for b in response.context["breaches"]]
    assert listed == [works_order.number, shop_floor["elsewhere"].number]
    assert response.context["breach_count"] == 2
    stretches = dict(response.context["breaches"][0].stretches)
    assert stretches["Waiting for parts"] == pytest.approx((2 * D).total_seconds())
    assert stretches["Intake"] == pytest.approx(H.total_seconds())
    assert stretches["Assigned"] == pytest.approx(2 * H.total_seconds())
    # In progress twice: 2 hours, then from the parts' arrival until now (2 d 19 h).
    in_progress = 2 * H + (now - (booked + 2 * D + 5 * H))
    assert stretches["In progress"] == pytest.approx(in_progress.total_seconds(), abs=60)
    html = response.content.decode()
    assert "Waiting for parts 2 d" in html

    one_branch = client_as(personas.manager).get(URL, custom(branch="COV"))
    assert [b.crossing.works_order for b in one_branch.context["breaches"]] == [
        shop_floor["elsewhere"]
    ]


def test_compliance_by_priority_over_the_period(client_as, personas):
    now = timezone.now()
    ready = {"status": Status.READY}
    job(personas, **ready, priority="standard", ready_at=now - D, sla_due_at=now - D + H)
    job(personas, **ready, priority="standard", ready_at=now - 2 * D, sla_due_at=now - 3 * D)
    job(personas, **ready, priority="vip", ready_at=now - D, sla_due_at=now - D)  # just in time
    job(personas, **ready, priority="urgent", ready_at=now - D)  # no SLA: not counted
    job(personas, **ready, priority="standard", ready_at=now - 40 * D, sla_due_at=now)
    job(
        personas,
        branch=personas.other_branch,
        **ready,
        priority="standard",
        ready_at=now - D,
        sla_due_at=now,
    )
    outsider = personas.outsider
    job(
        personas,
        branch=outsider.branches.first(),
        by=outsider,
        **ready,
        priority="vip",
        ready_at=now - D,
        sla_due_at=now - 2 * D,
    )

    response = client_as(personas.manager).get(URL, custom(branch="BHM"))
    rows = {
        row.priority: (row.jobs, row.met, row.percent) for row in response.context["compliance"]
    }
    assert rows == {"standard": (2, 1, 50.0), "vip": (1, 1, 100.0)}
    html = response.content.decode()
    assert "50.0 %" in html and "100.0 %" in html

    everywhere = client_as(personas.manager).get(URL, custom())
    standard = everywhere.context["compliance"][0]
    assert (standard.priority, standard.jobs, standard.met) == ("standard", 3, 2)
    assert everywhere.context["compliance_all"].jobs == 4


def test_time_in_status_median_and_90th_percentile(client_as, personas):
    now = timezone.now()

    def history(booked, *steps):
        works_order = job(personas, created_at=booked)
        source, since = "intake", booked
        for after, target in steps:
            TimelineEntry.objects.create(
                shop=personas.shop,
                works_order=works_order,
                event="status",
                at=booked + after,
                data={"step": "x", "source": source, "target": target},
                from_status=source,
                time_in_from_status=booked + after - since,
            )
            source, since = target, booked + after
        return works_order

    history(now - 4 * D, (H, "in_progress"), (3 * H, "awaiting_parts"), (2 * D + 3 * H, "ready"))
    history(now - 3 * D, (2 * H, "in_progress"), (8 * H, "quality_control"), (9 * H, "ready"))
    history(now - 60 * D, (H, "in_progress"), (2 * H, "ready"))  # before the period

    response = client_as(personas.manager).get(URL, custom())
    waits = {w.status: w for w in response.context["waits"]}
    assert set(waits) == {"intake", "in_progress", "awaiting_parts", "quality_control"}
    assert waits["awaiting_parts"].median_hours == pytest.approx(48)
    assert waits["intake"].stretches == 2
    assert waits["intake"].median_hours == pytest.approx(1.5)
    assert waits["in_progress"].median_hours == pytest.approx(4)  # 2 h and 6 h
    assert waits["in_progress"].p90_hours == pytest.approx(5.6)
    assert response.context["waits"][0].status == "awaiting_parts"  # the longest wait first


def test_periods_choose_whole_days(client_as, personas):
    today = timezone.localdate()
    for choice, first in [
        ("week", today - datetime.timedelta(days=today.weekday())),
        ("month", today.replace(day=1)),
        ("30d", today - datetime.timedelta(days=29)),
    ]:
        period = client_as(personas.manager).get(URL, {"period": choice}).context["period"]
        assert (period.first, period.last) == (first, today)
    period = client_as(personas.manager).get(URL).context["period"]
    assert period.label == "This week"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"period": "custom"}, "start"),
        ({"period": "custom", "start": "2026-03-10", "end": "2026-03-01"}, "end"),
        ({"period": "custom", "start": "2024-01-01", "end": "2026-01-01"}, "end"),
        ({"period": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"period": "custom", "start": "9999-12-31", "end": "9999-12-31"}, "start"),
        ({"period": "fortnight"}, "period"),
        ({"branch": "NOPE"}, "branch"),
        ({"branch": "GHX"}, "branch"),  # another shop's branch
    ],
)
def test_bad_choices_say_what_is_wrong_and_still_show_this_week(client_as, personas, params, field):
    response = client_as(personas.manager).get(URL, params)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["period"].label == "This week"
    assert response.context["branch"] is None
    assert 'role="alert"' in response.content.decode()


def test_a_custom_period(client_as, personas):
    response = client_as(personas.manager).get(
        URL, {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}
    )
    period = response.context["period"]
    assert (period.first, period.last) == (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert not response.context["form"].errors


def test_empty_states_say_something_helpful(client_as, personas):
    html = client_as(personas.manager).get(URL).content.decode()
    assert "No open works orders" in html or "No open jobs" in html.replace("job ", "jobs ")
    assert "is at risk or breached" in html
    assert "breached its SLA" in html
    assert "Choose a longer period" in html


def test_only_owners_and_managers_see_reports(client, client_as, personas):
    for member in (personas.owner, personas.manager):
        assert client_as(member).get(URL).status_code == 200
        assert client_as(member).get(reverse("reports")).status_code == 200
    for member in (personas.front_desk, personas.technician):
        assert client_as(member).get(URL).status_code == 403
        assert client_as(member).get(reverse("reports")).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302  # to sign in


def test_the_menu_offers_reports_to_managers_only(client_as, personas):
    reports = f'href="{reverse("reports")}"'
    assert reports in client_as(personas.manager).get(reverse("board")).content.decode()
    assert reports not in client_as(personas.technician).get(reverse("board")).content.decode()
    index = client_as(personas.owner).get(reverse("reports")).content.decode()
    assert f'href="{URL}"' in index
    assert f'href="{reverse("kpi_dashboard")}"' in index
    assert "later release" not in index


def test_another_shops_manager_sees_nothing_of_this_shop(client_as, personas, shop_floor):
    breach(shop_floor["breached"], timezone.now() - H)
    response = client_as(personas.outsider).get(URL, custom())
    assert response.status_code == 200
    assert response.context["everywhere"].total == 1  # their own job only
    assert response.context["breaches"] == []
    html = response.content.decode()
    assert shop_floor["breached"].number not in html
    assert "Birmingham" not in html


def test_the_page_costs_the_same_few_queries_however_many_jobs(
    client_as, personas, shop_floor, django_assert_num_queries
):
    client = client_as(personas.manager)
    now = timezone.now()
    breach(shop_floor["breached"], now - H)
    # The session, the member and the menu; the branches, the counts per branch and per
    # technician, the watch list, the breaches, where their time went, compliance and time in
    # status; and the listed branches' business calendars (two, however many branches).
    with django_assert_num_queries(11):
        client.get(URL, custom())
    for works_order in WorksOrder.objects.for_shop(personas.shop).exclude(
        pk=shop_floor["breached"].pk
    ):
        breach(works_order, now - H)
    for n in range(4):
        technician = MembershipFactory(
            shop=personas.shop, role="technician", branches=[personas.branch]
        )
        job(
            personas,
            sla_risk_at=now - n * H,
            sla_due_at=now + H,
            assigned_to=technician,
            status=Status.IN_PROGRESS,
        )
    with django_assert_num_queries(11):
        response = client.get(URL, custom())
    assert len(response.context["watch"]) == 7
    assert len(response.context["breaches"]) == 8
