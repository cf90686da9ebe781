"""`{% day %}` draws what the two `date` filters drew, in the shop's time."""

import datetime
import zoneinfo

import pytest
from django.template import engines
from django.utils import dateformat, timezone, translation
from django.utils.text import Truncator

from shops.templatetags.ui import day_and_time, truncated

UTC = datetime.UTC
FILTERS = engines["django"].from_string(
    """<time datetime="{{ value|date:'c' }}">{{ value|date:"j M Y" }}</time>"""
)
TAG = engines["django"].from_string("{% load ui %}{% day value %}")


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 12, 5, 9, 30, tzinfo=UTC),
        datetime.datetime(2026, 6, 30, 23, 30, tzinfo=UTC),  # 1 July in London (BST)
        datetime.datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC),  # the clocks go forward
        datetime.datetime(999, 1, 9, 12, tzinfo=UTC),
        datetime.date(2026, 5, 1),
    ],
)
@pytest.mark.parametrize("zone", ["Europe/London", "Pacific/Auckland"])
def test_the_day_tag_draws_what_the_date_filters_draw(value, zone):
    with timezone.override(zoneinfo.ZoneInfo(zone)), translation.override("en-gb"):
        assert TAG.render({"value": value}) == FILTERS.render({"value": value})


def test_no_day_draws_nothing():
    assert TAG.render({"value": None}) == ""


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 12, 5, 9, 5, tzinfo=UTC),
        datetime.datetime(2026, 1, 31, 23, 59, 59, tzinfo=zoneinfo.ZoneInfo("Europe/London")),
        datetime.datetime(2026, 7, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo("Pacific/Auckland")),
        datetime.datetime(999, 5, 9, 12, 30, tzinfo=UTC),
    ],
)
def test_day_and_time_is_what_the_date_format_writes(value):
    with translation.override("en-gb"):
        assert day_and_time(value) == dateformat.format(value, "j M, H:i")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Screen cracked",
        "x" * 60,
        "x" * 61,
        "e\u0301" * 20,  # decomposed accents, short enough: put together all the same
        "e\u0301" * 40,  # put together first, then counted
        "é" * 60 + "!",
        "A cracked screen after a drop onto tiles; touch works in the top half only",
    ],
)
def test_truncated_is_what_the_truncator_makes(value):
    assert truncated(value, 60) == Truncator(value).chars(60)
