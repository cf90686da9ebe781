"""A ceiling on the size of a whole multipart request, checked before any of it is read.

Django limits how many files a request may carry (DATA_UPLOAD_MAX_NUMBER_FILES) and how big its
other fields may be (DATA_UPLOAD_MAX_MEMORY_SIZE), but not how big the files are: without this a
single request could fill the temporary folder before any form looked at it. Nothing in front of
gunicorn limits it either (see docker-compose.yml). Refused requests get the 400 page that
shops.views.bad_request explains.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


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
