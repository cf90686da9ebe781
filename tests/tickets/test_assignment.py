"""Who works on a job: reassigning it, and the shop that assigns new jobs by itself."""

import pytest
from django.urls import reverse

from tests.factories import WorksOrderFactory
from tests.tickets.test_intake import intake_post
from tickets.lifecycle import works_order_advance
from tickets.models import Event, Status, WorksOrder
from tickets.services import ConsentData

pytestmark = pytest.mark.django_db


def assigned_to(personas, technician, *, started=False) -> WorksOrder:
    works_order = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        consent=ConsentData(method="on_behalf", signed_name="Dee"),
    )
    works_order_advance(
        works_order=works_order, step="assign", by=personas.front_desk, technician=technician
    )
    if started:
        works_order_advance(works_order=works_order, step="start", by=technician)
    return works_order


def reassign(client, works_order, technician):
    return client.post(
        reverse("works_order_reassign", args=[works_order.number]),
        {"reassign-technician": technician.pk},
        follow=True,
    )


def test_a_manager_gives_a_started_job_to_someone_else(client_as, personas):
    works_order = assigned_to(personas, personas.second_technician, started=True)
    page = client_as(personas.manager).get(reverse("works_order_detail", args=[works_order.number]))
    assert "Reassign" in page.content.decode()

    response = reassign(client_as(personas.manager), works_order, personas.technician)
    works_order.refresh_from_db()
    assert works_order.assigned_to == personas.technician
    assert works_order.status == Status.IN_PROGRESS  # the work goes on, in other hands
    assert f"{works_order.number} is now Jack Morgan&#x27;s job." in response.content.decode()
    entry = works_order.timeline.filter(event=Event.ASSIGNED).first()
    assert entry.text == "Reassigned from Sofia Kowalski to Jack Morgan"
    assert entry.actor == personas.manager


def test_the_counter_reassigns_only_until_work_starts(client_as, personas):
    waiting = assigned_to(personas, personas.second_technician)
    reassign(client_as(personas.front_desk), waiting, personas.technician)
    waiting.refresh_from_db()
    assert waiting.assigned_to == personas.technician

    started = assigned_to(personas, personas.second_technician, started=True)
    page = client_as(personas.front_desk).get(reverse("works_order_detail", args=[started.number]))
    assert "Reassign" not in page.content.decode()  # not offered …
    response = reassign(client_as(personas.front_desk), started, personas.technician)
    assert "Only a manager reassigns a job someone has started." in response.content.decode()
    started.refresh_from_db()
    assert started.assigned_to == personas.second_technician  # … and refused if posted


def test_technicians_cannot_reassign(client_as, personas):
    works_order = assigned_to(personas, personas.technician)
    response = client_as(personas.technician).post(
        reverse("works_order_reassign", args=[works_order.number]),
        {"reassign-technician": personas.second_technician.pk},
    )
    assert response.status_code == 403


def test_reassigning_to_someone_from_another_branch_is_refused_on_the_form(client_as, personas):
    works_order = assigned_to(personas, personas.technician)
    personas.second_technician.membershipbranch_set.all().delete()
    response = reassign(client_as(personas.manager), works_order, personas.second_technician)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    works_order.refresh_from_db()
    assert works_order.assigned_to == personas.technician


def test_a_shop_that_assigns_automatically_gives_a_new_job_to_the_least_busy(client_as, personas):
    shop = personas.shop
    shop.auto_assign = True
    shop.save()
    assigned_to(personas, personas.technician)  # Jack has one job already

    response = client_as(personas.front_desk).post(
        reverse("intake"), intake_post(personas), follow=True
    )
    booked = WorksOrder.objects.for_shop(shop).order_by("-created_at").first()
    assert booked.status == Status.ASSIGNED
    assert booked.assigned_to == personas.second_technician
    assert f"{booked.number} booked in, assigned to Sofia." in response.content.decode()


def test_without_consent_an_automatic_shop_leaves_the_job_in_intake(client_as, personas):
    shop = personas.shop
    shop.auto_assign = True
    shop.save()
    later = intake_post(personas, **{"consent-method": "later", "consent-signature": ""})
    client_as(personas.front_desk).post(reverse("intake"), later)
    booked = WorksOrder.objects.for_shop(shop).get()
    assert booked.status == Status.INTAKE and booked.assigned_to is None

    client_as(personas.front_desk).post(
        reverse("consent_record", args=[booked.number]),
        {"consent-method": "on_behalf", "consent-signed_name": "Dee", "consent-agreed": "on"},
    )
    booked.refresh_from_db()
    assert booked.status == Status.ASSIGNED  # consent given: now it may leave intake


def test_shops_that_assign_by_hand_keep_new_jobs_in_intake(client_as, personas):
    client_as(personas.front_desk).post(reverse("intake"), intake_post(personas))
    booked = WorksOrder.objects.for_shop(personas.shop).get()
    assert booked.status == Status.INTAKE and booked.assigned_to is None
