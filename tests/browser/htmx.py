"""Waiting for htmx to finish before the next keystroke.

New content is live only once htmx has settled it (20 ms after the swap): text typed into a
field before then is not seen by its triggers, and a field about to be replaced loses it."""

from playwright.sync_api import Page

BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_settled(page: Page) -> None:
    page.wait_for_function(f"!document.querySelector({BUSY!r})")
