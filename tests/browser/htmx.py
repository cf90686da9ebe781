"""Waiting for htmx to finish before the next keystroke.

New content is live only once htmx has settled it (20 ms after the swap): text typed into a
field before then is not seen by its triggers, and a field about to be replaced loses it."""

from playwright.sync_api import Page, expect

BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_settled(page: Page) -> None:
    expect(page.locator(BUSY)).to_have_count(0)
