"""Rate limits: emails once per address per window, 429 with Retry-After for pages and hooks."""

import threading

import pytest
from django.core import mail
from django.core.cache import caches
from django.urls import reverse

from shops import ratelimit
from shops.models import Invitation
from tests.notifications.test_status_page import book, url

pytestmark = pytest.mark.django_db


def test_a_limit_counts_atomically_across_threads():
    limit = ratelimit.Limit("test-threads", count=10, window=60)
    waits: list[int] = []
    start = threading.Barrier(20)

    def one():
        start.wait()
        waits.append(ratelimit.hit(limit, "10.0.0.1"))

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits)[:10] == [0] * 10
    assert all(0 < wait <= 60 for wait in sorted(waits)[10:])


def test_a_window_ends(settings):
    limit = ratelimit.Limit("test-window", count=1, window=60)
    assert ratelimit.hit(limit, "a") == 0
    assert ratelimit.hit(limit, "a") > 0
    assert ratelimit.hit(limit, "b") == 0  # per who
    caches["ratelimit"].clear()  # the window's end, in effect
    assert ratelimit.hit(limit, "a") == 0


def test_the_client_address_behind_a_proxy_is_the_one_it_appended(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert ratelimit.client_address(request) == "10.0.0.9"
    settings.RATELIMIT_PROXY_COUNT = 1
    assert ratelimit.client_address(request) == "203.0.113.5"  # not what the client claimed


def test_a_second_password_reset_within_minutes_sends_nothing_more(client, personas):
    first = client.post(reverse("password_reset"), {"email": "desk@example.com"})
    second = client.post(reverse("password_reset"), {"email": "DESK@example.com"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    other = client.post(reverse("password_reset"), {"email": "jack@example.com"})
    assert other.status_code == 302 and len(mail.outbox) == 2


def invite(client, personas, email="nia@example.com"):
    data = {"email": email, "role": "technician", "branches": [personas.branch.pk]}
    return client.post(reverse("staff_invite"), data, follow=True)


def test_inviting_the_same_address_again_within_minutes_shows_the_link_but_sends_nothing(
    client_as, personas, django_capture_on_commit_callbacks
):
    manager = client_as(personas.manager)
    with django_capture_on_commit_callbacks(execute=True):
        invite(manager, personas)
    first = Invitation.objects.for_shop(personas.shop).get()
    manager.post(reverse("invitation_revoke", args=[first.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        again = invite(manager, personas)
    assert len(mail.outbox) == 1
    page = again.content.decode()
    assert "No email this time" in page and "/invite/" in page


def test_sending_an_invitation_again_within_minutes_is_refused_politely(
    client_as, personas, django_capture_on_commit_callbacks
):
    manager = client_as(personas.manager)
    with django_capture_on_commit_callbacks(execute=True):
        invite(manager, personas)
    invitation = Invitation.objects.for_shop(personas.shop).get()
    token_hash = invitation.token_hash
    with django_capture_on_commit_callbacks(execute=True):
        resent = manager.post(reverse("invitation_resend", args=[invitation.pk]), follow=True)
    assert resent.status_code == 200
    assert "less than 5 minutes ago and still works" in resent.content.decode()
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.token_hash == token_hash  # the link they were emailed still works


def test_the_status_page_answers_429_with_retry_after(client, personas):
    works_order = book(personas)
    codes = [client.get(url(works_order)).status_code for _ in range(61)]
    assert codes[:60] == [200] * 60
    refused = client.get(url(works_order))
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    pay = client.post(reverse("status_pay", args=[works_order.status_token]))
    assert pay.status_code == 429 and "Retry-After" in pay


@pytest.mark.parametrize("route", ["twilio_status", "twilio_inbound", "stripe_webhook"])
def test_webhooks_answer_429_with_retry_after_past_their_rate(client, route):
    limit = ratelimit.WEBHOOKS
    for _ in range(limit.count):
        ratelimit.hit(limit, "127.0.0.1")
    refused = client.post(reverse(route), {"MessageSid": "SM1"})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= limit.window
    elsewhere = client.post(reverse(route), {"MessageSid": "SM1"}, REMOTE_ADDR="10.2.3.4")
    assert elsewhere.status_code == 403  # unsigned: refused as before, not rate limited
