import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import WorksOrderFactory
from tickets.models import PasscodeKind
from tickets.services import ConsentData, LineData

PASSCODE = "864213"


def jpeg_with_location(name: str = "IMG_0042.jpg") -> SimpleUploadedFile:
    """A phone photo as phones send them: EXIF with the camera and where it was taken."""
    image = Image.new("RGB", (640, 480), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = "iPhone 13"  # Model
    exif[0x0112] = 6  # Orientation: rotated, so the re-encode must turn it upright
    exif.get_ifd(0x8825)[2] = (52.0, 28.0, 48.0)  # GPSLatitude: Birmingham
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def booked(personas):
    """A works order booked in at BHM with a PIN, two quote lines and a signed consent."""
    return WorksOrderFactory(
        branch=personas.branch,
        by=personas.front_desk,
        passcode_kind=PasscodeKind.PIN,
        passcode=PASSCODE,
        lines=[
            LineData(description="Screen replacement (OEM)", unit_price="149.99", kind="part"),
            LineData(description="Fitting", unit_price="20.00"),
        ],
        consent=ConsentData(method="on_behalf", signed_name="Dee Customer"),
    )
