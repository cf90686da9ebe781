"""Which message each stage writes to the outbox, to whom, in whose words, and only once."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from customers.models import ContactMethod
from notifications import outbox, texts
from notifications.models import Channel, Message, MessageTemplate, Stage, State
from notifications.services import sms_hold_until
from tests.factories import CustomerFactory, WorksOrderFactory
from tickets.lifecycle import works_order_advance
from tickets.models import Event
from tickets.services import ConsentData, note_add
from tickets.signals import customer_news

LONDON = ZoneInfo("Europe/London")


def book(personas, **customer):
    customer = CustomerFactory(shop=personas.shop, full_name="Dee Whitfield", **customer)
    consent = ConsentData(method="on_behalf", signed_name="Dee Whitfield")
    return WorksOrderFactory(
        branch=personas.branch, by=personas.front_desk, customer=customer, consent=consent
    )


def messages_of(works_order):
    return list(
        Message.objects.for_shop(works_order.shop).filter(works_order=works_order).order_by("pk")
    )


def to_ready(personas, works_order):
    jack = personas.technician
    for step, inputs in (
        ("assign", {"technician": jack}),
        ("start", {}),
        ("submit_for_qc", {"amount": Decimal("120.00")}),
    ):
        by = personas.front_desk if step == "assign" else jack
        works_order = works_order_advance(works_order=works_order, step=step, by=by, **inputs)
    checks = {item: {"ok": True, "note": ""} for item in personas.shop.qc_checklist}
    return works_order_advance(
        works_order=works_order, step="pass_qc", by=personas.second_technician, results=checks
    )


def test_booking_in_queues_one_sms_with_the_number_and_the_status_link(personas):
    works_order = book(personas)

    [message] = messages_of(works_order)
    assert (message.stage, message.channel, message.state) == ("booked_in", "sms", "queued")
    assert message.recipient == works_order.customer.phone
    assert message.body.startswith("Hi Dee, your ")
    assert works_order.number in message.body
    assert "/s/" in message.body


def test_the_same_news_told_twice_is_one_message(personas):
    works_order = book(personas)
    entry = works_order.timeline.get(event=Event.BOOKED_IN)

    customer_news.send(None, works_order=works_order, news="booked_in", entry=entry)
    customer_news.send(None, works_order=works_order, news="booked_in", entry=entry)

    assert len(messages_of(works_order)) == 1


def test_a_customer_who_prefers_email_gets_email_with_a_subject(personas):
    works_order = book(personas, preferred_contact=ContactMethod.EMAIL)

    [message] = messages_of(works_order)
    assert message.channel == Channel.EMAIL
    assert message.recipient == works_order.customer.email
    assert message.subject == f"{works_order.number}: your {works_order.device} is booked in"


def test_a_customer_who_prefers_a_call_gets_nothing_and_staff_see_why(personas):
    works_order = book(personas, preferred_contact=ContactMethod.PHONE)

    [message] = messages_of(works_order)
    assert message.state == State.NOT_SENT
    assert message.not_sent_reason == "prefers a phone call: ring them"


def test_an_opted_out_customer_with_email_is_emailed_instead(personas):
    works_order = book(personas, sms_opted_out_at=timezone.now(), sms_opt_out_word="STOP")

    [message] = messages_of(works_order)
    assert message.channel == Channel.EMAIL


def test_an_opted_out_customer_without_email_gets_no_sms_and_staff_see_why(personas):
    opted_out = datetime.datetime(2026, 11, 3, 10, 0, tzinfo=LONDON)
    works_order = book(personas, email="", sms_opted_out_at=opted_out, sms_opt_out_word="STOP")

    [message] = messages_of(works_order)
    assert (message.channel, message.state) == (Channel.SMS, State.NOT_SENT)
    assert message.not_sent_reason == "opted out of SMS (replied STOP on 3 Nov 2026)"


def test_stages_the_shop_switched_off_write_nothing(personas):
    works_order = book(personas)
    MessageTemplate.objects.create(
        shop=personas.shop, stage=Stage.READY, channel=Channel.SMS, enabled=False, body="x"
    )

    to_ready(personas, works_order)

    # Assigned and work started are off by default; ready was switched off here.
    assert [m.stage for m in messages_of(works_order)] == ["booked_in"]


def test_ready_tells_the_customer_the_price_and_the_timeline_says_so(personas):
    works_order = to_ready(personas, book(personas))

    ready = messages_of(works_order)[-1]
    assert ready.stage == Stage.READY
    assert "ready to collect from Birmingham" in ready.body
    assert "To pay: £120.00" in ready.body
    told = works_order.timeline.filter(event=Event.MESSAGE).get()
    assert told.text == f"Customer told it is ready: SMS to {works_order.customer.phone}"


def test_ready_without_any_way_to_reach_the_customer_is_on_the_timeline(personas):
    works_order = to_ready(personas, book(personas, preferred_contact=ContactMethod.PHONE))

    told = works_order.timeline.filter(event=Event.MESSAGE).get()
    assert told.text == "Customer not told automatically: prefers a phone call: ring them."


def test_a_shops_own_wording_is_used_and_cannot_reach_beyond_its_fields(personas):
    MessageTemplate.objects.create(
        shop=personas.shop,
        stage=Stage.BOOKED_IN,
        channel=Channel.SMS,
        body="{number} for {first_name} {{ settings.SECRET_KEY }} {% debug %} {secret_key}",
    )
    works_order = book(personas)

    [message] = messages_of(works_order)
    assert message.body == (
        f"{works_order.number} for Dee {{{{ settings.SECRET_KEY }}}} {{% debug %}} {{secret_key}}"
    )


def test_an_update_written_for_the_customer_is_sent_and_an_internal_note_is_not(personas):
    works_order = book(personas)

    note_add(works_order=works_order, text="Screen ordered", kind="internal", by=personas.manager)
    note_add(works_order=works_order, text="Back Friday", kind="customer", by=personas.manager)

    update = messages_of(works_order)[-1]
    assert update.stage == Stage.UPDATE
    assert update.body == f"Fix Corner Repairs, {works_order.number}: Back Friday"
    assert len(messages_of(works_order)) == 2


def test_waiting_for_parts_again_is_news_again(personas):
    works_order = book(personas)
    jack = personas.technician
    works_order = works_order_advance(
        works_order=works_order, step="assign", by=personas.front_desk, technician=jack
    )
    works_order = works_order_advance(works_order=works_order, step="start", by=jack)
    for _ in range(2):
        works_order = works_order_advance(
            works_order=works_order, step="wait_for_parts", by=jack, reason="Screen"
        )
        works_order = works_order_advance(works_order=works_order, step="resume", by=jack)

    stages = [m.stage for m in messages_of(works_order)]
    assert stages == ["booked_in", "awaiting_parts", "awaiting_parts"]


@pytest.mark.parametrize(
    ("local", "held_until"),
    [
        ("2026-12-05 19:59", None),
        ("2026-12-05 20:00", "2026-12-06 08:00"),
        ("2026-12-05 23:30", "2026-12-06 08:00"),
        ("2026-12-06 07:59", "2026-12-06 08:00"),
        ("2026-12-06 08:00", None),
    ],
)
def test_sms_written_in_quiet_hours_wait_for_the_morning(personas, local, held_until):
    now = datetime.datetime.fromisoformat(local).replace(tzinfo=LONDON)
    expected = now if held_until is None else datetime.datetime.fromisoformat(held_until)
    assert sms_hold_until(personas.branch, now) == expected.replace(tzinfo=LONDON)


def no_quiet_hours(shop):
    """Messages due at once, whatever time of day the test runs."""
    shop.quiet_hours_from = shop.quiet_hours_until
    shop.save(update_fields=["quiet_hours_from"])


def test_a_message_is_claimed_by_one_worker_only(personas):
    no_quiet_hours(personas.shop)
    [message] = messages_of(book(personas))

    assert outbox.message_claim(message.pk) is not None
    assert outbox.message_claim(message.pk) is None
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENDING, 1)


def test_without_twilio_an_sms_is_kept_as_not_set_up(personas, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    no_quiet_hours(personas.shop)
    [message] = messages_of(book(personas))

    outbox.message_deliver(message.pk)

    message.refresh_from_db()
    assert (message.state, message.not_sent_reason) == (State.NOT_SENT, "SMS is not set up")


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("€" * 80, "GSM-7", 1),  # the euro sign takes two places
        ("é" * 160, "GSM-7", 1),
        ("ł" * 70, "UCS-2", 1),
        ("ł" * 71, "UCS-2", 2),
        ("👍" * 35, "UCS-2", 1),  # an emoji takes two UTF-16 units
    ],
)
def test_sms_length_is_counted_as_the_network_counts_it(text, encoding, segments):
    counted = texts.sms_segments(text)
    assert (counted.encoding, counted.segments) == (encoding, segments)


def test_every_default_wording_names_only_known_fields():
    for wording in texts.DEFAULTS.values():
        assert texts.unknown_fields(wording.body + wording.subject) == []
