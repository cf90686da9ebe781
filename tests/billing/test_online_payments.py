"""Paying online with Stripe: the real `stripe` client against a local fake Stripe, and
webhooks signed with Stripe's own algorithm."""

from __future__ import annotations

import datetime
import re
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Method, OnlineCheckout, Payment, StripeEvent
from billing.payments import idempotency_key
from billing.selectors import invoice_for
from tests.factories import ShopFactory
from tests.fakes.stripe import Server, event, new_id, signed
from tickets.lifecycle import works_order_advance
from tickets.models import Status, TimelineEntry
from tickets.qr import STATUS_PATH

SECRET = "whsec_test_benchdesk_online"
HOOK = "/hooks/stripe/"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def stripe_fake(settings):
    with Server() as fake:
        settings.STRIPE_SECRET_KEY = "sk_test_benchdesk"
        settings.STRIPE_WEBHOOK_SECRET = SECRET
        settings.STRIPE_API_BASE_URL = fake.url
        fake.webhook_secret = SECRET
        yield fake


@pytest.fixture
def invoiced(ready, personas):
    services.invoice_issue(works_order=ready, by=personas.front_desk)
    return ready


def status_url(works_order) -> str:
    return STATUS_PATH.format(token=works_order.status_token)


def pay_url(works_order) -> str:
    return reverse("status_pay", args=[works_order.status_token])


def post_event(client, body: dict, *, secret: str = SECRET, **extra):
    text, header = signed(body, secret)
    return client.post(
        HOOK, data=text, content_type="application/json", HTTP_STRIPE_SIGNATURE=header, **extra
    )


def session_paid(client, fake, works_order) -> tuple[str, list[dict]]:
    """The customer presses Pay and pays on Stripe's page: (session id, the events Stripe sends)."""
    response = client.post(pay_url(works_order))
    session_id = response["Location"].rsplit("/", 1)[1]
    return session_id, fake.paid_events(session_id)


def online_payments(works_order):
    return Payment.objects.for_shop(works_order.shop_id).filter(
        works_order_id=works_order.pk, method=Method.CARD_ONLINE
    )


# The Pay button ------------------------------------------------------------------------------


def test_it_shows_the_pay_button_for_what_the_issued_invoice_owes(client, stripe_fake, invoiced):
    page = client.get(status_url(invoiced)).content.decode()
    invoice = invoice_for(invoiced)
    assert f"Invoice {invoice.number}" in page
    assert "Pay £144.00 by card" in page
    assert f'action="{pay_url(invoiced)}"' in page


def test_it_hides_the_pay_button_before_the_invoice_is_issued(client, stripe_fake, ready):
    page = client.get(status_url(ready)).content.decode()
    assert "by card" not in page and "Invoice INV" not in page


def test_without_stripe_keys_there_is_no_pay_button_and_nothing_breaks(client, settings, invoiced):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    response = client.get(status_url(invoiced))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Still to pay: <strong>£144.00</strong>" in page
    assert "by card" not in page
    assert "You can pay when you collect." in page
    pressed = client.post(pay_url(invoiced))  # an old page's button: back to the page
    assert pressed.status_code == 302 and pressed["Location"] == status_url(invoiced)
    assert not OnlineCheckout.objects.all_shops().exists()


def test_without_only_the_webhook_secret_the_option_is_hidden_too(client, settings, invoiced):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_x", ""
    assert "by card" not in client.get(status_url(invoiced)).content.decode()


def test_the_status_page_still_costs_two_queries_with_the_invoice_on_it(
    client, stripe_fake, invoiced, django_assert_num_queries
):
    client.get(status_url(invoiced))
    with django_assert_num_queries(2):
        response = client.get(status_url(invoiced))
    assert "Pay £144.00 by card" in response.content.decode()


def test_it_creates_a_checkout_session_with_an_idempotency_key_and_sends_the_customer_there(
    client, stripe_fake, invoiced
):
    response = client.post(pay_url(invoiced))
    assert response.status_code == 303
    (create,) = stripe_fake.creates
    session = stripe_fake.sessions[response["Location"].rsplit("/", 1)[1]]
    assert response["Location"] == session["url"]
    invoice = invoice_for(invoiced)
    assert create.idempotency_key == idempotency_key(
        invoice=invoice, amount=Decimal("144.00"), attempt=1
    )
    assert create.idempotency_key == f"benchdesk-checkout-{invoice.shop_id}-{invoice.pk}-14400-1"
    assert create.form["line_items[0][price_data][unit_amount]"] == "14400"
    assert create.form["line_items[0][price_data][currency]"] == "gbp"
    assert create.form["metadata[shop]"] == str(invoiced.shop_id)
    assert create.form["metadata[invoice]"] == invoice.number
    assert create.form["payment_intent_data[metadata][invoice]"] == invoice.number
    assert create.form["success_url"].endswith(status_url(invoiced) + "?payment=done")
    assert create.form["cancel_url"].endswith(status_url(invoiced) + "?payment=cancelled")
    checkout = OnlineCheckout.objects.for_shop(invoiced.shop_id).get()
    assert (checkout.session_id, checkout.amount, checkout.attempt) == (
        session["id"],
        Decimal("144.00"),
        1,
    )


def test_pressing_pay_again_reopens_the_same_session(client, stripe_fake, invoiced):
    first = client.post(pay_url(invoiced))["Location"]
    second = client.post(pay_url(invoiced))["Location"]
    assert first == second
    assert len(stripe_fake.creates) == 1


def test_a_new_amount_or_an_expired_session_is_a_new_attempt_with_its_own_key(
    client, stripe_fake, invoiced, personas
):
    client.post(pay_url(invoiced))
    OnlineCheckout.objects.for_shop(invoiced.shop_id).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.post(pay_url(invoiced))
    services.payment_take(
        works_order=invoiced, method=Method.CASH, amount=Decimal("44.00"), by=personas.front_desk
    )
    client.post(pay_url(invoiced))
    keys = [r.idempotency_key for r in stripe_fake.creates]
    assert [k.rsplit("-", 2)[1:] for k in keys] == [["14400", "1"], ["14400", "2"], ["10000", "1"]]
    assert len(set(keys)) == 3


def test_a_retry_with_the_same_key_gets_the_same_session_from_stripe(stripe_fake, invoiced):
    """What the key is for: Stripe answers a repeated create with the first answer."""
    from billing.payments import checkout_create

    invoice = invoice_for(invoiced)
    made = [
        checkout_create(
            invoice=invoice,
            amount=Decimal("144.00"),
            attempt=1,
            success_url="http://x/ok",
            cancel_url="http://x/no",
        )
        for _ in range(2)
    ]
    assert made[0] == made[1] and len(stripe_fake.sessions) == 1


def test_when_stripe_refuses_the_customer_is_told_and_nothing_is_kept(
    client, stripe_fake, invoiced
):
    stripe_fake.fail_next(400)
    response = client.post(pay_url(invoiced))
    assert response.status_code == 503
    assert "Card payment is not available just now" in response.content.decode()
    assert not OnlineCheckout.objects.all_shops().exists()


def test_nothing_owed_means_no_session(client, stripe_fake, invoiced, personas):
    services.payment_take(
        works_order=invoiced, method=Method.CASH, amount=Decimal("144.00"), by=personas.front_desk
    )
    response = client.post(pay_url(invoiced))
    assert response.status_code == 302 and not stripe_fake.creates
    page = client.get(status_url(invoiced)).content.decode()
    assert "Paid in full." in page and "by card" not in page


def test_a_job_let_go_without_payment_offers_no_pay_button(client, stripe_fake, invoiced, personas):
    services.payment_exemption_grant(
        works_order=invoiced, kind="goodwill", note="Regular customer", by=personas.manager
    )
    page = client.get(status_url(invoiced)).content.decode()
    assert "no payment is due" in page and "by card" not in page
    assert client.post(pay_url(invoiced)).status_code == 302 and not stripe_fake.creates


def test_an_unknown_link_pays_nothing(client, stripe_fake, db):
    response = client.post(reverse("status_pay", args=["x" * 22]))
    assert response.status_code == 404 and not stripe_fake.creates


# The webhook ---------------------------------------------------------------------------------


def test_a_paid_session_records_one_online_payment_and_the_invoice_is_paid(
    client, stripe_fake, invoiced
):
    session_id, (completed, _) = session_paid(client, stripe_fake, invoiced)
    assert post_event(client, completed).status_code == 200
    (payment,) = online_payments(invoiced)
    assert payment.amount == Decimal("144.00")
    assert payment.provider_id == stripe_fake.sessions[session_id]["payment_intent"]
    assert payment.taken_by is None
    assert services.amount_owed(invoiced) == 0
    assert (
        TimelineEntry.objects.for_shop(invoiced.shop_id)
        .filter(works_order=invoiced, text__contains="confirmed by Stripe")
        .exists()
    )


def test_replayed_ten_times_and_told_twice_it_is_still_one_payment(client, stripe_fake, invoiced):
    _, (completed, succeeded) = session_paid(client, stripe_fake, invoiced)
    answers = [post_event(client, completed).status_code for _ in range(10)]
    answers += [post_event(client, succeeded).status_code for _ in range(10)]
    assert answers == [200] * 20
    assert online_payments(invoiced).count() == 1
    assert StripeEvent.objects.count() == 2  # one row per event id, however often it came


def test_events_out_of_order_make_one_payment_and_one_refund(client, stripe_fake, invoiced):
    session_id, (completed, succeeded) = session_paid(client, stripe_fake, invoiced)
    partly = stripe_fake.refund_event(session_id, refunded=4000)
    fully = stripe_fake.refund_event(session_id, refunded=14400)
    # The full refund first, then the partial one it includes, then the payment's own events.
    for body in (fully, partly, succeeded, completed, fully, partly, completed):
        assert post_event(client, body).status_code == 200
    payment = online_payments(invoiced).get(refund_of__isnull=True)
    refunds = online_payments(invoiced).filter(refund_of=payment)
    assert payment.amount == Decimal("144.00")
    assert [r.amount for r in refunds] == [Decimal("144.00")]
    assert services.amount_owed(invoiced) == Decimal("144.00")


def test_refunds_in_steps_add_up_to_stripe_s_running_total(client, stripe_fake, invoiced):
    session_id, (completed, _) = session_paid(client, stripe_fake, invoiced)
    post_event(client, completed)
    for total in (4000, 4000, 10000):
        post_event(client, stripe_fake.refund_event(session_id, refunded=total))
    refunds = online_payments(invoiced).filter(refund_of__isnull=False).order_by("id")
    assert [r.amount for r in refunds] == [Decimal("40.00"), Decimal("60.00")]
    assert services.amount_owed(invoiced) == Decimal("100.00")


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "no header", "body changed", "old timestamp", "not json", "garbage header"],
)
def test_a_bad_signature_is_refused_and_changes_nothing(client, stripe_fake, invoiced, tamper):
    _, (completed, _) = session_paid(client, stripe_fake, invoiced)
    text, header = signed(completed, SECRET)
    if tamper == "wrong secret":
        text, header = signed(completed, "whsec_someone_else")
    elif tamper == "no header":
        header = ""
    elif tamper == "body changed":
        text = text.replace("14400", "1")
    elif tamper == "old timestamp":
        text, header = signed(completed, SECRET, timestamp=int(time.time()) - 3600)
    elif tamper == "not json":
        text, header = signed("\x00 not json {", SECRET)
    else:
        header = "t=abc,v1=\x00"
    response = client.post(
        HOOK, data=text, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 403
    assert not online_payments(invoiced).exists() and not StripeEvent.objects.exists()


def test_without_keys_the_webhook_accepts_nothing(client, settings, invoiced):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    body = event("payment_intent.succeeded", {"id": "pi_1", "metadata": {}})
    assert post_event(client, body).status_code == 403
    assert client.get(HOOK).status_code == 405


def test_unknown_events_and_other_people_s_payments_are_acknowledged_and_ignored(
    client, stripe_fake, invoiced, personas
):
    invoice = invoice_for(invoiced)
    intent = {
        "id": new_id("pi"),
        "object": "payment_intent",
        "amount_received": 14400,
        "currency": "gbp",
        "metadata": {"shop": str(invoiced.shop_id), "invoice": invoice.number},
    }
    elsewhere = ShopFactory()
    bodies = [
        event("customer.created", {"id": "cus_1", "object": "customer"}),
        event("payment_intent.succeeded", {**intent, "metadata": {}}),  # not made by us
        event(
            "payment_intent.succeeded",
            {**intent, "metadata": {"shop": str(elsewhere.pk), "invoice": invoice.number}},
        ),
        event("payment_intent.succeeded", {**intent, "currency": "eur"}),
        event(
            "checkout.session.completed",
            {
                "id": "cs_1",
                "payment_status": "unpaid",
                "payment_intent": None,
                "amount_total": 14400,
                "currency": "gbp",
                "metadata": intent["metadata"],
            },
        ),
    ]
    assert [post_event(client, body).status_code for body in bodies] == [200] * 5
    assert not Payment.objects.all_shops().filter(method=Method.CARD_ONLINE).exists()
    assert not StripeEvent.objects.exists()


def test_an_online_payment_is_not_refunded_at_the_counter(client, stripe_fake, invoiced, personas):
    _, (completed, _) = session_paid(client, stripe_fake, invoiced)
    post_event(client, completed)
    payment = online_payments(invoiced).get()
    with pytest.raises(Exception, match="refunded in Stripe"):
        services.payment_refund(
            payment=payment, amount=Decimal("1.00"), reason="Changed mind", by=personas.manager
        )


# What staff and the customer see ---------------------------------------------------------------


def test_back_from_stripe_it_says_processing_until_the_webhook_then_thank_you(
    client, stripe_fake, invoiced
):
    _, (completed, _) = session_paid(client, stripe_fake, invoiced)
    before = client.get(status_url(invoiced) + "?payment=done").content.decode()
    assert "being processed" in before and "payment received" not in before
    assert "by card" not in before  # not a second time while the first is confirmed
    assert 'href="?payment=done"' in before  # a link to look again (no timed refresh: axe)
    post_event(client, completed)
    after = client.get(status_url(invoiced) + "?payment=done").content.decode()
    assert "Thank you — payment received" in after and "Check again" not in after
    assert "Paid in full." in after and "by card" not in after
    cancelled = client.get(status_url(invoiced) + "?payment=cancelled").content.decode()
    assert "Payment cancelled" not in after and "Payment cancelled" in cancelled


def test_the_payment_shows_on_the_billing_panel_and_the_board_says_paid(
    client, client_as, stripe_fake, invoiced, personas, django_assert_max_num_queries
):
    _, (completed, _) = session_paid(client, stripe_fake, invoiced)
    desk = client_as(personas.front_desk)
    board_url = f"/board/?branch={invoiced.branch.code}"
    board = desk.get(board_url).content.decode()
    assert not re.search(rf'data-number="{invoiced.number}".*?bc-paid.*?</li>', board, re.S)
    post_event(client, completed)
    panel = desk.get(reverse("billing_panel", args=[invoiced.number])).content.decode()
    assert "Card (online)" in panel and "Paid in full" in panel
    assert "refunds are made in Stripe" in panel
    with django_assert_max_num_queries(5):
        board = desk.get(board_url).content.decode()
    card = re.search(rf'<li class="bc[^"]*" data-number="{invoiced.number}".*?</li>', board, re.S)
    assert card and '<span class="bc-badge bc-paid">Paid</span>' in card.group(0)


def test_the_desk_collects_a_job_paid_online(client, stripe_fake, invoiced, personas):
    _, (completed, _) = session_paid(client, stripe_fake, invoiced)
    post_event(client, completed)
    collected = works_order_advance(
        works_order=invoiced,
        step="collect",
        by=personas.front_desk,
        signed_name="Dee",
        signature_png=None,
    )
    assert collected.status == Status.COLLECTED


# Paid at the counter while a session is open ----------------------------------------------


def test_paying_at_the_counter_closes_the_open_session_in_stripe(
    client, stripe_fake, invoiced, personas, django_capture_on_commit_callbacks
):
    session_id = client.post(pay_url(invoiced))["Location"].rsplit("/", 1)[1]

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_take(
            works_order=invoiced,
            method=Method.CARD_TERMINAL,
            amount=Decimal("144.00"),
            by=personas.front_desk,
        )

    expires = [r.path for r in stripe_fake.requests if r.path.endswith("/expire")]
    assert expires == [f"/v1/checkout/sessions/{session_id}/expire"]
    assert stripe_fake.sessions[session_id]["status"] == "expired"
    checkout = OnlineCheckout.objects.for_shop(invoiced.shop_id).get(session_id=session_id)
    assert checkout.expires_at <= timezone.now()
    assert "Pay £" not in client.get(status_url(invoiced)).content.decode()


def test_a_session_that_completes_all_the_same_is_refunded_as_paid_twice(
    client, stripe_fake, invoiced, personas, django_capture_on_commit_callbacks
):
    session_id, events = session_paid(client, stripe_fake, invoiced)  # paid, not yet told
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_take(
            works_order=invoiced,
            method=Method.CASH,
            amount=Decimal("144.00"),
            tendered=Decimal("150.00"),
            by=personas.front_desk,
        )
    assert stripe_fake.sessions[session_id]["status"] == "complete"  # too late to close it

    with django_capture_on_commit_callbacks(execute=True):
        for body in events + events:  # told twice, by both events
            assert post_event(client, body).status_code == 200

    refunds = stripe_fake.refunds
    assert len({r.idempotency_key for r in refunds}) == 1
    assert refunds[0].form == {
        "payment_intent": stripe_fake.sessions[session_id]["payment_intent"],
        "amount": "14400",
    }
    texts = TimelineEntry.objects.for_shop(invoiced.shop_id).filter(works_order=invoiced)
    assert (
        texts.filter(text__contains="more than was owed online: refunded to the card").count() == 1
    )
    refunded = stripe_fake.refund_event(session_id, refunded=14400)
    assert post_event(client, refunded).status_code == 200
    assert services.amount_owed(invoiced) == Decimal("0.00")


def test_an_online_payment_of_what_is_owed_is_not_refunded(
    client, stripe_fake, invoiced, django_capture_on_commit_callbacks
):
    _, events = session_paid(client, stripe_fake, invoiced)

    with django_capture_on_commit_callbacks(execute=True):
        for body in events:
            post_event(client, body)

    assert stripe_fake.refunds == []
    assert services.amount_owed(invoiced) == Decimal("0.00")


def test_a_credit_note_or_an_exemption_closes_the_open_session_too(
    client, stripe_fake, invoiced, personas, django_capture_on_commit_callbacks
):
    first = client.post(pay_url(invoiced))["Location"].rsplit("/", 1)[1]
    with django_capture_on_commit_callbacks(execute=True):
        services.credit_note_issue(
            invoice=invoice_for(invoiced),
            amount=Decimal("44.00"),
            reason="Scratch on the case",
            by=personas.manager,
        )
    second = client.post(pay_url(invoiced))["Location"].rsplit("/", 1)[1]
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_exemption_grant(
            works_order=invoiced, kind="goodwill", note="Long wait", by=personas.manager
        )

    assert first != second
    assert stripe_fake.sessions[first]["amount_total"] == 14400
    assert stripe_fake.sessions[second]["amount_total"] == 10000
    assert stripe_fake.sessions[first]["status"] == stripe_fake.sessions[second]["status"]
    assert stripe_fake.sessions[second]["status"] == "expired"
