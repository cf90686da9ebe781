"""Suggestions from the shop's history: at intake, the repairs usually done for a fault like the
one typed; on the bench, the parts usually fitted on jobs like this one."""

import datetime
import html
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from parts import services as parts
from parts.models import PartStatus, WorksOrderPart
from tests.factories import (
    DeviceFactory,
    DeviceModelFactory,
    OptionPartFactory,
    PartFactory,
    PriceOptionFactory,
    RepairTypeFactory,
    WorksOrderFactory,
)
from tests.tickets.test_intake import intake_post
from tests.tickets.test_quoting import as_posted
from tickets.lifecycle import works_order_advance
from tickets.models import WorksOrder
from tickets.services import ConsentData

pytestmark = pytest.mark.django_db
D = Decimal
LAST_YEAR = timezone.now().year - 1
MARCH = datetime.datetime(LAST_YEAR, 3, 10, 12, tzinfo=datetime.UTC)


def past_job(branch, by, model, fault, repair_type=None, *, diagnosis="", when=MARCH, fitted=()):
    """A job of `branch`'s shop on `model`, finished (it reached ready) at `when`."""
    shop = branch.shop
    device = DeviceFactory(
        shop=shop, device_model=model, make=model.make, model_name=model.name, imei=""
    )
    job = WorksOrderFactory(branch=branch, by=by, device=device, fault_reported=fault)
    WorksOrder.objects.for_shop(shop).filter(pk=job.pk).update(
        created_at=when,
        ready_at=when + datetime.timedelta(days=2),
        diagnosis=diagnosis,
        repair_type=repair_type,
    )
    for part in fitted:
        WorksOrderPart.objects.create(
            shop=shop, works_order=job, part=part, status=PartStatus.USED, added_by=by, used_at=when
        )
    return job


@pytest.fixture
def history(personas):
    return history_of(personas)


def history_of(personas) -> dict:
    """An iPhone 12 with two priced screen grades and a battery price, and the shop's finished
    jobs: four screens and a board repair for "no display after a drop", one such job quoted by
    hand, two battery jobs, and a screen job not finished yet."""
    shop, branch, desk = personas.shop, personas.branch, personas.front_desk
    iphone12 = DeviceModelFactory(shop=shop, make="Apple", name="iPhone 12")
    screen = RepairTypeFactory(shop=shop, name="Screen replacement")
    board = RepairTypeFactory(shop=shop, name="Board repair")
    battery = RepairTypeFactory(shop=shop, name="Battery replacement")
    oem = PriceOptionFactory(
        shop=shop, entry__device_model=iphone12, entry__repair_type=screen, price=D("149.99")
    )
    aftermarket = PriceOptionFactory(shop=shop, entry=oem.entry, grade="aftermarket", price=D("99"))
    screen_part = PartFactory(shop=shop, name="iPhone 12 screen (OEM)", part_number="SCR-12-OEM")
    OptionPartFactory(shop=shop, option=oem, part=screen_part)
    PriceOptionFactory(
        shop=shop, entry__device_model=iphone12, entry__repair_type=battery, price=D("69")
    )
    for fault in (
        "No display after a drop",
        "no display after dropping it",
        "No display after drop; glass fine",
    ):
        past_job(branch, desk, iphone12, fault, screen, when=MARCH + datetime.timedelta(days=30))
    past_job(branch, desk, iphone12, "Black screen", screen, diagnosis="No display after drop")
    past_job(branch, desk, iphone12, "No display after drop, water in it too", board)
    past_job(branch, desk, iphone12, "No display after a drop")  # quoted by hand: no repair
    for _ in range(2):
        past_job(branch, desk, iphone12, "Battery drains by lunchtime", battery)
    unfinished = WorksOrderFactory(
        branch=branch,
        by=desk,
        device=DeviceFactory(shop=shop, device_model=iphone12, model_name="iPhone 12", imei=""),
        fault_reported="No display after a drop",
    )
    WorksOrder.objects.for_shop(shop).filter(pk=unfinished.pk).update(repair_type=screen)
    return {"model": iphone12, "screen": screen, "board": board, "oem": oem,
            "aftermarket": aftermarket, "screen_part": screen_part}  # fmt: skip


def suggest(client, **params):
    return client.get(reverse("intake_suggestions"), params, headers={"HX-Request": "true"})


def typed(model, fault, branch):
    return {"job-fault_reported": fault, "device-device_model": model.pk, "job-branch": branch.pk}


def suggested_repairs(text: str) -> list[str]:
    return re.findall(r'<div class="fw-semibold">([^<]+)</div>', text)


def test_the_repair_done_most_often_for_the_fault_comes_first_and_says_why(
    client_as, personas, history
):
    response = suggest(
        client_as(personas.front_desk),
        **typed(history["model"], "no display after drop", personas.branch),
    )
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert suggested_repairs(text) == ["Screen replacement", "Board repair"]
    # 4 screens of the 6 similar finished jobs (the hand-quoted one counts, the batteries and
    # the unfinished job do not), the earliest in March last year, the closest fault quoted.
    assert (
        f"4 of 6 similar iPhone 12 jobs since March {LAST_YEAR}: "
        "“No display after drop; glass fine”" in text
    )
    assert f"1 of 6 similar iPhone 12 jobs since March {LAST_YEAR}" in text
    assert "Battery replacement" not in text
    # The screen's grades with their prices, as the pricebook offers them.
    assert f'data-pricebook-option="{history["oem"].pk}"' in text and "£149.99" in text
    assert f'data-pricebook-option="{history["aftermarket"].pk}"' in text and "£99.00" in text


def test_a_fault_typed_another_way_finds_the_same_history(client_as, personas, history):
    response = suggest(
        client_as(personas.front_desk),
        **typed(history["model"], "wont charge", personas.branch),
    )
    assert response.content.decode().strip() == ""  # no charging history: nothing
    battery = suggest(
        client_as(personas.front_desk),
        **typed(history["model"], "battery drains", personas.branch),
    )
    assert suggested_repairs(battery.content.decode()) == ["Battery replacement"]
    assert "2 of 2 similar iPhone 12 jobs" in html.unescape(battery.content.decode())


def test_a_model_with_little_history_borrows_from_similar_models(client_as, personas, history):
    mini = DeviceModelFactory(shop=personas.shop, make="Apple", name="iPhone 12 mini")
    past_job(personas.branch, personas.front_desk, mini, "No display after a drop", None)
    response = suggest(
        client_as(personas.front_desk), **typed(mini, "no display after drop", personas.branch)
    )
    text = html.unescape(response.content.decode())
    assert suggested_repairs(text) == ["Screen replacement", "Board repair"]
    assert "4 of 7 similar jobs on Apple models like the iPhone 12 mini" in text
    # The mini has no price for it yet: said, with no button to press.
    assert "No price for this on the Apple iPhone 12 mini yet" in text
    assert "data-pricebook-option" not in text


def test_another_shops_history_never_appears(client_as, personas, history):
    elsewhere = personas.outsider.shop
    their_branch = personas.outsider.branches.get()
    their_model = DeviceModelFactory(shop=elsewhere, make="Apple", name="iPhone 12")
    recovery = RepairTypeFactory(shop=elsewhere, name="Data recovery")
    for _ in range(8):
        past_job(their_branch, personas.outsider, their_model, "No display after a drop", recovery)

    ours = html.unescape(
        suggest(
            client_as(personas.front_desk),
            **typed(history["model"], "no display after drop", personas.branch),
        ).content.decode()
    )
    assert "Data recovery" not in ours
    assert "4 of 6 similar iPhone 12 jobs" in ours  # their eight jobs are not counted either

    # And their counter sees only their own history.
    theirs = html.unescape(
        suggest(
            client_as(personas.outsider),
            **typed(their_model, "no display after drop", their_branch),
        ).content.decode()
    )
    assert suggested_repairs(theirs) == ["Data recovery"]
    assert "8 of 8 similar iPhone 12 jobs" in theirs


def test_without_history_nothing_is_shown_not_even_an_empty_box(client_as, personas):
    model = DeviceModelFactory(shop=personas.shop, make="Google", name="Pixel 7")
    client = client_as(personas.front_desk)
    for params in (
        typed(model, "no display after drop", personas.branch),  # no history at all
        typed(model, "", personas.branch),  # nothing typed yet
        {"job-fault_reported": "no display", "device-make": "Google"},  # no model typed
    ):
        response = suggest(client, **params)
        assert response.status_code == 200
        assert response.content.decode().strip() == ""


def test_a_typed_make_and_model_finds_the_history_too(client_as, personas, history):
    response = suggest(
        client_as(personas.front_desk),
        **{
            "job-fault_reported": "no display after drop",
            "device-make": "apple",
            "device-model_name": "iPhone 12",
            "device-category": "phone",
        },
    )
    text = html.unescape(response.content.decode())
    assert suggested_repairs(text)[0] == "Screen replacement"
    assert "4 of 6 similar iPhone 12 jobs" in text


def test_a_suggestion_puts_the_option_on_the_quote_as_the_pricebook_does(
    client_as, personas, history
):
    oem, screen_part = history["oem"], history["screen_part"]
    parts.stock_receive(part=screen_part, branch=personas.branch, quantity=1, by=personas.manager)
    client = client_as(personas.front_desk)
    fragment = suggest(
        client, **typed(history["model"], "no display after drop", personas.branch)
    ).content.decode()
    found = re.search(rf'data-pricebook-option="{oem.pk}" data-lines="([^"]+)"', fragment)
    lines = json.loads(html.unescape(found.group(1)))

    response = client.post(
        reverse("intake"),
        intake_post(
            personas,
            **{"device-device_model": history["model"].pk, "device-model_name": "iPhone 12"},
        )
        | as_posted(lines, pricebook_option=oem.pk),
    )
    assert response.status_code == 302
    booked = WorksOrder.objects.for_shop(personas.shop).latest("id")
    assert booked.agreed_gross == D("149.99")
    assert booked.repair_type == history["screen"]
    line = WorksOrderPart.objects.for_shop(personas.shop).get(works_order=booked)
    assert line.part == screen_part and line.status == PartStatus.RESERVED


def test_the_suggestions_take_a_fixed_number_of_queries(
    client_as, personas, history, django_assert_max_num_queries
):
    client = client_as(personas.front_desk)
    params = typed(history["model"], "no display after drop", personas.branch)
    suggest(client, **params)  # the session and the shop, read once
    with django_assert_max_num_queries(14):
        response = suggest(client, **params)
    assert "Screen replacement" in response.content.decode()
    more = RepairTypeFactory(shop=personas.shop, name="Rear camera")
    for _ in range(6):
        past_job(
            personas.branch, personas.front_desk, history["model"], "No display after a drop", more
        )
    with django_assert_max_num_queries(14):
        response = suggest(client, **params)
    assert suggested_repairs(response.content.decode())[0] == "Rear camera"


def test_only_the_counter_is_offered_suggestions_at_intake(client_as, personas, history):
    params = typed(history["model"], "no display after drop", personas.branch)
    assert suggest(client_as(personas.technician), **params).status_code == 403


# On the bench ------------------------------------------------------------------------------


@pytest.fixture
def on_the_bench(personas, history):
    return put_on_the_bench(personas, history)


def put_on_the_bench(personas, history: dict) -> tuple:
    """An iPhone 12 with no display after a drop, assigned to Jack and started; earlier such
    jobs had the OEM screen fitted four times and a flex cable twice."""
    shop, branch, desk = personas.shop, personas.branch, personas.front_desk
    model = history["model"]
    flex = PartFactory(shop=shop, name="Display flex cable", part_number="FLX-12")
    jobs = WorksOrder.objects.for_shop(shop).filter(
        ready_at__isnull=False, repair_type=history["screen"]
    )
    for job in jobs:
        WorksOrderPart.objects.create(
            shop=shop, works_order=job, part=history["screen_part"], status=PartStatus.USED,
            added_by=desk, used_at=MARCH,
        )  # fmt: skip
    for job in jobs[:2]:
        WorksOrderPart.objects.create(
            shop=shop, works_order=job, part=flex, status=PartStatus.USED, added_by=desk
        )
    parts.stock_receive(part=history["screen_part"], branch=branch, quantity=3, by=personas.manager)
    job = WorksOrderFactory(
        branch=branch,
        by=desk,
        device=DeviceFactory(shop=shop, device_model=model, model_name="iPhone 12", imei=""),
        fault_reported="No display after I dropped it",
        consent=ConsentData(method="on_behalf", signed_name="Dee Customer"),
    )
    works_order_advance(
        works_order=job, step="assign", by=personas.manager, technician=personas.technician
    )
    works_order_advance(works_order=job, step="start", by=personas.technician)
    return job, flex


def test_the_technician_on_the_job_sees_the_parts_usually_fitted_with_the_stock(
    client_as, personas, history, on_the_bench, django_assert_max_num_queries
):
    job, _ = on_the_bench
    client = client_as(personas.technician)
    page = client.get(reverse("works_order_detail", args=[job.number])).content.decode()
    assert reverse("likely_parts", args=[job.number]) in page

    url = reverse("likely_parts", args=[job.number])
    client.get(url, headers={"HX-Request": "true"})
    with django_assert_max_num_queries(12):
        response = client.get(url, headers={"HX-Request": "true"})
    text = html.unescape(response.content.decode())
    names = re.findall(r'data-likely-part="([^"]+)"', text)
    assert names == ["SCR-12-OEM", "FLX-12"]
    assert f"Fitted on 4 of 6 similar iPhone 12 jobs since March {LAST_YEAR}" in text
    assert f"Fitted on 2 of 6 similar iPhone 12 jobs since March {LAST_YEAR}" in text
    assert "3 free at Birmingham" in text and "none free at Birmingham" in text


def test_a_likely_part_goes_on_the_job_in_one_click(client_as, personas, history, on_the_bench):
    job, _ = on_the_bench
    client = client_as(personas.technician)
    response = client.post(
        reverse("part_needed", args=[job.number]), {"need-part": "SCR-12-OEM", "need-quantity": 1}
    )
    assert response.status_code == 302
    line = WorksOrderPart.objects.for_shop(personas.shop).get(works_order=job)
    assert line.part == history["screen_part"] and line.status == PartStatus.RESERVED
    text = client.get(
        reverse("likely_parts", args=[job.number]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "On the job" in text


def test_likely_parts_are_for_the_technician_on_the_job(client_as, personas, on_the_bench):
    job, _ = on_the_bench
    url = reverse("likely_parts", args=[job.number])
    other = client_as(personas.second_technician)
    assert other.get(url, headers={"HX-Request": "true"}).status_code == 403
    page = other.get(reverse("works_order_detail", args=[job.number])).content.decode()
    assert url not in page
    assert client_as(personas.front_desk).get(url).status_code == 403


def test_a_job_without_similar_history_shows_no_likely_parts(client_as, personas):
    model = DeviceModelFactory(shop=personas.shop, make="Google", name="Pixel 7")
    job = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        device=DeviceFactory(shop=personas.shop, device_model=model, model_name="Pixel 7"),
        fault_reported="Speaker crackles",
        consent=ConsentData(method="on_behalf", signed_name="Dee Customer"),
    )
    works_order_advance(
        works_order=job, step="assign", by=personas.manager, technician=personas.technician
    )
    response = client_as(personas.technician).get(
        reverse("likely_parts", args=[job.number]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and response.content.decode().strip() == ""
