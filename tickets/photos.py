"""Intake and bench photos: only real images, re-encoded so nothing of the original file
(EXIF, GPS position, embedded scripts, odd formats) is kept.

Memory is bounded by what the header says, checked before a pixel is decoded: at most
PHOTO_MAX_PIXELS are ever decoded, and a JPEG (what phones send) is decoded straight at 1/2, 1/4
or 1/8 of its size by libjpeg (`Image.draft`) when that is still at least the size it is kept
at. scripts/bench_photos.py measures it.
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"}


def configure_pillow() -> None:
    """Pillow, anywhere in the process, refuses at open() an image above four times the photo
    limit (it warns from twice): a decompression bomb raises instead of allocating.

    Not the limit itself: photos are refused from twice to four times it by their header, with a
    message that gives their size — a 48 MP phone photo deserves better than "not an image" —
    and nothing else here decodes big images (signatures are a few hundred pixels wide).
    """
    Image.MAX_IMAGE_PIXELS = 2 * settings.PHOTO_MAX_PIXELS


def megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f} MP" if pixels >= 9_500_000 else f"{pixels / 1e6:.1f} MP"


def clean_photo(upload: UploadedFile) -> ContentFile:
    """A JPEG re-encoded from the pixels of `upload`: upright, at most PHOTO_MAX_EDGE px on its
    longest side, without metadata. Refuses, before decoding, files over the byte limit and
    images over the pixel limit."""
    name = upload.name
    if upload.size > settings.PHOTO_MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"“{name}” is {filesizeformat(upload.size)}; photos up to "
            f"{filesizeformat(settings.PHOTO_MAX_UPLOAD_BYTES)} are accepted."
        )
    try:
        upload.seek(0)
        image = Image.open(upload)  # reads the header only
    except Image.DecompressionBombError as problem:
        raise ValidationError(
            f"“{name}” is over {megapixels(2 * Image.MAX_IMAGE_PIXELS)}; photos up to "
            f"{megapixels(settings.PHOTO_MAX_PIXELS)} are accepted."
        ) from problem
    except (UnidentifiedImageError, OSError, SyntaxError) as problem:
        raise ValidationError(f"“{name}” is not an image we can read.") from problem
    with image:
        _check_header(name, image)
        try:
            kept = _downscaled(image)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as problem:
            raise ValidationError(f"“{name}” is not an image we can read.") from problem
    out = BytesIO()
    kept.save(out, "JPEG", quality=85, optimize=True)  # no exif= → no metadata at all
    return ContentFile(out.getvalue(), name="photo.jpg")


def _check_header(name: str, image: Image.Image) -> None:
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError(f"“{name}” is a {image.format} file; send a photo (JPEG or PNG).")
    width, height = image.size
    if width * height > settings.PHOTO_MAX_PIXELS:
        raise ValidationError(
            f"“{name}” is {width} × {height} pixels ({megapixels(width * height)}); photos up "
            f"to {megapixels(settings.PHOTO_MAX_PIXELS)} are accepted. Set the camera to a "
            "lower resolution, or send a smaller copy."
        )


def _downscaled(image: Image.Image) -> Image.Image:
    """The first frame, no bigger than PHOTO_MAX_EDGE, upright, in RGB."""
    edge = settings.PHOTO_MAX_EDGE
    width, height = image.size
    scale = min(1.0, edge / max(width, height))
    wanted = (max(1, round(width * scale)), max(1, round(height * scale)))
    if image.format == "JPEG":
        # libjpeg scales while it decodes (1/2, 1/4, 1/8): a 24 MP photo never exists in memory
        # at full size. RGB is asked for so a greyscale-as-RGB file is not widened again later.
        image.draft("RGB", wanted)
    # Loads (at the draft size), halves by whole factors with reduce() while that still leaves
    # three times the final size, then resamples with Lanczos: one big buffer at a time.
    image.thumbnail((edge, edge), reducing_gap=3.0)
    ImageOps.exif_transpose(image, in_place=True)  # on the small copy: turning it is cheap here
    return image if image.mode == "RGB" else image.convert("RGB")
