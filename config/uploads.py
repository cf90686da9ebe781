"""A ceiling on the size of a whole multipart request, checked before any of it is read, and
the 400 page that explains it.

Django limits how many files a request may carry (DATA_UPLOAD_MAX_NUMBER_FILES) and how big its
other fields may be (DATA_UPLOAD_MAX_MEMORY_SIZE), but not how big the files are: without this a
single request could fill the temporary folder before any form looked at it. Nothing in front of
gunicorn limits it either (see docker-compose.yml).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.views import defaults


class RequestSizeLimit(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: passes everything on, once the size is known to be fine."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None) -> None:
        if content_length > settings.UPLOAD_MAX_REQUEST_BYTES:
            raise RequestDataTooBig(
                f"Upload of {content_length} bytes refused (more than "
                f"UPLOAD_MAX_REQUEST_BYTES = {settings.UPLOAD_MAX_REQUEST_BYTES})."
            )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page (handler400). Uploads refused before they were read (too big, too many
    files) say what to do instead; anything else gets Django's own page."""
    if isinstance(exception, TooManyFilesSent):
        problem = (
            f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files were sent at once. "
            f"Up to {settings.PHOTO_MAX_PER_REQUEST} photos can be added in one go."
        )
    elif isinstance(exception, RequestDataTooBig):
        sent = int(request.META.get("CONTENT_LENGTH") or 0)
        if sent > settings.UPLOAD_MAX_REQUEST_BYTES:
            problem = (
                f"That was {filesizeformat(sent)} at once; up to "
                f"{filesizeformat(settings.UPLOAD_MAX_REQUEST_BYTES)} can be sent in one go "
                f"({settings.PHOTO_MAX_PER_REQUEST} photos of up to "
                f"{filesizeformat(settings.PHOTO_MAX_UPLOAD_BYTES)} each)."
            )
        else:
            problem = "The form held more text than it can take."
    else:
        return defaults.bad_request(request, exception)
    return render(request, "upload_refused.html", {"problem": problem}, status=400)
