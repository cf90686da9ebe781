"""A list row's links are made once a page and filled in per row: they must be what reverse()
makes for every number a shop's scheme can give, and for the odd ones too."""

import dataclasses
import datetime

import pytest
from django.template import Context
from django.urls import NoReverseMatch, reverse

from tickets.selectors import ListRow, RowBranch
from tickets.templatetags.works_orders import _row_links

ROW = ListRow(
    *("WO-000001", datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), "intake", "standard"),
    *("", None, None, None, None, 1, "Ann", "Apple iPhone 13"),
    *(RowBranch("HQ", "Head office", datetime.UTC), None, None, ""),
)


@pytest.mark.parametrize(
    "number",
    ["WO-000001", "2603-15-001", "BHM-2603-0042", "a b", "café", "50%?#&", "~:@!$'()*+,;=", "N"],
)
@pytest.mark.parametrize("customer_id", [1, 10, 4_294_967_297])
def test_a_rows_links_are_what_reverse_makes(number, customer_id):
    context = Context()
    for row in (ROW, dataclasses.replace(ROW, number=number, customer_id=customer_id)):
        made = _row_links(context, row)  # the second row's from the first row's stand-ins
    assert made == (
        reverse("works_order_detail", args=[number]),
        reverse("customer_detail", args=[customer_id]),
    )


def test_a_number_the_url_cannot_take_fails_as_reverse_does():
    with pytest.raises(NoReverseMatch):
        _row_links(Context(), dataclasses.replace(ROW, number="A/B"))
