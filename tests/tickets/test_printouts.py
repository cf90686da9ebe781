"""The printouts a customer takes home and the tag on the device: right facts, right paper,
nothing secret, nothing loaded from outside."""

import io
import subprocess

import pytest
from django.urls import reverse
from PIL import Image, ImageDraw
from pypdf import PdfReader

from config.pdf import RefusedURL, StaticFilesOnly
from tests.factories import WorksOrderFactory
from tests.tickets.conftest import PASSCODE
from tickets.models import PasscodeKind
from tickets.services import ConsentData, LineData

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


@pytest.mark.parametrize(
    ("printout", "query", "width_mm", "height_mm"),
    [
        ("receipt_pdf", "?layout=a4", 210, 297),
        ("receipt_pdf", "?layout=roll", 80, None),
        ("tag_pdf", "", 62, 29),
    ],
)
def test_each_pdf_rasterises_to_one_page_of_its_paper(
    client_as, personas, booked, tmp_path, printout, query, width_mm, height_mm
):
    url = reverse(printout, args=[booked.number]) + query
    _, raw = pdf_of(client_as(personas.front_desk), url)
    (tmp_path / "out.pdf").write_bytes(raw)
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(tmp_path / "out.pdf"), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 1  # a typical job fits one A4 sheet, one strip of roll, one label
    with Image.open(pages[0]) as image:
        size_mm = (round(image.width / 80 * 25.4), round(image.height / 80 * 25.4))
    assert size_mm[0] == width_mm
    if height_mm is None:
        assert 150 < size_mm[1] < 600  # the roll is cut after the receipt, not fed for 2 m
    else:
        assert size_mm[1] == height_mm


def signature_png() -> bytes:
    image = Image.new("RGBA", (300, 80), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 60), (80, 15), (150, 65), (290, 20)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("layout", ["a4", "roll"])
def test_a_signed_receipt_shows_the_signature_and_nothing_of_the_passcode(
    client_as, personas, layout
):
    works_order = WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        passcode_kind=PasscodeKind.PIN,
        passcode="1234",
        lines=[LineData(description="Battery replacement", unit_price="49.99")],
        consent=ConsentData(
            method="signature", signed_name="Ada Signer", signature_png=signature_png()
        ),
    )
    url = reverse("receipt_pdf", args=[works_order.number]) + f"?layout={layout}"
    reader, _ = pdf_of(client_as(personas.front_desk), url)
    text = text_of(reader)
    assert "Signed by Ada Signer" in text
    assert "£59.99" in text and "Terms version 1" in text
    # The signature is the one raster image: the QR code is drawn as vectors.
    assert len(reader.pages[0].images) == 1
    assert "1234" not in text and "passcode_secret" not in text
    assert "Passcode: given" in text or "Passcode given" in text


def test_a_receipt_printed_before_consent_leaves_a_line_to_sign(client_as, personas):
    works_order = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    url = reverse("receipt_pdf", args=[works_order.number])
    text = text_of(pdf_of(client_as(personas.front_desk), url)[0])
    assert "Customer signature" in text and "Signed by" not in text
    assert "Passcode not given" in text


def test_pdfs_load_only_the_apps_own_static_files():
    fetch = StaticFilesOnly("http://shop.example/").fetch
    assert b"Benchdesk" in fetch("http://shop.example/static/css/benchdesk.css").read()
    assert fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"
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
