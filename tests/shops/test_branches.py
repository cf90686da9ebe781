"""Managers keep branches, their opening hours and closed dates in the app."""

import datetime

import holidays
import pytest
from django.urls import reverse
from django.utils import timezone

from shops.models import Branch, ClosedDate, OpeningHours


def hours_post(overrides: dict | None = None) -> dict:
    data = {
        "hours-TOTAL_FORMS": "7",
        "hours-INITIAL_FORMS": "7",
        "hours-MIN_NUM_FORMS": "7",
        "hours-MAX_NUM_FORMS": "7",
    }
    for day in range(7):
        opens, closes = ("09:00", "17:30") if day < 5 else ("", "")
        data |= {
            f"hours-{day}-weekday": day,
            f"hours-{day}-opens": opens,
            f"hours-{day}-closes": closes,
        }
    return data | (overrides or {})


def branch_post(**fields) -> dict:
    return {
        "code": "wsl",
        "name": "Walsall",
        "timezone": "Europe/London",
        "is_active": "on",
    } | fields


def test_a_manager_adds_a_branch_with_its_hours(client_as, personas):
    client = client_as(personas.manager)
    response = client.post(reverse("branch_create"), branch_post() | hours_post(), follow=True)
    assert b"Branch Walsall added" in response.content
    branch = Branch.objects.for_shop(personas.shop).get(code="WSL")
    hours = OpeningHours.objects.for_shop(personas.shop).filter(branch=branch)
    assert hours.count() == 5
    assert hours.get(weekday=0).closes == datetime.time(17, 30)


def test_a_duplicate_branch_code_is_a_field_error_and_the_form_keeps_what_was_typed(
    client_as, personas
):
    client = client_as(personas.manager)
    response = client.post(
        reverse("branch_create"), branch_post(code="BHM", name="Second Brum") | hours_post()
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Branch with this Shop and Code already exists" in page or "already exists" in page
    assert 'value="Second Brum"' in page


def test_the_same_code_is_fine_in_another_shop(client_as, personas):
    client = client_as(personas.outsider)
    client.post(reverse("branch_create"), branch_post(code="BHM") | hours_post())
    assert Branch.objects.for_shop(personas.outsider.shop).filter(code="BHM").exists()


def test_closing_before_opening_is_refused_with_a_message(client_as, personas):
    client = client_as(personas.manager)
    response = client.post(
        reverse("branch_edit", args=["BHM"]),
        branch_post(code="BHM", name="Birmingham") | hours_post({"hours-2-opens": "18:00"}),
    )
    assert "Opening time must be before closing time" in response.content.decode()


def test_a_half_given_day_asks_for_both_times(client_as, personas):
    client = client_as(personas.manager)
    response = client.post(
        reverse("branch_edit", args=["BHM"]),
        branch_post(code="BHM", name="Birmingham") | hours_post({"hours-6-opens": "10:00"}),
    )
    assert "Give both the opening and the closing time" in response.content.decode()


def test_editing_hours_replaces_them(client_as, personas):
    client = client_as(personas.manager)
    client.post(
        reverse("branch_edit", args=["BHM"]),
        branch_post(code="BHM", name="Birmingham")
        | hours_post({"hours-5-opens": "10:00", "hours-5-closes": "16:00"}),
    )
    days = OpeningHours.objects.for_shop(personas.shop).filter(branch=personas.branch)
    assert sorted(days.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4, 5]


def test_closed_dates_are_added_and_removed_in_place(client_as, personas):
    client = client_as(personas.manager)
    url = reverse("closed_date_add", args=["BHM"])
    fragment = client.post(
        url, {"date": "2030-12-26", "reason": "Boxing Day"}, headers={"HX-Request": "true"}
    )
    assert b'id="closed-dates"' in fragment.content and b"Boxing Day" in fragment.content
    assert b"<html" not in fragment.content
    duplicate = client.post(url, {"date": "2030-12-26"}, headers={"HX-Request": "true"})
    assert b"already exists" in duplicate.content
    closed = ClosedDate.objects.for_shop(personas.shop).get()
    client.post(
        reverse("closed_date_remove", args=["BHM", closed.pk]), headers={"HX-Request": "true"}
    )
    assert not ClosedDate.objects.for_shop(personas.shop).exists()


def test_the_dashboard_shows_the_shops_branches_and_todays_hours(client_as, personas):
    OpeningHours.objects.create(
        shop=personas.shop,
        branch=personas.branch,
        weekday=datetime.date.today().weekday(),
        opens=datetime.time(8, 30),
        closes=datetime.time(18),
    )
    page = client_as(personas.front_desk).get(reverse("dashboard")).content.decode()
    assert "Birmingham" in page and "Coventry" in page and "GHX" not in page
    assert "08:30–18:00" in page


def test_dashboard_query_count_does_not_grow_with_branches(
    client_as, personas, django_assert_max_num_queries
):
    from tests.factories import BranchFactory

    client = client_as(personas.owner)
    for _ in range(10):
        BranchFactory(shop=personas.shop)
    with django_assert_max_num_queries(8):
        client.get(reverse("dashboard"))


def test_public_holidays_are_chosen_by_country_and_region_and_listed(client_as, personas):
    client = client_as(personas.manager)
    url = reverse("branch_edit", args=["BHM"])
    refused = client.post(
        url, branch_post(code="BHM", name="Birmingham", holidays_country="XX") | hours_post()
    ).content.decode()
    assert "No public holidays are known for “XX”" in refused
    refused = client.post(
        url,
        branch_post(code="BHM", name="Birmingham", holidays_country="GB", holidays_region="XYZ")
        | hours_post(),
    ).content.decode()
    assert "“XYZ” is not a region of GB: ENG, NIR, SCT, WLS." in refused
    client.post(
        url,
        branch_post(code="BHM", name="Birmingham", holidays_country="gb", holidays_region="sct")
        | hours_post(),
    )
    personas.branch.refresh_from_db()
    assert (personas.branch.holidays_country, personas.branch.holidays_region) == ("GB", "SCT")
    page = client.get(url).content.decode()
    assert "Public holidays" in page and "New Year" in page


def test_holidays_can_be_switched_off(client_as, personas):
    client = client_as(personas.manager)
    url = reverse("branch_edit", args=["BHM"])
    client.post(
        url,
        branch_post(code="BHM", name="Birmingham", holidays_country="", holidays_region="")
        | hours_post(),
    )
    personas.branch.refresh_from_db()
    assert personas.branch.holidays_country == ""
    assert "None counted" in client.get(url).content.decode()


def test_a_manager_opens_the_branch_on_a_public_holiday_and_closes_it_again(client_as, personas):
    client = client_as(personas.manager)
    branch = personas.branch
    Branch.objects.for_shop(personas.shop).filter(pk=branch.pk).update(holidays_country="GB")
    today = timezone.localdate(timezone=branch.tz)
    coming = holidays.country_holidays("GB", years=[today.year, today.year + 1])
    day, name = min((d, n) for d, n in coming.items() if d >= today)
    url = reverse("holiday_opening", args=[branch.code])

    page = client.post(url, {"date": day.isoformat(), "open": "1"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    opened = ClosedDate.objects.for_shop(personas.shop).get(branch=branch, date=day)
    assert opened.open_on_holiday
    assert f"Closed after all: {name}" in page.content.decode()  # its button closes it again
    # Not listed among the days the branch is shut.
    edit = client.get(reverse("branch_edit", args=[branch.code])).content.decode()
    assert f"Open on {name}" not in edit.split('id="public-holidays"')[0]

    client.post(url, {"date": day.isoformat(), "open": "0"})
    assert not ClosedDate.objects.for_shop(personas.shop).filter(branch=branch).exists()


@pytest.mark.parametrize("day", ["", "2026-02-30", "not a date", "\x00", "2026-12-01"])
def test_only_a_public_holiday_of_the_branch_can_be_opened(client_as, personas, day):
    client = client_as(personas.manager)
    branch = personas.branch
    Branch.objects.for_shop(personas.shop).filter(pk=branch.pk).update(holidays_country="GB")
    response = client.post(
        reverse("holiday_opening", args=[branch.code]),
        {"date": day, "open": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "public holidays: nothing was changed" in response.content.decode()
    assert not ClosedDate.objects.for_shop(personas.shop).exists()


def test_the_counter_cannot_open_a_branch_on_a_holiday(client_as, personas):
    response = client_as(personas.front_desk).post(
        reverse("holiday_opening", args=[personas.branch.code]), {"date": "2027-01-01", "open": "1"}
    )
    assert response.status_code == 403
    assert not ClosedDate.objects.for_shop(personas.shop).exists()


def test_a_time_zone_that_does_not_exist_is_refused_at_the_field(client_as, personas):
    url = reverse("branch_edit", args=["BHM"])
    page = client_as(personas.manager).post(
        url, branch_post(code="BHM", name="Birmingham", timezone="-7219") | hours_post()
    )
    assert page.status_code == 200
    assert "is not a known time zone" in page.content.decode()
    personas.branch.refresh_from_db()
    assert personas.branch.timezone == "Europe/London"


def test_a_holiday_also_entered_as_a_closed_date_is_not_opened_behind_the_shops_back(
    client_as, personas
):
    branch = personas.branch
    Branch.objects.for_shop(personas.shop).filter(pk=branch.pk).update(holidays_country="GB")
    today = timezone.localdate(timezone=branch.tz)
    coming = holidays.country_holidays("GB", years=[today.year, today.year + 1])
    day = min(d for d in coming if d >= today)
    ClosedDate.objects.create(shop=personas.shop, branch=branch, date=day, reason="Stock take")

    page = client_as(personas.manager).post(
        reverse("holiday_opening", args=[branch.code]),
        {"date": day.isoformat(), "open": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert page.status_code == 200
    assert "remove it there first" in page.content.decode()
    kept = ClosedDate.objects.for_shop(personas.shop).get(branch=branch, date=day)
    assert (kept.open_on_holiday, kept.reason) == (False, "Stock take")
