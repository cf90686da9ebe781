"""Booking a device in at the counter, through the intake page."""

import base64
import io

import pytest
from django.urls import reverse
from PIL import Image

from customers.models import Customer
from devices.models import Device
from tests.factories import CustomerFactory, DeviceFactory, valid_imei
from tickets.models import Consent, Event, WorksOrder


def signature_data_url() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), "white").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def intake_post(personas, **overrides) -> dict:
    data = {
        "customer-full_name": "Dee Customer",
        "customer-phone": "07911 123456",
        "customer-email": "Dee@Example.org",
        "customer-preferred_contact": "sms",
        "customer-customer_type": "walk_in",
        "device-imei": "35 209900 176148 1",
        "device-category": "phone",
        "device-make": "Apple",
        "device-model_name": "iPhone 13",
        "device-colour": "Midnight",
        "device-storage": "128 GB",
        "job-branch": personas.branch.pk,
        "job-priority": "standard",
        "job-fault_reported": "Dropped it; screen cracked, touch dead in the top corner",
        "job-condition": ["screen_cracked", "dents"],
        "job-accessories": ["case", "sim"],
        "job-passcode_kind": "pin",
        "job-passcode": "2580",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-kind": "part",
        "lines-0-description": "Screen assembly (OEM)",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "149.99",
        "lines-0-vat_rate": "20",
        "lines-1-kind": "labour",
        "lines-1-description": "Fitting and test",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "20.00",
        "lines-1-vat_rate": "20",
        "consent-method": "signature",
        "consent-signed_name": "Dee Customer",
        "consent-signature": signature_data_url(),
        "consent-agreed": "on",
    }
    return data | overrides


def test_a_complete_intake_books_a_numbered_works_order_with_everything_on_it(client_as, personas):
    response = client_as(personas.front_desk).post(reverse("intake"), intake_post(personas))
    works_order = WorksOrder.objects.for_shop(personas.shop).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("works_order_detail", args=[works_order.number])
    assert works_order.number == "WO-000001"

    customer = works_order.customer
    assert (customer.phone, customer.email) == ("+447911123456", "dee@example.org")
    assert works_order.device.imei == "352099001761481"
    assert works_order.condition == ["screen_cracked", "dents"]
    assert [line.description for line in works_order.lines.all()] == [
        "Screen assembly (OEM)",
        "Fitting and test",
    ]
    consent = Consent.objects.for_shop(personas.shop).get(works_order=works_order)
    assert bytes(consent.signature_png).startswith(b"\x89PNG")
    assert str(consent.quote_gross) == "203.99"
    assert consent.terms.version == 1
    events = set(works_order.timeline.values_list("event", flat=True))
    assert {Event.BOOKED_IN, Event.CONSENT} <= events


def test_errors_show_next_to_their_fields_and_keep_what_was_typed(client_as, personas):
    response = client_as(personas.front_desk).post(
        reverse("intake"),
        intake_post(personas, **{"device-imei": "352099001761482", "job-fault_reported": ""}),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The check digit (the last digit) is wrong" in page
    assert "This field is required" in page
    for typed in ["Dee Customer", "07911 123456", "Screen assembly (OEM)", "149.99", "Midnight"]:
        assert typed in page, typed
    assert 'value="data:image/png;base64,' in page  # the signature is drawn again
    assert not WorksOrder.objects.for_shop(personas.shop).exists()
    assert not Customer.objects.for_shop(personas.shop).exists()  # nothing half-saved


def test_a_known_phone_in_another_format_offers_the_existing_customer(client_as, personas):
    known = CustomerFactory(shop=personas.shop, full_name="Dee Customer", phone="+447911123456")
    response = client_as(personas.front_desk).post(
        reverse("intake"), intake_post(personas, **{"customer-phone": "+44 (0)7911-123456"})
    )
    page = response.content.decode()
    assert f"Use {known.full_name}" in page
    assert f"customer_id={known.pk}" in page
    assert Customer.objects.for_shop(personas.shop).count() == 1


def test_a_picked_customer_is_used_as_is(client_as, personas):
    known = CustomerFactory(shop=personas.shop, full_name="Regular Rita")
    data = intake_post(personas, customer_id=str(known.pk), **{"customer-full_name": ""})
    client_as(personas.front_desk).post(reverse("intake"), data)
    assert WorksOrder.objects.for_shop(personas.shop).get().customer == known
    assert Customer.objects.for_shop(personas.shop).count() == 1


def test_another_shops_customer_cannot_be_picked(client_as, personas):
    stranger = CustomerFactory(shop=personas.outsider.shop)
    data = intake_post(personas, customer_id=str(stranger.pk))
    client_as(personas.front_desk).post(reverse("intake"), data)
    works_order = WorksOrder.objects.for_shop(personas.shop).get()
    assert works_order.customer != stranger and works_order.customer.shop == personas.shop


def test_the_same_imei_is_the_same_device_with_its_history(client_as, personas):
    imei = valid_imei(77)
    earlier = DeviceFactory(shop=personas.shop, imei=imei)
    client_as(personas.front_desk).post(
        reverse("intake"),
        intake_post(personas, customer_id=str(earlier.customer_id), **{"device-imei": imei}),
    )
    assert WorksOrder.objects.for_shop(personas.shop).get().device == earlier
    assert Device.objects.for_shop(personas.shop).count() == 1


def test_picking_a_customer_shows_their_devices_without_reloading(client_as, personas):
    device = DeviceFactory(shop=personas.shop, make="Samsung", model_name="Galaxy S23")
    fragment = client_as(personas.front_desk).get(
        reverse("intake"), {"customer_id": device.customer_id}, headers={"HX-Request": "true"}
    )
    html = fragment.content.decode()
    assert "<html" not in html
    assert device.customer.full_name in html and "Galaxy S23" in html


def test_consent_can_be_left_for_later(client_as, personas):
    client_as(personas.front_desk).post(
        reverse("intake"),
        intake_post(personas, **{"consent-method": "later", "consent-signature": ""}),
    )
    works_order = WorksOrder.objects.for_shop(personas.shop).get()
    assert not Consent.objects.for_shop(personas.shop).filter(works_order=works_order).exists()


def test_a_signature_is_required_when_signing_on_screen(client_as, personas):
    response = client_as(personas.front_desk).post(
        reverse("intake"), intake_post(personas, **{"consent-signature": ""})
    )
    assert "Ask the customer to sign in the box" in response.content.decode()


@pytest.mark.parametrize("persona", ["technician", "outsider"])
def test_only_the_counter_of_this_shop_books_in(client_as, personas, persona):
    response = client_as(getattr(personas, persona)).post(reverse("intake"), intake_post(personas))
    assert response.status_code in (403, 200)
    assert not WorksOrder.objects.for_shop(personas.shop).exists()


def test_booking_in_a_new_customer_and_device_takes_twenty_one_queries(
    client_as, personas, django_assert_max_num_queries
):
    client = client_as(personas.front_desk)
    # Signing in; the IMEI's model in the catalogue; the branch; is the phone or email known;
    # the customer (in a savepoint); is the IMEI known; the device (in a savepoint); the number;
    # the SLA promise (the shop's targets, the branch's opening hours and closed dates: one);
    # the works order, its lines, the terms in force, the consent and the timeline; the shop's
    # wording of the booked-in message and the message itself (the outbox); does any webhook
    # of the shop listen for new works orders (api.webhooks.event_record). Two more
    # here: inside the test's transaction the booking's is a savepoint (SAVEPOINT, RELEASE);
    # at the counter it is BEGIN and COMMIT, which are not counted.
    with django_assert_max_num_queries(21 + 2):
        response = client.post(reverse("intake"), intake_post(personas))
    assert response.status_code == 302
    assert WorksOrder.objects.for_shop(personas.shop).count() == 1
