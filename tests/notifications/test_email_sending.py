"""Email: HTML and plain text, from the shop by name, replies to the shop; once through a real
local SMTP server (aiosmtpd) with Django's SMTP backend."""

from __future__ import annotations

import email
import socket
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction

from notifications import outbox
from notifications.models import Channel, Message, Stage, State
from notifications.services import message_queue
from shops.models import Branch, Shop


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr("notifications.services._enqueue", lambda message_id: None)


def queue_email(customer, works_order=None) -> Message:
    with transaction.atomic():
        return message_queue(
            customer=customer,
            works_order=works_order,
            stage=Stage.UPDATE,
            channel=Channel.EMAIL,
            key="update:1:email",
            subject="Your repair",
            body="Hello Dee,\nYour phone is ready: https://bench.example.test/s/abc/",
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.received.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"


def test_an_email_has_html_and_text_from_the_shop_with_reply_to(personas, customer, works_order):
    message = queue_email(customer, works_order)
    outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.state == State.SENT
    [sent] = mail.outbox
    assert sent.from_email == "Fix Corner Repairs <no-reply@benchdesk.localhost>"
    assert sent.to == [customer.email]
    assert sent.reply_to == ["owner@example.com"]
    assert sent.subject == "Your repair"
    assert "Your phone is ready" in sent.body
    [(html, kind)] = sent.alternatives
    assert kind == "text/html" and "<p>Hello Dee,<br>" in html and "Fix Corner Repairs" in html
    assert message.provider_id == sent.extra_headers["Message-ID"]


def test_replies_go_to_the_branch_then_the_shop_then_the_owner(personas, customer, works_order):
    Shop.objects.filter(pk=personas.shop.pk).update(email="desk@fixcorner.example")
    Branch.objects.for_shop(personas.shop).filter(pk=works_order.branch_id).update(
        email="birmingham@fixcorner.example"
    )
    outbox.message_deliver(queue_email(customer, works_order).pk)
    without_job = message_queue(
        customer=customer,
        works_order=None,
        stage=Stage.FREE_TEXT,
        channel=Channel.EMAIL,
        key="free:no-job",
        subject="Hello",
        body="A word from the shop",
    )
    outbox.message_deliver(without_job.pk)
    assert [m.reply_to for m in mail.outbox] == [
        ["birmingham@fixcorner.example"],
        ["desk@fixcorner.example"],
    ]


def test_an_email_goes_through_a_real_smtp_server(settings, personas, customer):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        message = queue_email(customer)
        outbox.message_deliver(message.pk)
    finally:
        controller.stop()
    message.refresh_from_db()
    assert message.state == State.SENT
    [(sender, recipients, content)] = inbox.received
    assert sender == "no-reply@benchdesk.localhost" and recipients == [customer.email]
    parsed = email.message_from_bytes(content, policy=default_policy)
    assert parsed["From"] == "Fix Corner Repairs <no-reply@benchdesk.localhost>"
    assert parsed["Reply-To"] == "owner@example.com"
    assert parsed["Message-ID"] == message.provider_id
    assert parsed.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in parsed.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    assert "Your phone is ready" in parsed.get_body(("plain",)).get_content()


def test_an_smtp_server_that_is_down_is_a_transient_error(settings, personas, customer):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    message = queue_email(customer)
    with pytest.raises(outbox.Transient):
        outbox.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.state == State.QUEUED and message.last_error
