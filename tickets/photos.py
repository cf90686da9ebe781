"""Intake and bench photos: only real images, re-encoded so nothing of the original file
(EXIF, GPS position, embedded scripts, odd formats) is kept."""

from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
MAX_PIXELS = 50_000_000  # refuse decompression bombs long before they fill memory


def clean_photo(upload: UploadedFile) -> ContentFile:
    """A JPEG re-encoded from the pixels of `upload`, upright, at most PHOTO_MAX_EDGE px."""
    if upload.size > settings.PHOTO_MAX_UPLOAD_BYTES:
        limit = settings.PHOTO_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ValidationError(f"“{upload.name}” is larger than {limit} MB.")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()  # decodes the structure; a renamed text file fails here
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in ACCEPTED_FORMATS:
            raise ValidationError(
                f"“{upload.name}” is a {image.format} file; send a photo (JPEG or PNG)."
            )
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(f"“{upload.name}” has too many pixels to be a photo.")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as problem:
        raise ValidationError(f"“{upload.name}” is not an image we can read.") from problem
    image = ImageOps.exif_transpose(image)  # keep it the right way up once EXIF is gone
    image.thumbnail((settings.PHOTO_MAX_EDGE, settings.PHOTO_MAX_EDGE))
    out = BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)  # no exif= → no metadata
    return ContentFile(out.getvalue(), name="photo.jpg")
