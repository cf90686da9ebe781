"""A customer books a drop-off online; it lands in Intake marked booked online; the counter
completes it with the intake form."""

import time

import pytest
from django.urls import reverse

from booking import views
from booking.forms import form_stamp
from booking.models import BookingSettings, BranchCapacity, SlotCount
from customers.models import Customer
from notifications.models import Message, Stage
from shops import ratelimit
from tests.booking.conftest import booking_post, free_slots
from tests.factories import PriceOptionFactory, WorksOrderFactory
from tests.tickets.test_intake import intake_post
from tickets.lifecycle import works_order_advance
from tickets.models import Status, TransitionRefused, WorksOrder


def book(client, personas, priced, **overrides):
    page = reverse("booking_page", args=[personas.shop.slug])
    return client.post(page, booking_post(personas, priced, **overrides))


def online_jobs(shop):
    return WorksOrder.objects.for_shop(shop).filter(drop_off_at__isnull=False)


def test_a_customer_books_a_drop_off_and_sees_the_confirmation(client, personas, bookable):
    slot = free_slots(personas)[0]
    response = book(client, personas, bookable, slot=slot)

    assert response.status_code == 302
    job = online_jobs(personas.shop).get()
    assert job.status == Status.INTAKE
    assert job.drop_off_at.strftime("%Y-%m-%dT%H:%MZ") == slot
    assert job.created_by is None and job.dropped_off_at is None
    assert job.branch == personas.branch
    assert job.customer.phone == "+447911123456" and job.customer.email == "dee@example.org"
    assert job.device.model_name == "iPhone 13" and job.device.imei == ""
    assert job.fault_reported == "Screen replacement (booked online): Cracked after a drop"
    assert job.quote_gross() == bookable.price  # the pricebook price, VAT included
    booked = job.timeline.get()
    assert "Booked online by Dee Customer, +447911123456" in booked.text
    assert booked.data["option"] == bookable.pk
    message = Message.objects.for_shop(personas.shop).get(works_order=job)
    assert message.stage == Stage.BOOKED_ONLINE and message.recipient == "+447911123456"
    assert "bring your Apple iPhone 13 to Birmingham" in message.body
    assert f"/s/{job.status_token}/" in message.body

    done = client.get(response["Location"])
    assert done.status_code == 200
    page = done.content.decode()
    assert job.number in page and "£149.99" in page and f"/s/{job.status_token}/" in page
    assert "frame-ancestors 'none'" in done["Content-Security-Policy"]


def test_the_page_shows_the_pricebook_price_in_the_shops_currency(client, personas, bookable):
    personas.shop.currency = "EUR"
    personas.shop.save(update_fields=["currency"])
    url = reverse("booking_page", args=[personas.shop.slug])
    page = client.get(url, {"device_model": bookable.entry.device_model_id}).content.decode()
    assert "Screen replacement (OEM): €149.99" in page
    assert "Birmingham" in page


def test_a_booking_shows_in_intake_marked_booked_online_and_filters(
    client, client_as, personas, bookable
):
    book(client, personas, bookable)
    job = online_jobs(personas.shop).get()
    counter_job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    staff = client_as(personas.front_desk)

    board = staff.get(reverse("board"), {"branch": "BHM"}).content.decode()
    card = board[board.index(f'data-number="{job.number}"') :]
    card = card[: card.index("</li>")]
    assert "Booked online · drop-off" in card
    assert "Booked online" not in board[board.index(f'data-number="{counter_job.number}"') :][:600]

    listed = staff.get(reverse("works_orders"), {"online": "on"}).content.decode()
    assert job.number in listed and counter_job.number not in listed
    assert "Booked online" in listed

    detail = staff.get(reverse("works_order_detail", args=[job.number])).content.decode()
    assert "Complete this booking" in detail


def test_the_counter_completes_the_booking_with_the_intake_form(
    client, client_as, personas, bookable
):
    book(client, personas, bookable)
    job = online_jobs(personas.shop).get()
    with pytest.raises(TransitionRefused, match="Complete the online booking at the counter"):
        works_order_advance(
            works_order=job, step="assign", by=personas.manager, technician=personas.technician
        )
    staff = client_as(personas.front_desk)

    form = staff.get(reverse("intake"), {"booking": job.number}).content.decode()
    assert f'Complete online booking <span class="font-monospace">{job.number}' in form
    assert "Screen replacement" in form  # the booked quote line, ready to change
    assert f'name="pricebook_option" value="{bookable.pk}"' in form

    data = intake_post(
        personas,
        booking=job.number,
        customer_id=str(job.customer_id),
        **{"customer-full_name": ""},
    )
    response = staff.post(reverse("intake"), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("works_order_detail", args=[job.number])
    assert WorksOrder.objects.for_shop(personas.shop).count() == 1  # the same job, not a second
    job.refresh_from_db()
    assert job.dropped_off_at is not None and job.created_by == personas.front_desk
    assert job.device.imei == "352099001761481"
    assert job.agreed_gross is not None and job.consent.signed_name == "Dee Customer"
    assert job.drop_off_at is not None  # still marked booked online
    completed = job.timeline.filter(event="details").get()
    assert (
        completed.text
        == "Online booking completed at the counter: Apple iPhone 13, IMEI 352099001761481"
    )
    assert completed.actor == personas.front_desk
    assert Message.objects.for_shop(personas.shop).filter(stage=Stage.BOOKED_IN).count() == 1
    works_order_advance(
        works_order=job, step="assign", by=personas.manager, technician=personas.technician
    )  # now it can leave intake

    again = staff.post(reverse("intake"), data)  # a second click: nothing booked twice
    assert again.status_code == 302
    assert WorksOrder.objects.for_shop(personas.shop).count() == 1


def test_the_form_cannot_book_into_another_shop(client, personas, bookable):
    other = personas.outsider.shop
    theirs = PriceOptionFactory(shop=other)
    their_branch = personas.outsider.branches.first()

    for tampered in (
        {"option": theirs.pk},
        {"device_model": theirs.entry.device_model_id, "option": theirs.pk},
        {"branch": their_branch.pk},
    ):
        response = book(client, personas, bookable, **tampered)
        assert response.status_code == 400, tampered
    # Their page is off, and posting our repair there books nothing either.
    their_page = reverse("booking_page", args=[other.slug])
    assert client.post(their_page, booking_post(personas, bookable)).status_code == 404
    assert not online_jobs(personas.shop).exists()
    assert not WorksOrder.objects.for_shop(other).exists()
    assert not Customer.objects.for_shop(personas.shop).exists()


def test_a_switched_off_page_is_not_found(client, personas, bookable):
    BookingSettings.objects.for_shop(personas.shop).update(enabled=False)
    url = reverse("booking_page", args=[personas.shop.slug])
    assert client.get(url).status_code == 404
    assert book(client, personas, bookable).status_code == 404
    assert client.get(reverse("booking_page", args=["no-such-shop"])).status_code == 404


def test_a_bot_filling_the_honeypot_or_posting_at_once_books_nothing(client, personas, bookable):
    assert book(client, personas, bookable, website="http://spam.example").status_code == 400
    too_fast = book(client, personas, bookable, stamp=form_stamp(personas.shop))
    assert too_fast.status_code == 400
    assert "quicker than a person can type" in too_fast.content.decode()
    forged = book(client, personas, bookable, stamp="1:forged")
    assert forged.status_code == 400
    other_shops_stamp = form_stamp(personas.outsider.shop, now=time.time() - 30)
    assert book(client, personas, bookable, stamp=other_shops_stamp).status_code == 400
    assert not online_jobs(personas.shop).exists()


def test_flooding_from_one_address_is_refused(client, personas, bookable):
    for _ in range(views.PER_ADDRESS.count):
        book(client, personas, bookable, phone="not a phone")  # refused, but counted
    response = book(client, personas, bookable)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not online_jobs(personas.shop).exists()


def test_flooding_one_shop_from_many_addresses_is_refused(client, personas, bookable, monkeypatch):
    monkeypatch.setattr(views, "PER_SHOP", ratelimit.Limit("booking-shop", count=2, window=3600))
    answers = []
    for n in range(3):
        response = client.post(
            reverse("booking_page", args=[personas.shop.slug]),
            booking_post(personas, bookable, phone=f"07911 12345{n}", email=""),
            REMOTE_ADDR=f"203.0.113.{n + 1}",
        )
        answers.append(response.status_code)
    assert answers == [302, 302, 429]
    assert online_jobs(personas.shop).count() == 2


def test_a_full_slot_is_refused_with_a_clear_message(client, personas, bookable):
    BranchCapacity.objects.for_shop(personas.shop).update(per_slot=1)
    slot = free_slots(personas)[0]
    assert book(client, personas, bookable, slot=slot).status_code == 302
    second = book(client, personas, bookable, slot=slot, phone="07911 123457", email="")
    assert second.status_code == 400
    assert "Sorry, that time is now full. Please choose another." in second.content.decode()
    assert online_jobs(personas.shop).count() == 1
    # The slot's own day: the page opens on the first day with a place left, which late in the
    # afternoon is tomorrow once today's last slot is full.
    page = client.get(
        reverse("booking_page", args=[personas.shop.slug]), {"day": slot[:10]}
    ).content.decode()
    assert f'value="{slot}" disabled' in page


def test_cancelling_a_booking_before_drop_off_frees_its_place(client, personas, bookable):
    BranchCapacity.objects.for_shop(personas.shop).update(per_slot=1)
    slot = free_slots(personas)[0]
    book(client, personas, bookable, slot=slot)
    job = online_jobs(personas.shop).get()
    works_order_advance(works_order=job, step="cancel", by=personas.front_desk, reason="No-show")
    assert SlotCount.objects.for_shop(personas.shop).get().booked == 0
    assert slot in free_slots(personas, 50)


def test_the_page_may_be_framed_only_by_the_shops_own_website(
    client, client_as, personas, bookable
):
    BookingSettings.objects.for_shop(personas.shop).update(
        embed_origins=["https://www.fixcorner.example"]
    )
    page = client.get(reverse("booking_page", args=[personas.shop.slug]))
    assert "frame-ancestors https://www.fixcorner.example" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in page
    app = client_as(personas.manager).get(reverse("board"))
    assert "frame-ancestors 'none'" in app["Content-Security-Policy"]


def test_the_page_reads_the_same_few_queries_however_many_repairs_and_days(
    client, personas, bookable, django_assert_max_num_queries
):
    for n in range(5):  # more repairs of the same model
        PriceOptionFactory(
            shop=personas.shop,
            entry__device_model=bookable.entry.device_model,
            entry__repair_type__shop=personas.shop,
            entry__repair_type__name=f"Repair {n}",
        )
    url = reverse("booking_page", args=[personas.shop.slug])
    with django_assert_max_num_queries(13):
        page = client.get(url, {"device_model": bookable.entry.device_model_id})
    assert page.status_code == 200
    assert page.content.decode().count("Repair ") >= 5
