"""Settings → Messages: managers reword each stage, with a safe live preview."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import MessageTemplate
from notifications.services import wording
from tests.factories import CustomerFactory, WorksOrderFactory

URL = "/settings/messages/"


@pytest.fixture
def job(personas):
    customer = CustomerFactory(shop=personas.shop, full_name="Ruth Ellis")
    return WorksOrderFactory(branch=personas.branch, by=personas.front_desk, customer=customer)


def test_it_lists_every_stage_and_the_fields(personas, client_as):
    html = client_as(personas.manager).get(reverse("message_templates")).content.decode()
    assert "Ready for collection" in html and "Waiting for parts" in html
    assert "{first_name}" in html and "The customer&#x27;s first name" in html
    assert ">off<" in html  # "Parts arrived" is off until a shop switches it on


def test_only_managers_and_owners_may_edit(personas, client_as):
    for member in (personas.front_desk, personas.technician):
        assert client_as(member).get(reverse("message_templates")).status_code == 403
    assert client_as(personas.owner).get(reverse("message_templates")).status_code == 200


def test_saving_writes_the_shops_wording(personas, client_as):
    data = {"stage": "ready", "channel": "sms", "body": "Hi {first_name}, done!", "enabled": ""}
    response = client_as(personas.manager).post(reverse("message_templates"), data)
    assert response.status_code == 302
    own = MessageTemplate.objects.for_shop(personas.shop).get(stage="ready", channel="sms")
    assert own.body == "Hi {first_name}, done!" and own.enabled is False
    assert own.updated_by == personas.manager
    # Another shop still has the default.
    assert wording(personas.outsider.shop, "ready", "sms").body != own.body


def test_an_unknown_field_is_an_error_at_the_field(personas, client_as):
    data = {"stage": "ready", "channel": "email", "subject": "{nope}", "body": "Hi {frist_name}"}
    response = client_as(personas.manager).post(reverse("message_templates"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not a field: {frist_name}" in html and "Not a field: {nope}" in html
    assert not MessageTemplate.objects.for_shop(personas.shop).exists()


def test_reset_goes_back_to_the_default(personas, client_as):
    client = client_as(personas.manager)
    client.post(reverse("message_templates"), {"stage": "ready", "channel": "sms", "body": "x"})
    client.post(reverse("message_templates"), {"stage": "ready", "channel": "sms", "reset": "1"})
    assert not MessageTemplate.objects.for_shop(personas.shop).exists()


def test_the_preview_uses_a_real_works_order(personas, client_as, job):
    response = client_as(personas.manager).post(
        reverse("message_template_preview"),
        {"stage": "booked_in", "channel": "sms", "body": "Hi {first_name}, {number} is in"},
    )
    html = response.content.decode()
    assert f"Hi Ruth, {job.number} is in" in html
    assert "SMS (GSM-7)" in html


@pytest.mark.parametrize(
    "body", ["{{ settings.SECRET_KEY }}", "{% debug %}", "{first_name.__class__}", "{customer}"]
)
def test_template_code_in_a_wording_renders_literally(personas, client_as, job, settings, body):
    client = client_as(personas.manager)
    response = client.post(
        reverse("message_template_preview"), {"stage": "ready", "channel": "sms", "body": body}
    )
    html = response.content.decode()
    assert settings.SECRET_KEY not in html
    assert "{" in html  # shown as written (escaped), not run
    from django.utils.html import escape

    assert escape(body) in html


def test_the_preview_counts_ucs2_segments(personas, client_as, job):
    response = client_as(personas.manager).post(
        reverse("message_template_preview"),
        {"stage": "ready", "channel": "sms", "body": "Ready 🎉 " + "x" * 70},
    )
    assert b"UCS-2" in response.content and b"2 SMS" in response.content


def test_the_preview_is_for_managers_only(personas, client_as):
    response = client_as(personas.technician).post(
        reverse("message_template_preview"), {"stage": "ready", "channel": "sms", "body": "x"}
    )
    assert response.status_code == 403


def test_quiet_hours_and_status_page_days_are_workshop_settings(personas, client_as):
    client = client_as(personas.manager)
    page = client.get(reverse("workshop_settings")).content.decode()
    assert "quiet_hours_from" in page and "status_page_days" in page
    shop = personas.shop
    data = {
        "auto_assign": "",
        "approval_threshold": shop.approval_threshold,
        "qc_checklist": "\n".join(shop.qc_checklist) or "Screen works",
        "quiet_hours_from": "21:30",
        "quiet_hours_until": "07:45",
        "status_page_days": "30",
    }
    assert client.post(reverse("workshop_settings"), data).status_code == 302
    shop.refresh_from_db()
    assert f"{shop.quiet_hours_from:%H:%M}" == "21:30" and shop.status_page_days == 30
