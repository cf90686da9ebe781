"""The counter prints from the works order's page: each button opens its PDF in a new tab."""

import io
import re

import pytest
from pypdf import PdfReader

from tests.factories import WorksOrderFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("button", "printed"),
    [
        ("Receipt A4", "Scan to follow your repair"),
        ("Receipt 80 mm", "Scan to follow your repair"),
        ("Device tag", "In "),
    ],
)
def test_each_print_button_opens_its_pdf_in_a_new_tab(
    signed_in_page, live_server, personas, button, printed
):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    page = signed_in_page(personas.front_desk)
    page.goto(f"{live_server.url}/works-orders/{works_order.number}/")

    with page.expect_popup() as new_tab:
        page.get_by_role("link", name=re.compile(button)).click()
    url = new_tab.value.url

    # Headless Chromium wraps a PDF in its viewer page, so fetch what the tab opened as a printer
    # driver would, with the same signed-in session.
    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert works_order.number in text and printed in text
