"""Job templates: managed in Settings → Templates, copied onto a works order at intake (lines and
checklist, then the job's own), and the checklist ticked on the job."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory
from tickets.job_templates import checklist_tick, job_template_save
from tickets.models import ChecklistItem, Event, JobTemplate, WorksOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet_check(personas):
    template = JobTemplate(
        shop=personas.shop,
        name="Annual tablet fleet check",
        fault="Annual check under the maintenance contract",
        checklist=["Battery health above 80 %", "Charging port clean", "iPadOS up to date"],
    )
    return job_template_save(
        template=template,
        lines=[
            {
                "kind": "labour",
                "description": "Fleet check",
                "quantity": Decimal(1),
                "unit_price": Decimal("25.00"),
            },
            {
                "kind": "other",
                "description": "Cleaning",
                "quantity": Decimal(1),
                "unit_price": Decimal("5.00"),
            },
        ],
    )


def form(**changes):
    data = {
        "template-name": "Screen protector fit",
        "template-fault": "Fit a screen protector",
        "template-checklist": "Screen clean\nNo bubbles",
        "template-is_active": "on",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-kind": "labour",
        "lines-0-description": "Fitting",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "8.00",
    }
    return {**data, **changes}


def test_a_manager_makes_a_template(personas, client_as):
    client = client_as(personas.manager)
    assert client.get(reverse("job_templates")).status_code == 200
    response = client.post(reverse("job_template_new"), form())
    assert response.status_code == 302
    template = JobTemplate.objects.for_shop(personas.shop).get()
    assert template.checklist == ["Screen clean", "No bubbles"]
    assert [line.description for line in template.lines.all()] == ["Fitting"]
    page = client.get(reverse("job_templates")).content.decode()
    assert "Screen protector fit" in page and "2 items" in page


def test_editing_a_template_replaces_its_lines(personas, client_as, fleet_check):
    client = client_as(personas.manager)
    url = reverse("job_template_edit", args=[fleet_check.pk])
    assert "Fleet check" in client.get(url).content.decode()
    response = client.post(url, form(**{"template-name": "Annual tablet fleet check"}))
    assert response.status_code == 302
    assert [line.description for line in fleet_check.lines.all()] == ["Fitting"]


@pytest.mark.parametrize(
    "changes, said",
    [
        ({"template-name": ""}, "This field is required"),
        ({"template-name": "x\x00"}, "Null characters"),
        ({"template-checklist": "a" * 201}, "under 200 characters"),
        ({"lines-0-unit_price": "1e30"}, "Enter an amount from 0 to 999,999.99"),
        ({"lines-0-quantity": "-1"}, "Enter an amount from 0.01"),
        ({"lines-TOTAL_FORMS": "99999999999"}, "Please submit at most 30 forms"),
        ({"lines-0-kind": "discount"}, "Select a valid choice"),
    ],
)
def test_bad_input_on_the_template_form_gets_a_message(personas, client_as, changes, said):
    response = client_as(personas.manager).post(reverse("job_template_new"), form(**changes))
    assert response.status_code == 400, response.content[:300]
    assert said in response.content.decode()
    assert not JobTemplate.objects.for_shop(personas.shop).exists()


def test_a_duplicate_name_is_refused(personas, client_as, fleet_check):
    response = client_as(personas.manager).post(
        reverse("job_template_new"), form(**{"template-name": "annual TABLET fleet check"})
    )
    assert response.status_code == 400
    assert "Another template has this name" in response.content.decode()


def test_front_desk_and_technicians_cannot_change_templates(personas, client_as, fleet_check):
    for member in (personas.front_desk, personas.technician):
        assert client_as(member).get(reverse("job_templates")).status_code == 403
        url = reverse("job_template_edit", args=[fleet_check.pk])
        assert client_as(member).post(url, form()).status_code == 403


def test_another_shops_template_is_not_found(personas, client_as, fleet_check):
    url = reverse("job_template_edit", args=[fleet_check.pk])
    assert client_as(personas.outsider).get(url).status_code == 404


def test_intake_starts_from_a_template_and_the_copy_is_the_jobs_own(
    personas, client_as, fleet_check
):
    client = client_as(personas.front_desk)
    page = client.get(reverse("intake"), {"template": fleet_check.pk}).content.decode()
    assert "Annual check under the maintenance contract" in page
    assert 'value="Fleet check"' in page and 'value="Cleaning"' in page
    customer = CustomerFactory(shop=personas.shop)
    response = client.post(
        reverse("intake"),
        {
            "template": fleet_check.pk,
            "customer_id": customer.pk,
            "device-category": "tablet",
            "device-make": "Apple",
            "device-model_name": "iPad 9",
            "job-branch": personas.branch.pk,
            "job-priority": "standard",
            "job-fault_reported": "Annual check",
            "job-passcode_kind": "none",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-kind": "labour",
            "lines-0-description": "Fleet check (changed)",
            "lines-0-quantity": "1",
            "lines-0-unit_price": "30.00",
            "lines-0-vat_rate": "20",
            "consent-method": "later",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = WorksOrder.objects.for_shop(personas.shop).get()
    assert [line.description for line in job.lines.all()] == ["Fleet check (changed)"]
    assert [item.text for item in job.checklist.all()] == fleet_check.checklist
    assert job.timeline.filter(text="Started from the template “Annual tablet fleet check”")
    fleet_check.checklist = ["Something else"]
    fleet_check.save()
    assert job.checklist.count() == 3  # a copy: the template's later changes leave it be


def test_another_shops_template_is_ignored_at_intake(personas, client_as, fleet_check):
    page = client_as(personas.outsider).get(reverse("intake"), {"template": fleet_check.pk})
    assert "Annual check under" not in page.content.decode()
    page = client_as(personas.front_desk).get(reverse("intake"), {"template": "1\x00"})
    assert page.status_code == 200


def test_the_checklist_is_ticked_on_the_job_with_who_did_it(personas, client_as, fleet_check):
    from tests.factories import WorksOrderFactory
    from tickets.job_templates import checklist_copy

    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    checklist_copy(works_order=job, template=fleet_check, by=personas.front_desk)
    client = client_as(personas.technician)
    page = client.get(reverse("works_order_detail", args=[job.number])).content.decode()
    assert "Battery health above 80 %" in page
    url = reverse("checklist_tick", args=[job.number, 0])
    assert client.post(url, {"done": "1"}).status_code == 302
    assert client.post(url, {"done": "1"}).status_code == 302  # twice: once on the timeline
    item = ChecklistItem.objects.for_shop(personas.shop).get(works_order=job, position=0)
    assert item.done_by == personas.technician
    assert job.timeline.filter(event=Event.CHECKLIST).count() == 1
    checklist_tick(item=item, done=False, by=personas.technician)
    item.refresh_from_db()
    assert item.done_at is None
    assert client.post(reverse("checklist_tick", args=[job.number, 99])).status_code == 404
    outsider = client_as(personas.outsider)
    assert outsider.post(url, {"done": "1"}).status_code == 404


def test_template_prices_are_on_the_audit_trail(personas, client_as, fleet_check):
    from audit.models import Change

    client_as(personas.manager).post(
        reverse("job_template_edit", args=[fleet_check.pk]),
        form(**{"template-name": "Annual tablet fleet check", "lines-0-unit_price": "9.50"}),
    )
    changes = Change.objects.for_shop(personas.shop).filter(table_name="tickets_jobtemplateline")
    added = changes.filter(action="insert").order_by("-id").first()
    assert added.kind == "prices" and added.after["unit_price"] == 9.5
    assert added.actor_member_id == personas.manager.pk
    assert changes.filter(action="delete").count() == 2  # the old lines
    page = client_as(personas.manager).get(reverse("audit"), {"kind": "prices"})
    assert page.status_code == 200
