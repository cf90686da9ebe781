"""For any lines: net + VAT = gross on each line and in total, and the invoice comes to the
works order's total to the penny (billing/vat.py holds the rule)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import services, vat
from tests.billing.conftest import ready_job
from tickets.services import LineData

prices = st.decimals(min_value=Decimal("-50.00"), max_value=Decimal("2000.00"), places=2)
quantities = st.decimals(min_value=Decimal("0.25"), max_value=Decimal("12.00"), places=2)
rates = st.sampled_from([Decimal("20.00"), Decimal("5.00"), Decimal("0.00"), Decimal("17.50")])
line = st.tuples(prices, quantities, rates)


@given(lines=st.lists(line, min_size=1, max_size=8))
def test_each_line_and_the_total_add_up(lines):
    amounts = [vat.from_net(quantity=q, unit_price=p, rate=r) for p, q, r in lines]
    for a in amounts:
        assert a.net + a.vat == a.gross
    total = vat.totals(amounts)
    assert total.net + total.vat == total.gross


@given(
    gross=st.decimals(min_value=Decimal("-500"), max_value=Decimal("5000"), places=2), rate=rates
)
def test_a_price_including_vat_splits_without_losing_a_penny(gross, rate):
    amounts = vat.from_gross(gross=gross, rate=rate)
    assert amounts.net + amounts.vat == amounts.gross == gross


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900"), places=2),
            quantities,
            rates,
        ),
        min_size=1,
        max_size=5,
    ),
    final=st.one_of(
        st.none(), st.decimals(min_value=Decimal("0"), max_value=Decimal("9000"), places=2)
    ),
)
def test_the_invoice_equals_the_works_order_to_the_penny(personas, lines, final):
    works_order = ready_job(
        personas,
        lines=[
            LineData(description=f"Line {i}", unit_price=p, quantity=q, vat_rate=r)
            for i, (p, q, r) in enumerate(lines)
        ],
        final_price=final,
    )
    invoice = services.invoice_issue(works_order=works_order, by=personas.front_desk)
    stored = list(invoice.lines.all())
    for invoice_line in stored:
        assert invoice_line.net + invoice_line.vat == invoice_line.gross
    assert invoice.net == sum(x.net for x in stored)
    assert invoice.vat == sum(x.vat for x in stored)
    assert invoice.net + invoice.vat == invoice.gross
    assert invoice.gross == services.works_order_total(works_order)
