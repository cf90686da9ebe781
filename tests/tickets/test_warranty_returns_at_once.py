"""The same warranty return sent from several counters at once (or one form double-clicked):
one job is booked, the others are shown it. Committed transactions, a connection per thread."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.billing.test_series_at_once import at_once
from tests.conftest import sign_in
from tests.tickets.test_warranty_returns import collected_job, return_post
from tickets.models import WorksOrder

pytestmark = pytest.mark.django_db(transaction=True)
COUNTERS = 6


def test_six_counters_sending_one_return_form_book_one_job(personas):
    original = collected_job(personas, days_ago=10)
    form = return_post(personas, original)

    def send(_):
        response = sign_in(Client(), personas.front_desk).post(reverse("intake"), form)
        return response.status_code, response["Location"]

    answers = at_once(send, [[None]] * COUNTERS)

    comeback = WorksOrder.objects.for_shop(personas.shop).get(warranty_return_of=original)
    assert set(answers) == {(302, reverse("works_order_detail", args=[comeback.number]))}
    assert WorksOrder.objects.for_shop(personas.shop).count() == 2
