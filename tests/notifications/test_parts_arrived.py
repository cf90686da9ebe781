"""Parts arriving wake the job: the technician is alerted, the customer told, and the job is
one move from the bench."""

from __future__ import annotations

import pytest

from notifications.models import Alert, Message, Stage
from notifications.services import message_template_save
from parts import services as parts
from tests.factories import WorksOrderFactory
from tests.parts.conftest import battery, screen, supplier, supplies  # noqa: F401  (fixtures)
from tickets.lifecycle import allowed_steps, works_order_advance
from tickets.models import Status, TimelineEntry
from tickets.services import ConsentData


def on_the_bench(personas):
    """A job with consent, assigned to Jack and started."""
    tech = personas.technician
    job = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
    )
    job = works_order_advance(
        works_order=job, step="assign", by=personas.front_desk, technician=tech
    )
    return works_order_advance(works_order=job, step="start", by=tech)


@pytest.fixture
def waiting(personas, screen):  # noqa: F811
    tech = personas.technician
    job = on_the_bench(personas)
    line = parts.works_order_order_part(works_order=job, part=screen, quantity=1, by=tech)
    job = works_order_advance(works_order=job, step="wait_for_parts", by=tech, reason="Screen")
    order = parts.purchase_order_send(order=line.po_line.order, by=personas.manager)
    return job, order


def receive(order, by, quantity=1):
    return parts.purchase_order_receive(
        order=order, deliveries=[parts.Delivery(order.lines.get(), quantity)], by=by
    )


def test_the_technician_is_alerted_and_the_customer_told(personas, supplies, waiting):  # noqa: F811
    job, order = waiting
    message_template_save(  # off by default: this shop tells its customers
        shop=personas.shop,
        stage=Stage.PARTS_ARRIVED,
        channel="sms",
        enabled=True,
        subject="",
        body="{number}: the part is in",
        by=personas.manager,
    )
    receive(order, personas.front_desk)

    alert = Alert.objects.for_shop(personas.shop).get(member=personas.technician)
    assert job.number in alert.text and alert.url.endswith(f"/{job.number}/")
    entry = TimelineEntry.objects.for_shop(personas.shop).get(works_order=job, text="Parts arrived")
    assert entry.visible_to_customer
    message = Message.objects.for_shop(personas.shop).get(stage=Stage.PARTS_ARRIVED)
    assert message.works_order == job and message.key == f"parts_arrived:entry-{entry.pk}:sms"
    assert message.body == f"{job.number}: the part is in"


def test_by_default_the_customer_hears_nothing_but_the_status_page_shows_it(
    personas,
    supplies,  # noqa: F811
    waiting,
):
    _job, order = waiting
    receive(order, personas.front_desk)
    assert not Message.objects.for_shop(personas.shop).filter(stage=Stage.PARTS_ARRIVED).exists()
    assert (
        TimelineEntry.objects.for_shop(personas.shop).get(text="Parts arrived").visible_to_customer
    )


def test_resume_work_is_offered_to_its_technician(personas, supplies, waiting):  # noqa: F811
    job, order = waiting
    receive(order, personas.front_desk)
    job.refresh_from_db()
    assert job.status == Status.AWAITING_PARTS  # the technician resumes when they pick it up
    steps = {s.step: s for s in allowed_steps(job, personas.technician)}
    assert "resume" in steps and not steps["resume"].blocked
    works_order_advance(works_order=job, step="resume", by=personas.technician)
    job.refresh_from_db()
    assert job.status == Status.IN_PROGRESS


def test_a_short_delivery_tells_nobody(personas, supplies, screen, waiting):  # noqa: F811
    job, order = waiting
    line = order.lines.get()
    line.quantity = 2
    line.save()
    parts.WorksOrderPart.objects.for_shop(personas.shop).filter(works_order=job).update(quantity=2)
    receive(order, personas.front_desk, quantity=1)
    assert not Alert.objects.for_shop(personas.shop).exists()
    assert not Message.objects.for_shop(personas.shop).filter(stage=Stage.PARTS_ARRIVED).exists()


def test_a_job_not_waiting_for_parts_is_not_woken(personas, supplies, screen):  # noqa: F811
    tech = personas.technician
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    line = parts.works_order_order_part(works_order=job, part=screen, quantity=1, by=tech)
    order = parts.purchase_order_send(order=line.po_line.order, by=personas.manager)
    receive(order, personas.front_desk)
    assert not Alert.objects.for_shop(personas.shop).exists()
    assert not TimelineEntry.objects.for_shop(personas.shop).filter(text="Parts arrived").exists()


def test_waiting_for_a_part_on_order_tells_the_customer_when_it_is_expected(
    personas,
    screen,  # noqa: F811
    supplies,  # noqa: F811
):
    tech = personas.technician
    job = on_the_bench(personas)
    line = parts.works_order_order_part(works_order=job, part=screen, quantity=1, by=tech)
    order = parts.purchase_order_send(order=line.po_line.order, by=personas.manager)
    assert order.expected_on is not None
    works_order_advance(works_order=job, step="wait_for_parts", by=tech, reason="Screen")
    told = Message.objects.for_shop(personas.shop).filter(stage=Stage.AWAITING_PARTS).first()
    assert f", expected {order.expected_on:%A %-d %B}" in told.body
