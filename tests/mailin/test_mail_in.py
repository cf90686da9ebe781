"""Mail-in jobs: carrier and tracking numbers, the parcel's state as staff record it, the
customer's status page showing it, and address labels for both parcels."""

import io

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from mailin import services
from mailin.models import MailIn, ParcelState
from tests.billing.conftest import ready_job
from tests.factories import CustomerFactory, WorksOrderFactory
from tickets.models import Event, WorksOrder
from tickets.qr import STATUS_PATH

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def job(personas) -> WorksOrder:
    personas.branch.address = "12 Bull Street\nBirmingham\nB4 6AF"
    personas.branch.phone = "0121 496 0000"
    personas.branch.save()
    customer = CustomerFactory(
        shop=personas.shop, full_name="Dee Customer", address="4 Elm Road\nLeeds\nLS1 4AP"
    )
    return WorksOrderFactory(branch=personas.branch, by=personas.front_desk, customer=customer)


def mark(job, by, **kwargs):
    values = {"carrier": "royal_mail", "inbound_tracking": "ab123456789gb", "return_tracking": ""}
    return services.mail_in_set(works_order=job, by=by, **{**values, **kwargs})


def test_the_counter_marks_a_job_as_mail_in_and_records_the_parcel(personas, job):
    mail_in = mark(job, personas.front_desk)
    assert mail_in.inbound_tracking == "AB123456789GB"
    services.parcel_state_set(
        works_order=job, state=ParcelState.IN_TRANSIT_IN, by=personas.front_desk
    )
    services.parcel_state_set(works_order=job, state=ParcelState.RECEIVED, by=personas.manager)
    texts = list(
        job.timeline.filter(event=Event.PARCEL).order_by("at", "id").values_list("text", flat=True)
    )
    assert texts == [
        "Marked as mail-in by Royal Mail, tracking to us AB123456789GB",
        "Parcel: On its way to us (Royal Mail AB123456789GB)",
        "Parcel: Received by the shop (Royal Mail AB123456789GB)",
    ]
    assert MailIn.objects.for_shop(personas.shop).get().state == ParcelState.RECEIVED


def test_it_goes_back_only_when_the_job_is_done_and_with_a_tracking_number(personas):
    open_job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    mark(open_job, personas.front_desk, return_tracking="RB1")
    with pytest.raises(ValidationError, match="once the job is ready"):
        services.parcel_state_set(
            works_order=open_job, state=ParcelState.SENT_BACK, by=personas.front_desk
        )
    done = ready_job(personas)
    mark(done, personas.front_desk)
    with pytest.raises(ValidationError, match="tracking number of the parcel back"):
        services.parcel_state_set(
            works_order=done, state=ParcelState.SENT_BACK, by=personas.front_desk
        )
    mark(done, personas.front_desk, return_tracking="RB987654321GB")
    services.parcel_state_set(works_order=done, state=ParcelState.SENT_BACK, by=personas.front_desk)
    assert done.timeline.filter(text="Parcel: Sent back (Royal Mail RB987654321GB)").exists()


def test_the_status_page_shows_the_parcel_and_its_tracking_number(
    client, personas, django_assert_max_num_queries
):
    done = ready_job(personas, lines=None)
    page_url = STATUS_PATH.format(token=done.status_token)
    html = client.get(page_url).content.decode()
    assert "Your parcel" not in html and "Collect your device from this branch" in html

    mark(done, personas.front_desk)
    services.parcel_state_set(
        works_order=done, state=ParcelState.IN_TRANSIT_IN, by=personas.front_desk
    )
    with django_assert_max_num_queries(2):
        html = client.get(page_url).content.decode()
    assert "Your parcel is on its way to us" in html
    assert "Tracking number to us" in html and "AB123456789GB" in html
    assert "We post your device back to you" in html and "Collect your device" not in html

    mark(done, personas.front_desk, return_tracking="RB987654321GB")
    services.parcel_state_set(works_order=done, state=ParcelState.SENT_BACK, by=personas.front_desk)
    html = client.get(page_url).content.decode()
    assert "Your device is on its way back to you" in html
    assert "RB987654321GB" in html and "AB123456789GB" not in html


def test_the_labels_carry_both_addresses_the_number_and_the_tracking(client_as, personas, job):
    mark(job, personas.front_desk, return_tracking="RB987654321GB")
    desk = client_as(personas.front_desk)
    inbound = desk.get(reverse("mail_in_label_inbound", args=[job.number]))
    assert inbound["Content-Type"] == "application/pdf"
    text = text_of(inbound.content)
    to_part, from_part = text.split("FROM", 1)
    assert "Fix Corner Repairs Birmingham 12 Bull Street Birmingham B4 6AF" in to_part
    assert "Dee Customer 4 Elm Road Leeds LS1 4AP" in from_part
    assert job.number in text and "AB123456789GB" in text and "Royal Mail" in text

    back = text_of(desk.get(reverse("mail_in_label_return", args=[job.number])).content)
    to_part, from_part = back.split("FROM", 1)
    assert "Dee Customer 4 Elm Road Leeds LS1 4AP" in to_part
    assert "12 Bull Street" in from_part and "RB987654321GB" in back


def test_the_panel_offers_the_counter_what_it_may_do(client_as, personas, job):
    desk = client_as(personas.front_desk)
    panel = desk.get(reverse("mail_in_panel", args=[job.number]), headers=HTMX).content.decode()
    assert "Mark as mail-in" in panel
    saved = desk.post(
        reverse("mail_in_set", args=[job.number]),
        {"carrier": "dpd", "inbound_tracking": "15501234567890", "return_tracking": ""},
        headers=HTMX,
    ).content.decode()
    assert 'id="mail-in-panel"' in saved and "15501234567890" in saved and "DPD" in saved
    refused = desk.post(
        reverse("mail_in_set", args=[job.number]),
        {"carrier": "dpd", "inbound_tracking": "<script>", "return_tracking": ""},
        headers=HTMX,
    ).content.decode()
    assert "letters and digits" in refused
    assert MailIn.objects.for_shop(personas.shop).get().inbound_tracking == "15501234567890"

    tech = client_as(personas.technician)
    tech_panel = tech.get(reverse("mail_in_panel", args=[job.number]), headers=HTMX)
    assert "Record where the parcel is" not in tech_panel.content.decode()
    assert "parcel to us" not in tech_panel.content.decode()
    answer = tech.post(reverse("parcel_state_set", args=[job.number]), {"state": "received"})
    assert answer.status_code == 403
    assert tech.get(reverse("mail_in_label_inbound", args=[job.number])).status_code == 403
    outsider = client_as(personas.outsider)
    assert outsider.get(reverse("mail_in_panel", args=[job.number])).status_code == 404
    assert MailIn.objects.for_shop(personas.shop).get().state == ParcelState.ARRANGED
