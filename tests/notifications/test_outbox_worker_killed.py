"""A real Celery worker, killed with SIGKILL while Twilio (the fake) holds its answer: the
message is sent by the sweep afterwards, once — Twilio already had it, so its SID is adopted."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app as celery_app
from notifications import outbox
from notifications.models import Channel, Message, Stage, State
from notifications.services import message_queue
from notifications.tasks import outbox_sweep

pytestmark = pytest.mark.django_db(transaction=True)


def worker_process(log_path) -> subprocess.Popen:
    """`celery worker` in its own process, on this test's database and the fake Twilio."""
    url = urlsplit(os.environ["DATABASE_URL"])
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"])),
        "TWILIO_ACCOUNT_SID": django_settings.TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": django_settings.TWILIO_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": django_settings.TWILIO_FROM_NUMBER,
        "TWILIO_API_BASE_URL": django_settings.TWILIO_API_BASE_URL,
        "PUBLIC_BASE_URL": django_settings.PUBLIC_BASE_URL,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "INFO"]
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for(condition, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.1)


def test_a_worker_killed_mid_send_leaves_the_message_sent_once(twilio, customer, tmp_path):
    twilio.delay = 600  # Twilio takes the message but holds its answer until released
    process = worker_process(tmp_path / "worker.log")
    try:
        with transaction.atomic():
            message = message_queue(
                customer=customer,
                works_order=None,
                stage=Stage.UPDATE,
                channel=Channel.SMS,
                key="update:killed:sms",
                body="Your phone is ready to collect.",
            )
        assert twilio.taken.wait(90), (tmp_path / "worker.log").read_text()
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    message.refresh_from_db()
    assert (message.state, message.provider_id, message.attempts) == (State.SENDING, "", 1)
    # Time passes: the send is now stale (STALE is minutes; we move the clock, not wait).
    long_ago = timezone.now() - outbox.STALE - datetime.timedelta(seconds=1)
    Message.objects.all_shops().filter(pk=message.pk).update(sending_since=long_ago)
    twilio.delay = 0

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        outbox_sweep.delay()

        def sent() -> bool:
            message.refresh_from_db()
            return message.state == State.SENT

        wait_for(sent, "the sweep to send the message")

    assert len(twilio.creates) == 1
    assert message.provider_id == twilio.messages[0]["sid"]
    assert message.attempts == 2
