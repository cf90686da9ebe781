"""The works order as a record: passcode sealed, consent sealed, photos clean, numbers retired."""

import io
import logging
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.urls import reverse
from PIL import Image

from tests.factories import WorksOrderFactory
from tests.payments import pay_in_full
from tests.tickets.conftest import PASSCODE, jpeg_with_location
from tickets import services
from tickets.lifecycle import works_order_advance
from tickets.models import Consent, Event, Photo, Status, TimelineEntry, WorksOrder


def test_the_passcode_is_stored_encrypted_not_in_clear(booked):
    raw = bytes(
        WorksOrder.objects.for_shop(booked.shop).values_list("passcode_secret", flat=True).get()
    )
    assert PASSCODE.encode() not in raw
    assert raw.startswith(b"gAAAAA")  # a Fernet token


def test_showing_the_passcode_is_recorded_on_the_timeline(client_as, personas, booked):
    booked.assigned_to = personas.technician
    booked.save(update_fields=["assigned_to"])
    client = client_as(personas.technician)
    page = client.get(reverse("works_order_detail", args=[booked.number])).content.decode()
    assert PASSCODE not in page and "Show passcode" in page

    shown = client.post(
        reverse("passcode_reveal", args=[booked.number]), headers={"HX-Request": "true"}
    )
    assert PASSCODE in shown.content.decode()
    entry = TimelineEntry.objects.for_shop(personas.shop).get(event=Event.PASSCODE_VIEWED)
    assert entry.actor == personas.technician and entry.works_order == booked


def test_only_the_assigned_technician_sees_the_passcode(client_as, personas, booked):
    booked.assigned_to = personas.second_technician
    booked.save(update_fields=["assigned_to"])
    client = client_as(personas.technician)
    page = client.get(reverse("works_order_detail", args=[booked.number])).content.decode()
    assert "Show passcode" not in page

    shown = client.post(
        reverse("passcode_reveal", args=[booked.number]), headers={"HX-Request": "true"}
    )
    assert PASSCODE not in shown.content.decode()
    assert "Only the technician the job is assigned to" in shown.content.decode()
    assert (
        not TimelineEntry.objects.for_shop(personas.shop)
        .filter(event=Event.PASSCODE_VIEWED)
        .exists()
    )


def test_front_desk_cannot_reveal_a_passcode(client_as, personas, booked):
    response = client_as(personas.front_desk).post(reverse("passcode_reveal", args=[booked.number]))
    assert response.status_code == 403
    assert (
        not TimelineEntry.objects.for_shop(personas.shop)
        .filter(event=Event.PASSCODE_VIEWED)
        .exists()
    )


def test_the_passcode_never_reaches_a_page_pdf_or_log(client_as, personas, booked, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_as(personas.owner)
    urls = [
        reverse("works_order_detail", args=[booked.number]),
        reverse("works_orders"),
        reverse("customer_detail", args=[booked.customer_id]),
        reverse("search") + f"?q={booked.number}",
        reverse("receipt_pdf", args=[booked.number]) + "?layout=a4",
        reverse("receipt_pdf", args=[booked.number]) + "?layout=roll",
        reverse("tag_pdf", args=[booked.number]),
    ]
    for url in urls:
        response = client.get(url, follow=True)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200, url
        assert PASSCODE.encode() not in body, url
        if body.startswith(b"%PDF"):
            from pypdf import PdfReader

            text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
            assert PASSCODE not in text, url
    assert PASSCODE not in caplog.text


def test_a_recorded_consent_cannot_be_changed_even_in_the_database(booked):
    consent = Consent.objects.for_shop(booked.shop).get()
    assert (consent.signed_name, str(consent.quote_gross)) == ("Dee Customer", "203.99")
    with pytest.raises(DatabaseError), transaction.atomic():
        Consent.objects.for_shop(booked.shop).update(quote_gross="1.00")
    with pytest.raises(DatabaseError), transaction.atomic():
        Consent.objects.for_shop(booked.shop).delete()


def test_consent_is_taken_only_once(client_as, personas, booked):
    response = client_as(personas.front_desk).post(
        reverse("consent_record", args=[booked.number]),
        {
            "consent-method": "on_behalf",
            "consent-signed_name": "Someone Else",
            "consent-agreed": "on",
        },
        follow=True,
    )
    assert "already recorded" in response.content.decode()
    assert Consent.objects.for_shop(booked.shop).get().signed_name == "Dee Customer"


def test_consent_taken_later_records_the_quote_and_terms_in_force(client_as, personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    client = client_as(personas.front_desk)
    refused = client.post(
        reverse("consent_record", args=[works_order.number]),
        {"consent-method": "signature", "consent-signed_name": "Dee", "consent-agreed": "on"},
    )
    assert "Ask the customer to sign" in refused.content.decode()

    client.post(
        reverse("consent_record", args=[works_order.number]),
        {
            "consent-method": "on_behalf",
            "consent-signed_name": "Dee Customer",
            "consent-agreed": "on",
        },
    )
    consent = Consent.objects.for_shop(personas.shop).get(works_order=works_order)
    assert consent.recorded_by == personas.front_desk
    assert consent.terms.version == personas.shop.terms_version
    assert str(consent.quote_gross) == "120.00"


def test_a_photo_loses_its_location_and_camera_data_and_gets_a_generated_name(
    client_as, personas, booked
):
    client = client_as(personas.technician)
    client.post(
        reverse("photo_add", args=[booked.number]), {"photos-photos": [jpeg_with_location()]}
    )
    photo = Photo.objects.for_shop(personas.shop).get()
    assert "IMG_0042" not in photo.image.name and photo.image.name.endswith(".jpg")
    with Image.open(photo.image.path) as stored:
        assert not stored.getexif()  # no camera, no GPS
        assert (stored.width, stored.height) == (480, 640)  # turned upright before EXIF went
    served = client.get(reverse("photo_file", args=[booked.number, photo.pk]))
    assert served["Content-Type"] == "image/jpeg"


def test_a_text_file_renamed_jpg_is_refused_with_its_name(client_as, personas, booked):
    fake = SimpleUploadedFile(
        "holiday.jpg", b"this is not an image at all", content_type="image/jpeg"
    )
    response = client_as(personas.front_desk).post(
        reverse("photo_add", args=[booked.number]), {"photos-photos": [fake]}
    )
    assert "“holiday.jpg” is not an image we can read" in response.content.decode()
    assert not Photo.objects.for_shop(personas.shop).exists()


def test_a_cancelled_works_order_keeps_its_number_and_the_next_one_moves_on(
    client_as, personas, booked
):
    client = client_as(personas.front_desk)
    empty = client.post(reverse("works_order_cancel", args=[booked.number]), {"cancel-reason": " "})
    assert "This field is required" in empty.content.decode()

    client.post(
        reverse("works_order_cancel", args=[booked.number]),
        {"cancel-reason": "Customer took it back"},
    )
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED and booked.passcode_secret is None
    following = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    assert following.number != booked.number
    assert int(following.number[3:]) == int(booked.number[3:]) + 1


def test_technicians_cannot_cancel(client_as, personas, booked):
    response = client_as(personas.technician).post(
        reverse("works_order_cancel", args=[booked.number]), {"cancel-reason": "no"}
    )
    assert response.status_code == 403


def test_notes_for_the_customer_are_kept_apart_from_internal_ones(client_as, personas, booked):
    client = client_as(personas.technician)
    url = reverse("note_add", args=[booked.number])
    client.post(
        url, {"note-kind": "internal", "note-text": "Board has corrosion near the connector"}
    )
    client.post(url, {"note-kind": "customer", "note-text": "Your screen has arrived"})
    notes = TimelineEntry.objects.for_shop(personas.shop).filter(event=Event.NOTE)
    assert {(n.note_kind, n.visible_to_customer) for n in notes} == {
        ("internal", False),
        ("customer", True),
    }


def test_the_detail_page_query_count_does_not_grow_with_lines_photos_and_timeline(
    client_as, personas, django_assert_max_num_queries
):
    from tickets.services import LineData

    client = client_as(personas.owner)
    small = WorksOrderFactory(branch=personas.branch, by=personas.owner)
    big = WorksOrderFactory(
        branch=personas.branch,
        by=personas.owner,
        lines=[LineData(description=f"Part {i}", unit_price="1.00") for i in range(15)],
    )
    for i in range(15):
        services.note_add(works_order=big, text=f"Note {i}", kind="internal", by=personas.owner)
        Photo.objects.create(
            shop=personas.shop,
            works_order=big,
            image="x.jpg",
            width=1,
            height=1,
            uploaded_by=personas.owner,
        )

    def queries_for(works_order) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(reverse("works_order_detail", args=[works_order.number])).status_code
                == 200
            )
        return len(captured)

    assert queries_for(big) == queries_for(small)
    with django_assert_max_num_queries(10):
        client.get(reverse("works_order_detail", args=[big.number]))


def test_a_collected_job_shows_its_qc_and_who_took_it(client_as, personas, booked):
    def step(name, by, **inputs):
        works_order_advance(works_order=booked, step=name, by=by, **inputs)

    step("assign", personas.front_desk, technician=personas.technician)
    step("start", personas.technician)
    step("submit_for_qc", personas.technician, amount=Decimal("179.99"), reason="Fitting free")
    checklist = personas.shop.qc_checklist
    results = {item: {"ok": True, "note": ""} for item in reversed(checklist)}
    results[checklist[1]]["note"] = "Tested with a call to the shop"
    step("pass_qc", personas.second_technician, results=results)
    pay_in_full(booked, personas.front_desk)
    step(
        "collect",
        personas.front_desk,
        signed_name="Dee C",
        signature_png=None,
    )

    page = client_as(personas.front_desk).get(reverse("works_order_detail", args=[booked.number]))
    html = page.content.decode()
    assert "QC passed by <strong>Sofia Kowalski</strong>" in html
    assert html.index(checklist[0]) < html.index(checklist[1]) < html.index(checklist[-1])
    assert "Tested with a call to the shop" in html
    assert "Dee C" in html and "Invoice and payments" in html  # billing draws its own panel
