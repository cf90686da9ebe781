"""The message thread on the works order and customer pages: seeing, resending, writing."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, InboundMessage, Message, Stage, State
from notifications.services import message_queue
from tests.factories import CustomerFactory, WorksOrderFactory


@pytest.fixture
def job(personas):
    customer = CustomerFactory(shop=personas.shop, full_name="Ruth Ellis")
    return WorksOrderFactory(branch=personas.branch, by=personas.front_desk, customer=customer)


def _failed(job, key="ready:entry-1:sms") -> Message:
    return message_queue(
        customer=job.customer,
        works_order=job,
        stage=Stage.READY,
        channel=Channel.SMS,
        key=key,
        body="Your phone is ready.",
        why_not="SMS is not set up",
    )


def test_staff_see_the_thread_with_states_in_words(personas, client_as, job):
    _failed(job)
    InboundMessage.objects.create(
        shop=personas.shop,
        provider_id="SM1",
        sender=job.customer.phone,
        body="Thanks, coming at 5",
        customer=job.customer,
        works_order=job,
    )
    client = client_as(personas.second_technician)  # not their job: they may still look
    response = client.get(reverse("works_order_messages", args=[job.number]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not sent: SMS is not set up" in html
    assert "Thanks, coming at 5" in html
    assert "Resend" not in html and "Write to" not in html  # looking, not writing


def test_the_thread_is_a_fragment_for_htmx_in_few_queries(
    personas, client_as, job, django_assert_max_num_queries
):
    for n in range(5):
        _failed(job, key=f"k{n}")
    client = client_as(personas.front_desk)
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("works_order_messages", args=[job.number]), headers={"HX-Request": "true"}
        )
    assert b"<html" not in response.content
    assert response.content.count(b"Resend") == 5


def test_the_works_order_page_loads_the_thread_after_itself(personas, client_as, job):
    response = client_as(personas.front_desk).get(reverse("works_order_detail", args=[job.number]))
    assert reverse("works_order_messages", args=[job.number]).encode() in response.content


def test_resend_twice_with_the_same_form_sends_once(personas, client_as, job):
    failed = _failed(job)
    client = client_as(personas.front_desk)
    data = {"message": failed.pk, "attempt": 1}
    for _ in range(2):
        response = client.post(reverse("message_resend"), data)
        assert response.status_code == 302
    resent = Message.objects.for_shop(personas.shop).filter(key__startswith=f"resend:{failed.pk}:")
    assert resent.count() == 1
    assert resent.get().body == "Your phone is ready."
    # The thread now offers the next attempt, so a deliberate second resend is a new message.
    html = client.get(reverse("works_order_messages", args=[job.number])).content.decode()
    assert 'name="attempt" value="2"' in html


def test_a_technician_resends_only_on_their_own_job(personas, client_as, job):
    failed = _failed(job)
    job.assigned_to = None
    response = client_as(personas.technician).post(
        reverse("message_resend"), {"message": failed.pk, "attempt": 1}
    )
    assert response.status_code == 403
    assert not Message.objects.for_shop(personas.shop).filter(key__startswith="resend:").exists()


def test_another_shops_message_cannot_be_resent(personas, client_as, job):
    failed = _failed(job)
    response = client_as(personas.outsider).post(
        reverse("message_resend"), {"message": failed.pk, "attempt": 1}
    )
    assert response.status_code == 404


def test_another_shops_thread_is_404(personas, client_as, job):
    client = client_as(personas.outsider)
    assert client.get(reverse("works_order_messages", args=[job.number])).status_code == 404
    assert client.get(reverse("customer_messages", args=[job.customer_id])).status_code == 404
    write = client.post(reverse("works_order_write", args=[job.number]), {"body": "hi"})
    assert write.status_code == 404


def test_free_text_double_submit_sends_once(personas, client_as, job):
    client = client_as(personas.front_desk)
    data = {"channel": "sms", "body": "Could you pop in tomorrow?", "token": uuid.uuid4()}
    for _ in range(2):
        assert client.post(reverse("works_order_write", args=[job.number]), data).status_code == 302
    written = Message.objects.for_shop(personas.shop).filter(stage=Stage.FREE_TEXT)
    assert written.count() == 1
    message = written.get()
    assert message.channel == Channel.SMS
    assert message.recipient == job.customer.phone
    assert message.created_by == personas.front_desk


def test_free_text_email_gets_a_subject(personas, client_as, job):
    data = {"channel": "email", "body": "Hello", "subject": "", "token": uuid.uuid4()}
    client_as(personas.manager).post(reverse("works_order_write", args=[job.number]), data)
    message = Message.objects.for_shop(personas.shop).get(stage=Stage.FREE_TEXT)
    assert message.subject.startswith(job.number)


def test_an_opted_out_customer_cannot_be_sent_sms_and_the_form_says_why(personas, client_as, job):
    customer = job.customer
    customer.sms_opted_out_at = timezone.now()
    customer.sms_opt_out_word = "STOP"
    customer.save()
    client = client_as(personas.front_desk)
    html = client.get(reverse("works_order_messages", args=[job.number])).content.decode()
    assert "opted out of SMS (replied STOP on" in html
    assert 'value="sms"' not in html
    data = {"channel": "sms", "body": "Hi", "token": uuid.uuid4()}
    response = client.post(reverse("works_order_write", args=[job.number]), data)
    assert response.status_code == 200  # the form again, with the error
    assert not Message.objects.for_shop(personas.shop).filter(stage=Stage.FREE_TEXT).exists()


def test_the_assigned_technician_may_write_and_others_may_not(personas, client_as, job):
    from tickets.models import WorksOrder

    WorksOrder.objects.for_shop(personas.shop).filter(pk=job.pk).update(
        assigned_to=personas.technician
    )
    data = {"channel": "sms", "body": "Parts are in", "token": uuid.uuid4()}
    url = reverse("works_order_write", args=[job.number])
    assert client_as(personas.second_technician).post(url, data).status_code == 403
    assert client_as(personas.technician).post(url, data).status_code == 302
    assert Message.objects.for_shop(personas.shop).filter(stage=Stage.FREE_TEXT).count() == 1


def test_the_sms_count_is_shown_live(personas, client_as):
    client = client_as(personas.front_desk)
    response = client.get(reverse("sms_length"), {"body": "x" * 161})
    assert response.content.decode() == "161 characters, 2 SMSs (GSM-7)" or b"2 SMS" in (
        response.content
    )


def test_the_customer_page_shows_every_job_messages(personas, client_as, job):
    _failed(job)
    client = client_as(personas.front_desk)
    page = client.get(reverse("customer_detail", args=[job.customer_id])).content.decode()
    assert reverse("customer_messages", args=[job.customer_id]) in page
    html = client.get(reverse("customer_messages", args=[job.customer_id])).content.decode()
    assert job.number in html and "Not sent: SMS is not set up" in html


def test_a_message_held_for_quiet_hours_says_until_when(personas, client_as, job):
    message = _failed(job)
    Message.objects.for_shop(personas.shop).filter(pk=message.pk).update(
        state=State.QUEUED, send_after=timezone.now() + timezone.timedelta(hours=3)
    )
    html = (
        client_as(personas.front_desk)
        .get(reverse("works_order_messages", args=[job.number]))
        .content.decode()
    )
    assert "Held until" in html
