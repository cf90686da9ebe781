"""manage.py generate_billing_data: comebacks, invoices and payments on generated data, as the
app itself would have written them."""

import io
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from billing import vat
from billing.models import DocumentCounter, Invoice, Method, Payment
from billing.scale import billing_backfill
from billing.services import invoice_lines_for, works_order_total
from shops.models import NumberingScheme, Shop
from tests.tickets.test_generate_data import NUMBER_SHAPES
from tickets import scale
from tickets.models import NumberCounter, Priority, Status, WorksOrder, status_token_for
from tickets.models import status_token_hash as token_hash
from tickets.scale_comebacks import comeback_backfill

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def billed(django_db_setup, django_db_blocker):
    """Three shops (one per numbering scheme) with 300 works orders, then a fifth of the old
    collected jobs back under warranty and everything collected invoiced and paid; once for
    this module, rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        before = set(Shop.objects.values_list("pk", flat=True))
        scale.generate(shops=3, works_orders=300, seed=11)
        shops = list(Shop.objects.exclude(pk__in=before).order_by("pk"))
        returns = comeback_backfill(share_per_mille=200)
        written = billing_backfill()
        yield {"shops": shops, "returns": returns, "written": written}
        transaction.set_rollback(True)


def collected(shops):
    return WorksOrder.objects.all_shops().filter(shop__in=shops, status=Status.COLLECTED)


def test_it_invoices_every_collected_job_to_the_penny_of_the_job(billed):
    jobs = list(collected(billed["shops"]).select_related("shop", "branch", "device"))
    invoices = {
        i.works_order_id: i
        for i in Invoice.objects.all_shops().filter(works_order__in=jobs, kind="invoice")
    }

    assert len(jobs) > 100
    assert set(invoices) == {job.pk for job in jobs}
    for job in jobs:
        invoice = invoices[job.pk]
        expected = invoice_lines_for(job)  # what billing would issue for it
        lines = list(invoice.lines.all())
        assert invoice.gross == works_order_total(job), job.number
        assert invoice.gross == vat.totals(expected).gross
        assert (invoice.net, invoice.vat) == (vat.totals(lines).net, vat.totals(lines).vat)
        assert [(line.description, line.net, line.vat, line.gross) for line in lines] == [
            (e.description, e.net, e.vat, e.gross) for e in expected
        ]
        assert invoice.works_order_number == job.number
        assert invoice.supplier_name == job.shop.name


def test_invoice_numbers_are_gap_free_per_shop_with_the_counter_at_the_last(billed):
    for shop in billed["shops"]:
        numbers = sorted(
            int(n.removeprefix("INV-"))
            for n in Invoice.objects.for_shop(shop).values_list("number", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))
        counter = DocumentCounter.objects.for_shop(shop).get(series="INV")
        assert counter.last == len(numbers)


def test_payments_cover_the_invoices_with_mixed_methods(billed):
    invoices = Invoice.objects.all_shops().filter(shop__in=billed["shops"], kind="invoice")
    paid = defaultdict(Decimal)
    payments = Payment.objects.all_shops().filter(shop__in=billed["shops"])
    for payment in payments:
        paid[payment.works_order_id] += payment.amount
        if payment.method == Method.CASH:
            assert payment.tendered - payment.amount == payment.change_given >= 0
    for invoice in invoices:
        assert paid[invoice.works_order_id] == invoice.gross, invoice.number
    methods = set(payments.values_list("method", flat=True))
    assert {Method.CASH, Method.CARD_TERMINAL, Method.BANK_TRANSFER} <= methods


def test_comebacks_are_linked_free_and_numbered_in_the_shops_scheme(billed):
    comebacks = list(
        WorksOrder.objects.all_shops()
        .filter(shop__in=billed["shops"], warranty_return_of__isnull=False)
        .select_related("warranty_return_of", "shop")
    )

    assert len(comebacks) == billed["returns"] > 0
    for job in comebacks:
        original = job.warranty_return_of
        assert (job.shop_id, job.customer_id, job.device_id) == (
            original.shop_id,
            original.customer_id,
            original.device_id,
        )
        assert job.priority == Priority.WARRANTY and job.final_price == Decimal("0.00")
        assert job.created_at > original.collected_at
        assert NUMBER_SHAPES[job.shop.numbering].fullmatch(job.number)
        token = status_token_for(shop_id=job.shop_id, number=job.number, version=1)
        assert job.status_token_hash == token_hash(token)  # its status link opens
        invoice = Invoice.objects.for_shop(job.shop_id).get(works_order=job)
        assert invoice.gross == Decimal("0.00")
        assert not Payment.objects.for_shop(job.shop_id).filter(works_order=job).exists()
        assert job.timeline.filter(text__contains=f"Warranty return of {original.number}")
        assert original.timeline.filter(text=f"Came back under warranty: {job.number}")


def test_works_order_numbers_stay_gap_free_with_the_comebacks(billed):
    for shop in billed["shops"]:
        shape = NUMBER_SHAPES[NumberingScheme(shop.numbering)]
        series = defaultdict(list)
        for number in WorksOrder.objects.for_shop(shop).values_list("number", flat=True):
            prefix, n = shape.fullmatch(number).groups()
            series[prefix].append(int(n))
        last = dict(NumberCounter.objects.for_shop(shop).values_list("series", "last"))
        for prefix, numbers in series.items():
            assert sorted(numbers) == list(range(1, len(numbers) + 1)), prefix
            assert last[prefix] == len(numbers)


def test_running_it_again_adds_nothing(billed):
    shops = billed["shops"]
    invoices = Invoice.objects.all_shops().filter(shop__in=shops).count()
    paid = Payment.objects.all_shops().filter(shop__in=shops).aggregate(t=Sum("amount"))["t"]
    out = io.StringIO()

    call_command("generate_billing_data", stdout=out)

    assert re.search(r"\b0 warranty returns, 0 invoices with 0 lines, 0 payments", out.getvalue())
    assert Invoice.objects.all_shops().filter(shop__in=shops).count() == invoices
    total = Payment.objects.all_shops().filter(shop__in=shops).aggregate(t=Sum("amount"))["t"]
    assert total == paid
