"""The printouts a customer takes home and the tag on the device: right facts, right paper,
nothing secret, nothing loaded from outside."""

import io
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from config.pdf import RefusedURL, StaticFilesOnly
from tests.tickets.conftest import PASSCODE

MM = 72 / 25.4  # PDF points per millimetre


def pdf_of(client, url: str) -> tuple[PdfReader, bytes]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    return PdfReader(io.BytesIO(response.content)), response.content


def text_of(reader: PdfReader) -> str:
    """The printed words with line breaks evened out (narrow columns wrap anywhere)."""
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize("layout", ["a4", "roll"])
def test_the_receipt_carries_the_job_and_never_the_passcode(client_as, personas, booked, layout):
    url = reverse("receipt_pdf", args=[booked.number]) + f"?layout={layout}"
    reader, raw = pdf_of(client_as(personas.front_desk), url)
    text = text_of(reader)
    for fact in [booked.number, "Dee Customer", "Screen replacement (OEM)", "£203.99", "version 1"]:
        assert fact.lower() in text.lower(), fact
    assert booked.device.imei in text
    assert "Scan to follow your repair" in text
    assert booked.status_token in text.replace(" ", "")  # the status link, readable too
    assert PASSCODE not in text and PASSCODE.encode() not in raw


def test_the_a4_receipt_is_a4_and_the_roll_is_80_mm_wide_and_cut_to_length(
    client_as, personas, booked
):
    client = client_as(personas.front_desk)
    a4, _ = pdf_of(client, reverse("receipt_pdf", args=[booked.number]) + "?layout=a4")
    roll, _ = pdf_of(client, reverse("receipt_pdf", args=[booked.number]) + "?layout=roll")
    assert (round(a4.pages[0].mediabox.width / MM), round(a4.pages[0].mediabox.height / MM)) == (
        210,
        297,
    )
    assert round(roll.pages[0].mediabox.width / MM) == 80
    assert len(roll.pages) == 1 and roll.pages[0].mediabox.height / MM < 600  # fed, not 2 m


def test_the_device_tag_is_a_62_by_29_mm_label_with_the_number(client_as, personas, booked):
    reader, _ = pdf_of(client_as(personas.technician), reverse("tag_pdf", args=[booked.number]))
    page = reader.pages[0]
    assert (round(page.mediabox.width / MM), round(page.mediabox.height / MM)) == (62, 29)
    text = text_of(reader)
    assert booked.number in text and booked.customer.surname.upper() in text
    assert "Dee" not in text.split()  # first names stay off the label


def test_the_pdfs_render_to_images_a_printer_can_take(client_as, personas, booked, tmp_path):
    _, raw = pdf_of(client_as(personas.front_desk), reverse("tag_pdf", args=[booked.number]))
    (tmp_path / "tag.pdf").write_bytes(raw)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", str(tmp_path / "tag.pdf"), str(tmp_path / "tag")],
        check=True,
    )
    from PIL import Image

    with Image.open(tmp_path / "tag-1.png") as image:
        assert (round(image.width / 300 * 25.4), round(image.height / 300 * 25.4)) == (62, 29)


def test_pdfs_load_only_the_apps_own_static_files():
    fetch = StaticFilesOnly("http://shop.example/").fetch
    assert b"Benchdesk" in fetch("http://shop.example/static/css/benchdesk.css").read()
    for refused in [
        "http://evil.example/tracker.png",
        "file:///etc/passwd",
        "http://shop.example/static/../config/settings/base.py",
        "http://shop.example/media/private/photo.jpg",
    ]:
        with pytest.raises(RefusedURL):
            fetch(refused)


def test_another_shops_printouts_are_404(client_as, personas, booked):
    client = client_as(personas.outsider)
    assert client.get(reverse("receipt_pdf", args=[booked.number])).status_code == 404
    assert client.get(reverse("tag_pdf", args=[booked.number])).status_code == 404
