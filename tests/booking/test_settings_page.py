"""Managers switch online booking on, set each branch's places and the websites that may show
the page, and copy the snippet."""

from django.urls import reverse

from audit.models import Change
from booking.models import BookingSettings, BranchCapacity


def settings_post(personas, **overrides) -> dict:
    data = {
        "enabled": "on",
        "slot_minutes": "30",
        "days_ahead": "14",
        "notice_hours": "2",
        "embed_origins": "https://www.fixcorner.example/book-a-repair/\nhttp://localhost:8080",
        f"places_{personas.branch.pk}": "3",
        f"places_{personas.other_branch.pk}": "0",
    }
    return data | overrides


def test_a_manager_switches_booking_on_and_gets_the_snippet(client_as, personas):
    client = client_as(personas.manager)
    response = client.post(reverse("booking_settings"), settings_post(personas))
    assert response.status_code == 302
    saved = BookingSettings.objects.for_shop(personas.shop).get()
    assert saved.enabled and saved.slot_minutes == 30
    assert saved.embed_origins == ["https://www.fixcorner.example", "http://localhost:8080"]
    places = BranchCapacity.objects.for_shop(personas.shop)
    assert dict(places.values_list("branch__code", "per_slot")) == {"BHM": 3, "COV": 0}
    assert (
        Change.objects.for_shop(personas.shop).filter(table_name="booking_bookingsettings").exists()
    )

    page = client.get(reverse("booking_settings")).content.decode()
    assert "&lt;iframe src=&quot;" in page
    assert "/book/fix-corner/&quot; title=&quot;Book a repair with Fix Corner Repairs&quot;" in page


def test_a_bad_website_address_or_number_is_refused_at_its_field(client_as, personas):
    client = client_as(personas.manager)
    response = client.post(
        reverse("booking_settings"),
        settings_post(personas, embed_origins="javascript:alert(1)", days_ahead="9999"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a website address" in page and "Enter a whole number from 1 to 60" in page
    assert not BookingSettings.objects.for_shop(personas.shop).exists()


def test_only_managers_change_booking_settings(client_as, personas):
    for member in (personas.front_desk, personas.technician):
        response = client_as(member).post(reverse("booking_settings"), settings_post(personas))
        assert response.status_code == 403
    assert not BookingSettings.objects.for_shop(personas.shop).exists()


def test_website_addresses_no_header_could_carry_are_refused(client_as, personas):
    client = client_as(personas.manager)
    for typed in ("http://[::1", "https://shop.example:port", "https://a b.example", "ftp://x.io"):
        response = client.post(
            reverse("booking_settings"), settings_post(personas, embed_origins=typed)
        )
        assert response.status_code == 400, typed
        assert (
            "website address" in response.content.decode()
            or "characters" in response.content.decode()
        )
    saved = client.post(
        reverse("booking_settings"),
        settings_post(personas, embed_origins="https://bücher.example/"),
    )
    assert saved.status_code == 302
    assert BookingSettings.objects.for_shop(personas.shop).get().embed_origins == [
        "https://xn--bcher-kva.example"
    ]
