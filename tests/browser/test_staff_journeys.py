"""Journeys of shop staff in a real browser (Debian's Chromium, headless)."""

import re

import pytest
from playwright.sync_api import Page, expect

from shops.models import ClosedDate, Membership
from tests.browser.conftest import watch_for_csp_violations

pytestmark = pytest.mark.browser


def test_the_owner_signs_in_and_sees_the_shops_branches(page: Page, live_server, personas):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Fix Corner Repairs")).to_be_visible()
    branches = page.locator("#branches")
    expect(branches.get_by_role("heading", name="Birmingham")).to_be_visible()
    expect(branches.get_by_role("heading", name="Coventry")).to_be_visible()
    expect(page.get_by_role("link", name="Settings", exact=True)).to_be_visible()


def test_a_wrong_password_is_explained_on_the_form(page: Page, live_server, personas):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill("not it")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    expect(page.get_by_label("Email")).to_have_value("owner@example.com")


def test_a_manager_invites_a_technician_who_joins_from_the_link(
    signed_in_page, live_server, personas, browser, csp_violations
):
    page = signed_in_page(personas.manager)
    page.goto(f"{live_server.url}/settings/staff/")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Role").select_option(label="Technician")
    page.get_by_label("Birmingham (BHM)").check()
    page.get_by_label("Micro-soldering").check()
    page.get_by_role("button", name="Send invitation").click()

    expect(
        page.get_by_role("status").filter(has_text="Invitation sent to nia@example.com")
    ).to_be_visible()
    link = page.get_by_label("Invitation link").input_value()
    expect(page.get_by_text("nia@example.com as Technician")).to_be_visible()

    newcomer_context = browser.new_context(locale="en-GB")
    watch_for_csp_violations(newcomer_context, csp_violations)
    newcomer = newcomer_context.new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Join Fix Corner Repairs")).to_be_visible()
    newcomer.get_by_label("Your full name").fill("Nia Evans")
    newcomer.get_by_label("Choose a password").fill("flux and solder 12")
    newcomer.get_by_label("Password again").fill("flux and solder 12")
    newcomer.get_by_role("button", name="Create my account and join").click()

    expect(newcomer.get_by_text("Good to see you, Nia")).to_be_visible()
    expect(newcomer.get_by_role("link", name="Settings", exact=True)).to_have_count(
        0
    )  # technicians don't manage
    member = Membership.objects.for_shop(personas.shop).get(user__email="nia@example.com")
    assert member.skills == ["micro_soldering"]


def test_a_closed_date_is_added_without_leaving_the_branch_page(
    signed_in_page, live_server, personas
):
    page = signed_in_page(personas.owner)
    page.goto(f"{live_server.url}/settings/branches/BHM/")
    closed = page.locator("#closed-dates")
    closed.get_by_label("Date").fill("2030-12-26")
    closed.get_by_label("Reason").fill("Boxing Day")
    closed.get_by_role("button", name="Add closed date").click()
    expect(closed.get_by_text("Thu 26 Dec 2030 · Boxing Day")).to_be_visible()
    assert ClosedDate.objects.for_shop(personas.shop).filter(reason="Boxing Day").exists()

    closed.get_by_role("button", name="Remove 26 Dec 2030").click()
    expect(closed.get_by_text("None coming up.")).to_be_visible()


def test_a_technician_is_refused_staff_management(signed_in_page, live_server, personas):
    page = signed_in_page(personas.technician)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Settings", exact=True)).to_have_count(0)
    response = page.goto(f"{live_server.url}/settings/staff/")
    assert response.status == 403
