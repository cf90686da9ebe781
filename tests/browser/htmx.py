"""Waiting for htmx to finish before the next keystroke.

New content is live only once htmx has settled it (20 ms after the swap): text typed into a
field before then is not seen by its triggers, and a field about to be replaced loses it."""

import time

from playwright.sync_api import Page, expect

BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_settled(page: Page) -> None:
    expect(page.locator(BUSY)).to_have_count(0)


def wait_until_true(page: Page, expression: str, timeout: float = 5.0) -> None:
    """Poll a JavaScript expression until it is true. Playwright's wait_for_function re-checks
    through eval, which the app's Content-Security-Policy refuses; page.evaluate does not."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"Still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)
