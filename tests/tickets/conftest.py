import functools
import io
import struct
import zlib

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


def camera_jpeg(
    width: int, height: int, name: str = "IMG_0001.jpg", orientation: int = 1
) -> SimpleUploadedFile:
    """A JPEG as a camera writes it, with the EXIF orientation tag it was taken with."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@functools.cache
def flat_png(width: int, height: int, *, bits: int = 8, colour: int = 2) -> bytes:
    """A valid PNG of one flat colour, made without Pillow (which would need the whole image in
    memory): rows of zeros streamed through zlib, so 7000 × 7000 pixels take 140 kB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    channels = {0: 1, 2: 3}[colour]  # greyscale, RGB
    row = b"\0" * (1 + (width * channels * bits + 7) // 8)  # a filter byte, then the pixels
    packer = zlib.compressobj(9)
    compressed = [packer.compress(row * min(256, height - top)) for top in range(0, height, 256)]
    compressed.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, bits, colour, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", b"".join(compressed)),
            chunk(b"IEND", b""),
        ]
    )


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
