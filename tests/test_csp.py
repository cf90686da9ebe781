"""Content-Security-Policy and the other security headers: templates give the policy nothing to
refuse, and the headers are on the pages that need them."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import WorksOrderFactory
from tickets.qr import STATUS_PATH

TEMPLATES = settings.BASE_DIR / "templates"
# Never served to a browser under the policy: PDFs (WeasyPrint reads their <style>) and emails
# (mail clients need inline styles).
NOT_SERVED = (
    "billing/pdf/",
    "tickets/printouts/",
    "parts/printouts/",
    "mailin/pdf/",
    "notifications/email.html",
    "reports/weekly_email.",
    "shops/email/",
    "parts/email/",
    "registration/password_reset_email.txt",
    "registration/password_reset_subject.txt",
)
INLINE = {
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I),
    "on* event handler": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
    "hx-on (needs eval)": re.compile(r"\shx-on[:-]", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "js: value (needs eval)": re.compile(r"[\"']js:", re.I),
    "hx-trigger filter (needs eval)": re.compile(r"hx-trigger=\"[^\"]*\[[^\"]*\]", re.I),
}


def served_templates():
    for path in sorted(TEMPLATES.rglob("*")):
        name = path.relative_to(TEMPLATES).as_posix()
        if path.is_file() and not name.startswith(NOT_SERVED):
            yield name, path


def test_the_scan_sees_the_templates():
    names = [name for name, _ in served_templates()]
    assert "base.html" in names and "tickets/board.html" in names and len(names) > 80


def test_no_served_template_has_inline_script_style_or_handlers():
    found = []
    for name, path in served_templates():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            # hx-trigger's CSS selectors like from:[name='x'] are not filters
            checked = re.sub(r"from:\[[^\]]*\]", "from:", line)
            found += [
                f"{name}:{number}: {what}"
                for what, pattern in INLINE.items()
                if pattern.search(checked)
            ]
    assert not found, "Move these to static files:\n" + "\n".join(found)


POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    parts = (part.strip().partition(" ") for part in header.split(";"))
    return {name: value for name, _, value in parts}


def assert_policy(response):
    directives = policy(response)
    for name, value in POLICY.items():
        assert directives[name] == value, (name, directives)
    assert "unsafe" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_signed_in_pages_have_the_policy_and_are_never_stored(client_as, personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    client = client_as(personas.manager)
    pages = [
        reverse("dashboard"),
        reverse("board"),
        reverse("works_orders"),
        reverse("works_order_detail", args=[works_order.number]),
        reverse("customers"),
        reverse("stock"),
        reverse("pricebook"),
        reverse("staff_list"),
        reverse("shop_settings"),
        reverse("reports"),
        reverse("search") + "?q=dee",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_policy(response)
        assert response["Cache-Control"] == "private, no-store", page


@pytest.mark.django_db
def test_public_pages_have_the_policy(client, personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    for page in [reverse("login"), reverse("password_reset")]:
        response = client.get(page)
        assert response.status_code == 200
        assert_policy(response)
    status = client.get(STATUS_PATH.format(token=works_order.status_token))
    assert status.status_code == 200
    assert_policy(status)
    assert "checkout" not in status["Content-Security-Policy"]  # no Pay button, no Stripe
    assert status["Cache-Control"] == "private, no-store"  # its own, with the token in it


@pytest.mark.django_db
def test_static_files_are_not_marked_no_store(client_as, personas):
    client = client_as(personas.manager)
    response = client.get(settings.STATIC_URL + "css/benchdesk.css")
    assert "no-store" not in response.get("Cache-Control", "")
