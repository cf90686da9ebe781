"""Predicted completion at intake: from this shop's own finished jobs like this one, and the
branch's queue when it is longer than usual."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shops.models import Role, Skill
from tests.factories import (
    BranchFactory,
    DeviceFactory,
    DeviceModelFactory,
    MembershipFactory,
    PricebookEntryFactory,
    RepairTypeFactory,
    WorksOrderFactory,
)
from tickets.models import WorksOrder
from tickets.prediction import MIN_SAMPLE, duration_text, predict_completion

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def finished(personas, *, hours, repair_type=None, device_model=None, branch=None, ago=DAY):
    """A job booked in `hours` before it was ready (started 3 hours after booking in), ready
    `ago` before NOW."""
    branch = branch or personas.branch
    shop = branch.shop
    by = personas.front_desk if shop == personas.shop else personas.outsider
    device = DeviceFactory(
        shop=shop,
        device_model=device_model,
        category=device_model.category if device_model else "phone",
        imei="",
    )
    job = WorksOrderFactory(branch=branch, by=by, device=device, customer=device.customer)
    ready = NOW - ago
    WorksOrder.objects.for_shop(shop).filter(pk=job.pk).update(
        repair_type=repair_type,
        created_at=ready - hours * HOUR,
        started_at=ready - hours * HOUR + 3 * HOUR,
        ready_at=ready,
        estimated_minutes=60,
    )
    return job


def queued(personas, n, *, category="phone"):
    """n jobs booked in this morning at the branch, nobody has started them."""
    for _ in range(n):
        device = DeviceFactory(shop=personas.shop, category=category, imei="")
        job = WorksOrderFactory(
            branch=personas.branch, by=personas.front_desk, device=device, customer=device.customer
        )
        WorksOrder.objects.for_shop(personas.shop).filter(pk=job.pk).update(created_at=NOW - HOUR)


@pytest.fixture
def screen(personas):
    return RepairTypeFactory(shop=personas.shop, name="Screen replacement")


@pytest.fixture
def iphone(personas):
    return DeviceModelFactory(shop=personas.shop, name="iPhone 13")


def test_it_predicts_the_median_of_the_same_repair_on_the_same_model(personas, screen, iphone):
    for hours in (20, 24, 30, 40, 50):
        finished(personas, hours=hours, repair_type=screen, device_model=iphone)
    other_model = DeviceModelFactory(shop=personas.shop, name="Galaxy S23")
    for _ in range(5):  # slower on another model: not what this job is like
        finished(personas, hours=200, repair_type=screen, device_model=other_model)

    prediction = predict_completion(
        branch=personas.branch, device_model=iphone, repair_type=screen, now=NOW
    )

    assert prediction.at == NOW + 30 * HOUR
    assert prediction.sample_size == 5
    assert prediction.level == "repair_and_model"
    assert prediction.basis.startswith(
        "median of 5 Screen replacement jobs on iPhone 13 here: 1 day 6 h"
    )


def test_it_falls_back_to_the_repair_type_then_to_the_whole_shop(personas, screen, iphone):
    battery = RepairTypeFactory(shop=personas.shop, name="Battery replacement")
    for hours in (2, 3, 4, 5, 6):
        finished(personas, hours=hours, repair_type=battery)
    for hours in (10, 12, 14, 16, 18):
        finished(personas, hours=hours, repair_type=screen)  # no model recorded
    finished(personas, hours=100, repair_type=screen, device_model=iphone)  # one is not enough

    by_type = predict_completion(
        branch=personas.branch, device_model=iphone, repair_type=screen, now=NOW
    )
    assert by_type.level == "repair"
    assert by_type.sample_size == 6
    assert by_type.at == NOW + 15 * HOUR  # median of 10 12 14 16 18 100
    assert "median of 6 Screen replacement jobs here" in by_type.basis

    new_type = RepairTypeFactory(shop=personas.shop, name="Loudspeaker")
    by_shop = predict_completion(
        branch=personas.branch, device_model=iphone, repair_type=new_type, now=NOW
    )
    assert by_shop.level == "shop"
    assert by_shop.sample_size == 11
    assert by_shop.at == NOW + 10 * HOUR
    assert "median of 11 jobs here: 10 h" in by_shop.basis

    unknown = predict_completion(
        branch=personas.branch, device_model=None, repair_type=None, now=NOW
    )
    assert unknown.level == "shop"


def test_no_history_no_prediction(personas, screen, iphone):
    for hours in range(1, MIN_SAMPLE):  # too few to believe
        finished(personas, hours=hours, repair_type=screen, device_model=iphone)

    assert (
        predict_completion(branch=personas.branch, device_model=iphone, repair_type=screen, now=NOW)
        is None
    )


def test_only_what_was_finished_before_now_counts(personas, screen, iphone):
    for _ in range(5):
        finished(personas, hours=10, repair_type=screen, device_model=iphone, ago=2 * DAY)
    for _ in range(5):  # finished after "now": unknown at that intake
        finished(personas, hours=90, repair_type=screen, device_model=iphone, ago=-DAY)
    for _ in range(5):  # finished long ago: not how the shop works today
        finished(personas, hours=90, repair_type=screen, device_model=iphone, ago=400 * DAY)

    prediction = predict_completion(
        branch=personas.branch, device_model=iphone, repair_type=screen, now=NOW
    )

    assert prediction.at == NOW + 10 * HOUR
    assert prediction.sample_size == 5


def test_other_shops_history_is_never_used(personas):
    elsewhere = personas.outsider.shop
    their_branch = BranchFactory(shop=elsewhere, code="GHY")
    for hours in (1, 2, 3, 4, 5, 6):
        finished(personas, hours=hours, branch=their_branch)

    assert (
        predict_completion(branch=personas.branch, device_model=None, repair_type=None, now=NOW)
        is None
    )
    for hours in (50, 60, 70, 80, 90):
        finished(personas, hours=hours)
    ours = predict_completion(branch=personas.branch, device_model=None, repair_type=None, now=NOW)
    assert ours.at == NOW + 70 * HOUR


def test_a_longer_queue_than_usual_pushes_the_prediction_back(personas, screen, iphone):
    for _ in range(5):  # usually started 3 hours after booking in, ready 10 hours after it
        finished(personas, hours=10, repair_type=screen, device_model=iphone)
    personas.technician.skills = [Skill.PHONES]
    personas.technician.save()
    MembershipFactory(  # a phone technician at the other branch only: not here
        shop=personas.shop,
        role=Role.TECHNICIAN,
        skills=[Skill.PHONES],
        branches=[personas.other_branch],
    )
    # Sofia works at both branches but only on laptops.
    personas.second_technician.skills = [Skill.LAPTOPS]
    personas.second_technician.save()
    PricebookEntryFactory(
        shop=personas.shop, device_model=iphone, repair_type=screen, labour_minutes=40
    )

    def predict():
        return predict_completion(
            branch=personas.branch, device_model=iphone, repair_type=screen, now=NOW
        )

    quiet = predict()
    assert quiet.at == NOW + 10 * HOUR
    assert quiet.basis.endswith("; 0 jobs queued for 1 phone technician")

    queued(personas, 1)
    queued(personas, 3, category="laptop")  # not in the phone queue
    one = predict()
    # 40 min of bench work ahead, 2 hours of waiting: within the usual 3.
    assert one.at == NOW + 10 * HOUR
    assert one.jobs_ahead == 1

    queued(personas, 8)  # 9 phone jobs × 40 min for one technician: 6 h of bench work
    busy = predict()
    assert busy.jobs_ahead == 9 and busy.technicians == 1
    # 6 bench hours at 8 bench hours a day: 18 h of waiting, where 3 are usual.
    assert busy.queue_delay == 15 * HOUR
    assert busy.at == NOW + 25 * HOUR
    assert busy.basis.endswith(
        "; 9 jobs queued for 1 phone technician, about 15 h longer than usual"
    )

    personas.second_technician.skills = [Skill.PHONES, Skill.LAPTOPS]
    personas.second_technician.save()
    shared = predict()
    assert shared.technicians == 2
    assert shared.queue_delay == 7 * HOUR  # 5 rounds × 40 min × 3 − 3 h


def test_it_takes_two_queries_however_much_history(personas, screen, iphone):
    for hours in range(10, 40):
        finished(personas, hours=hours, repair_type=screen, device_model=iphone)
    queued(personas, 5)

    with CaptureQueriesContext(connection) as queries:
        prediction = predict_completion(
            branch=personas.branch, device_model=iphone, repair_type=screen, now=NOW
        )

    assert prediction.sample_size == 30
    assert len(queries) == 2


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (datetime.timedelta(minutes=45), "45 min"),
        (datetime.timedelta(hours=5, minutes=20), "5 h 20 min"),
        (datetime.timedelta(hours=3), "3 h"),
        (datetime.timedelta(days=2, hours=3, minutes=10), "2 days 3 h"),
        (datetime.timedelta(days=1, hours=23, minutes=40), "2 days"),
        (datetime.timedelta(days=1), "1 day"),
    ],
)
def test_durations_read_as_staff_say_them(delta, text):
    assert duration_text(delta) == text
