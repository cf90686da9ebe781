"""The SLA sweep: each threshold a works order passes is recorded once, whatever the beat does.

The SLA times are stored directly here, as the engine (tickets/sla.py) stores them; the sweep
only reads them. Alerts to managers have their own tests (tests/notifications/test_sla_alerts.py);
here they are counted, to show one per crossing per manager.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from notifications.models import Alert
from tests.factories import WorksOrderFactory
from tests.tickets.sla_helpers import HOUR, T, sla_next_at, sla_set
from tickets.lifecycle import works_order_advance
from tickets.models import SlaCrossing, SlaThreshold, WorksOrder
from tickets.sla_sweep import sla_sweep

AT_RISK, BREACHED = SlaThreshold.AT_RISK, SlaThreshold.BREACHED


@pytest.fixture
def job(personas):
    return WorksOrderFactory(branch=personas.branch, by=personas.front_desk)


def crossings(works_order) -> list[tuple[str, object, object]]:
    rows = SlaCrossing.objects.for_shop(works_order.shop_id).filter(works_order=works_order)
    return sorted(rows.values_list("threshold", "crossed_at", "due_at"), key=lambda r: r[1])


def next_at(works_order):
    return sla_next_at(works_order)


def test_nothing_is_recorded_before_the_job_turns_at_risk(job):
    sla_set(job, risk=T + HOUR, due=T + 2 * HOUR)

    result = sla_sweep(now=T)

    assert (result.jobs, result.crossings, result.alerts) == (0, 0, 0)
    assert crossings(job) == []
    assert next_at(job) == T + HOUR


def test_at_risk_then_breached_are_each_recorded_once_as_they_pass(job):
    sla_set(job, risk=T + HOUR, due=T + 2 * HOUR)

    first = sla_sweep(now=T + HOUR)
    assert (first.jobs, first.at_risk, first.breached) == (1, 1, 0)
    assert crossings(job) == [(AT_RISK, T + HOUR, T + 2 * HOUR)]
    assert next_at(job) == T + 2 * HOUR

    again = sla_sweep(now=T + HOUR + HOUR / 2)
    assert (again.jobs, again.crossings) == (0, 0)

    second = sla_sweep(now=T + 2 * HOUR)
    assert (second.at_risk, second.breached) == (0, 1)
    assert crossings(job) == [
        (AT_RISK, T + HOUR, T + 2 * HOUR),
        (BREACHED, T + 2 * HOUR, T + 2 * HOUR),
    ]
    assert next_at(job) is None
    assert sla_sweep(now=T + 10 * HOUR).jobs == 0


def test_a_duplicate_beat_records_and_alerts_nothing_twice(personas, job):
    sla_set(job, risk=T - HOUR, due=T + HOUR)

    first = sla_sweep(now=T)
    # The same minute again, with the job's next threshold put back as if the first sweep's
    # update were lost (a restore, a replayed beat): the unique crossing is the floor.
    sla_set(job, risk=T - HOUR, due=T + HOUR)
    second = sla_sweep(now=T)

    assert (first.crossings, second.crossings) == (1, 0)
    assert (second.alerts, second.emails) == (0, 0)
    assert second.jobs == 1  # it looked, and moved the next threshold on again
    assert next_at(job) == T + HOUR
    assert len(crossings(job)) == 1
    managers = 2  # the owner and the manager work at both branches
    assert Alert.objects.for_shop(personas.shop).count() == first.alerts == managers


def test_after_an_outage_both_thresholds_passed_meanwhile_are_recorded(personas, job):
    sla_set(job, risk=T + HOUR, due=T + 2 * HOUR)

    result = sla_sweep(now=T + 30 * HOUR)  # the first beat for more than a day

    assert (result.at_risk, result.breached) == (1, 1)
    assert crossings(job) == [
        (AT_RISK, T + HOUR, T + 2 * HOUR),
        (BREACHED, T + 2 * HOUR, T + 2 * HOUR),
    ]
    assert next_at(job) is None
    # One alert per crossing for each of the two managers, each crossed at its own time.
    assert result.alerts == 4
    assert sla_sweep(now=T + 31 * HOUR).crossings == 0


def test_a_paused_job_records_only_what_passed_before_its_clock_stopped(job):
    # At risk at 15:00, paused (waiting for the customer) at 15:30, due at 16:00; the sweep
    # had not run since 14:00.
    sla_set(job, risk=T + HOUR, due=T + 2 * HOUR, paused=T + HOUR + HOUR / 2)

    result = sla_sweep(now=T + 5 * HOUR)

    assert (result.at_risk, result.breached) == (1, 0)
    assert crossings(job) == [(AT_RISK, T + HOUR, T + 2 * HOUR)]
    assert next_at(job) is None  # the engine sets it again when the clock restarts


def test_a_job_paused_before_any_threshold_records_nothing(job):
    sla_set(job, risk=T + HOUR, due=T + 2 * HOUR, paused=T + HOUR / 2)

    result = sla_sweep(now=T + 3 * HOUR)

    assert (result.jobs, result.crossings) == (1, 0)
    assert next_at(job) is None


def test_a_job_cancelled_with_a_threshold_not_yet_swept_is_dropped_without_crossings(personas, job):
    sla_set(job, risk=T - 2 * HOUR, due=T - HOUR)  # passed, and the sweep has not run since

    works_order_advance(works_order=job, step="cancel", by=personas.manager, reason="Changed mind")
    result = sla_sweep(now=T)

    assert (result.jobs, result.crossings, result.alerts) == (0, 0, 0)
    assert crossings(job) == []
    assert next_at(job) is None


def test_a_new_due_time_after_a_priority_change_crosses_again(job):
    sla_set(job, risk=T - 2 * HOUR, due=T - HOUR)
    assert sla_sweep(now=T).crossings == 2

    # Made urgent: the engine stores a new target and starts the thresholds again.
    sla_set(job, risk=T + HOUR, due=T + 3 * HOUR)
    result = sla_sweep(now=T + HOUR)

    assert (result.at_risk, result.breached) == (1, 0)
    assert crossings(job) == [
        (AT_RISK, T - 2 * HOUR, T - HOUR),
        (BREACHED, T - HOUR, T - HOUR),
        (AT_RISK, T + HOUR, T + 3 * HOUR),
    ]
    assert next_at(job) == T + 3 * HOUR


def test_the_sweep_covers_every_shop_and_records_the_jobs_branch(personas):
    here = WorksOrderFactory(branch=personas.other_branch, by=personas.front_desk)
    elsewhere = WorksOrderFactory(branch=personas.outsider.branches.first(), by=personas.outsider)
    for works_order in (here, elsewhere):
        sla_set(works_order, risk=T - HOUR, due=T + HOUR)

    result = sla_sweep(now=T)

    assert result.at_risk == 2
    recorded = SlaCrossing.objects.all_shops().order_by("shop_id")
    assert [(c.shop_id, c.branch_id) for c in recorded] == [
        (here.shop_id, here.branch_id),
        (elsewhere.shop_id, elsewhere.branch_id),
    ]
    # Each shop's own managers hear of their own job only.
    assert Alert.objects.for_shop(elsewhere.shop_id).get().member == personas.outsider


def jobs_crossing(personas, count: int) -> list[WorksOrder]:
    jobs = [WorksOrderFactory(branch=personas.branch, by=personas.front_desk) for _ in range(count)]
    return [sla_set(job, risk=T - 2 * HOUR, due=T - HOUR) for job in jobs]


@pytest.mark.parametrize("count", [1, 50])
def test_the_sweep_costs_the_same_few_queries_for_one_job_or_fifty(
    personas, count, django_assert_max_num_queries
):
    jobs_crossing(personas, count)

    # A savepoint and its release, the sweep, and the alerts with their outbox rows.
    with django_assert_max_num_queries(4):
        result = sla_sweep(now=T)

    assert (result.jobs, result.at_risk, result.breached) == (count, count, count)
    assert result.alerts == 2 * 2 * count  # two crossings, two managers
    assert result.emails == 2  # one each, listing them


def test_a_sweep_with_nothing_due_is_one_query(personas, django_assert_max_num_queries):
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    sla_set(job, risk=T + HOUR, due=T + 2 * HOUR)

    with django_assert_max_num_queries(3):  # the savepoint, the sweep, the release
        assert sla_sweep(now=T).jobs == 0


def test_the_beat_runs_the_sweep_every_minute():
    from config.celery import app
    from tickets.tasks import sla_sweep as task

    entry = settings.CELERY_BEAT_SCHEDULE["sla-sweep"]
    assert (entry["task"], entry["schedule"]) == ("tickets.tasks.sla_sweep", 60.0)
    assert entry["task"] == task.name
    app.loader.import_default_modules()
    assert task.name in app.tasks


def test_the_task_sweeps_and_says_what_it_did(personas, job, monkeypatch):
    from django.utils import timezone

    from tickets.tasks import sla_sweep as task

    sla_set(job, risk=T - HOUR, due=T + HOUR)
    monkeypatch.setattr(timezone, "now", lambda: T)

    assert task.run() == {"jobs": 1, "crossings": 1, "alerts": 2}


def test_a_backlog_is_worked_through_in_batches(personas):
    jobs_crossing(personas, 3)

    first = sla_sweep(now=T, limit=2)
    second = sla_sweep(now=T, limit=2)

    assert (first.jobs, first.more, first.crossings) == (2, True, 4)
    assert (second.jobs, second.more, second.crossings) == (1, False, 2)
    assert SlaCrossing.objects.for_shop(personas.shop).count() == 6


def test_the_task_sweeps_again_while_the_batches_come_back_full(personas, monkeypatch):
    import functools

    from django.utils import timezone

    from tickets import sla_sweep as module
    from tickets.tasks import sla_sweep as task

    jobs_crossing(personas, 3)
    monkeypatch.setattr(module, "sla_sweep", functools.partial(module.sla_sweep, limit=1))
    monkeypatch.setattr(timezone, "now", lambda: T)

    assert task.run() == {"jobs": 3, "crossings": 6, "alerts": 12}
