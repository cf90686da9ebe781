"""Stripe delivering at once: the same event several times and both events of one payment, each
on its own connection and committed (transaction=True), as Stripe's retries can arrive."""

from decimal import Decimal

import pytest

from billing import payments, services
from billing.models import Method, Payment, StripeEvent
from tests.billing.conftest import ready_job
from tests.billing.test_series_at_once import at_once
from tests.fakes.stripe import event, new_id, signed
from tickets.services import LineData

SECRET = "whsec_test_at_once"

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_deliveries_at_once_of_both_events_make_one_payment(personas, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_x", SECRET
    job = ready_job(
        personas, lines=[LineData(description="Battery", unit_price=Decimal("50.00"), kind="part")]
    )
    invoice = services.invoice_issue(works_order=job, by=personas.front_desk)
    metadata = {"shop": str(job.shop_id), "invoice": invoice.number}
    intent = new_id("pi")
    completed = event(
        "checkout.session.completed",
        {
            "id": new_id("cs"),
            "object": "checkout.session",
            "payment_status": "paid",
            "payment_intent": intent,
            "amount_total": 6000,
            "currency": "gbp",
            "metadata": metadata,
        },
    )
    succeeded = event(
        "payment_intent.succeeded",
        {"id": intent, "amount_received": 6000, "currency": "gbp", "metadata": metadata},
    )
    deliveries = [signed(body, SECRET) for body in [completed] * 5 + [succeeded] * 5]

    acted = at_once(
        lambda delivery: services.stripe_event_apply(
            event=payments.event_from(delivery[0].encode(), delivery[1])
        ),
        [[delivery] for delivery in deliveries],
    )

    assert sum(acted) == 2  # each event id once
    (payment,) = Payment.objects.for_shop(personas.shop).filter(method=Method.CARD_ONLINE)
    assert (payment.amount, payment.provider_id) == (Decimal("60.00"), intent)
    assert StripeEvent.objects.count() == 2
    assert services.amount_owed(job) == 0
