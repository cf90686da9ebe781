"""Sign-in protection as people meet it: the locked-out page, and the manager's unlock."""

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.axe import axe_findings, describe, sideways_overflow

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def lock_out(email: str) -> None:
    """Five failures on record, as the sign-in page would have left them."""
    AccessAttempt.objects.create(
        username=email,
        ip_address="10.9.8.7",
        user_agent="another browser",
        http_accept="*/*",
        path_info="/sign-in/",
        get_data="",
        post_data="",
        failures_since_start=5,
        attempt_time=timezone.now(),
    )


def test_five_wrong_passwords_show_when_to_try_again_and_whom_to_ask(
    page: Page, live_server, personas
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/sign-in/")
    for _ in range(5):
        page.get_by_label("Email").fill("desk@example.com")
        page.get_by_label("Password").fill("not my password")
        page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sign-in is paused for this account")
    expect(alert).to_contain_text("Ask an owner or manager of your shop")
    page.screenshot(path="/tmp/issue15-hardening-locked-out.png", full_page=True)
    assert not (findings := axe_findings(page)), describe(findings)
    assert not sideways_overflow(page)

    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign-in is paused for this account")


def test_a_manager_unlocks_a_locked_out_colleague_on_the_staff_page(
    signed_in_page, live_server, personas
):
    lock_out("desk@example.com")
    page = signed_in_page(personas.manager)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/settings/staff/")
    row = page.get_by_role("row").filter(has_text="Amira Haddad")
    expect(row).to_contain_text("Sign-in locked until")
    page.screenshot(path="/tmp/issue15-hardening-staff-locked.png", full_page=True)
    assert not (findings := axe_findings(page)), describe(findings)
    row.get_by_role("button", name="Unlock sign-in").click()
    expect(
        page.get_by_role("status").filter(has_text="Amira Haddad can sign in again.")
    ).to_be_visible()
    expect(row).not_to_contain_text("Sign-in locked until")
    page.screenshot(path="/tmp/issue15-hardening-staff-unlocked.png", full_page=True)
    assert not AccessAttempt.objects.filter(username="desk@example.com").exists()
